"""The FastAPI application: routers, error mapping and the lifespan."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractContextManager, asynccontextmanager
from typing import Any

from fastapi import Depends, FastAPI
from fastapi.openapi.utils import get_openapi
from starlette.concurrency import run_in_threadpool

from api import errors, observability, security
from api.deps import check_parameters
from api.ports import ApiOptions, Services
from api.routes import (
    drafts,
    entities,
    events,
    explorer,
    health,
    kinds,
    metrics,
    occurrences,
    stories,
    timeline,
)
from api.routes.docs import router as docs_router
from api.schemas.problems import as_problem_json

DESCRIPTION = """Event-sourced news timelines.

Every reported occurrence is an immutable event. Read any timeline as it was
reported by a date (`as_of`) and as this system held it at a time
(`recorded_as_of`), and audit how each report changed (`/history`).
"""


def create_api(
    version: str, options: ApiOptions, services: Callable[[], AbstractContextManager[Services]]
) -> FastAPI:
    """Build the API; `services` opens what the routes use when the app starts,
    and closes it when the app stops."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        opened = services()
        app.state.services = await run_in_threadpool(opened.__enter__)
        try:
            yield
        finally:
            await run_in_threadpool(opened.__exit__, None, None, None)

    app = FastAPI(
        title="Newsline",
        version=version,
        description=DESCRIPTION,
        lifespan=lifespan,
        dependencies=[Depends(check_parameters)],
        docs_url=None,  # api/routes/docs.py serves /docs and /redoc from local copies
        redoc_url=None,
    )
    app.state.options = options
    errors.install(app)
    security.install(app, options.max_body_bytes, options.allowed_origins)
    observability.install(app)
    for module in (
        occurrences,
        drafts,
        timeline,
        stories,
        entities,
        kinds,
        events,
        health,
        metrics,
        explorer,
    ):
        app.include_router(module.router)
    app.include_router(docs_router)

    app.openapi = lambda: _problem_json_openapi(app)  # type: ignore[method-assign]
    return app


def _problem_json_openapi(app: FastAPI) -> dict[str, Any]:
    """The API document, with every error answer typed application/problem+json."""
    if app.openapi_schema is None:
        app.openapi_schema = as_problem_json(
            get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
        )
    return app.openapi_schema
