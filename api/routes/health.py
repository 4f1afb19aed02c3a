"""Liveness and readiness."""

from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.deps import OptionsDep, ProgressDep, ServicesDep
from api.errors import problem_response

router = APIRouter(tags=["operations"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


@router.get("/readyz")
def readyz(views: ProgressDep, options: OptionsDep, services: ServicesDep) -> JSONResponse:
    """The database answers and the views have caught up with the log; each standby's lag.

    A standby that is down or lagging does not make the process unready: its
    reads go to the primary meanwhile."""
    try:
        head = views.head()
        positions = views.positions()
        shards = views.shards()
    except Exception as error:  # any failure to reach the database means not ready
        return problem_response(503, f"the database is unreachable: {type(error).__name__}")
    allowed = options.ready_max_lag
    lagging = {name: head - position for name, position in positions.items() if head - position > allowed}
    standbys = {state.name: asdict(state) for state in services.reads.standbys()}
    if lagging:
        return problem_response(
            503,
            f"projections are catching up: {lagging}",
            head=head,
            positions=positions,
            shards=shards,
            standbys=standbys,
        )
    return JSONResponse(
        {"status": "ready", "head": head, "positions": positions, "shards": shards, "standbys": standbys}
    )
