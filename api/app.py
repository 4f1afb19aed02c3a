"""The FastAPI application: routers, error mapping and the lifespan."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import Depends, FastAPI
from fastapi.openapi.utils import get_openapi
from starlette.concurrency import run_in_threadpool

from api import errors, observability, security
from api.deps import reject_unknown_parameters, reject_unstorable_parameters
from api.rate_limit import WriteLimiter
from api.routes import entities, events, explorer, health, kinds, metrics, occurrences, stories, timeline
from api.routes.docs import router as docs_router
from api.schemas.problems import as_problem_json
from newsline import __version__
from newsline.bootstrap import Newsline, build
from newsline.settings import Settings

DESCRIPTION = """Event-sourced news timelines.

Every reported occurrence is an immutable event. Read any timeline as it was
reported by a date (`as_of`) and as this system held it at a time
(`recorded_as_of`), and audit how each report changed (`/history`).
"""


def create_app(settings: Settings | None = None, newsline: Newsline | None = None) -> FastAPI:
    """Build the API; with `newsline` given, use it instead of building one."""

    settings = newsline.settings if newsline is not None else settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = newsline is None
        app.state.newsline = newsline or await run_in_threadpool(build, settings)
        wired: Newsline = app.state.newsline
        app.state.write_limiter = await run_in_threadpool(
            WriteLimiter, settings.write_limits(), wired.datastore
        )
        try:
            yield
        finally:
            if owned:
                await run_in_threadpool(app.state.newsline.close)

    app = FastAPI(
        title="Newsline",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        dependencies=[Depends(reject_unknown_parameters), Depends(reject_unstorable_parameters)],
        docs_url=None,  # api/routes/docs.py serves /docs and /redoc from local copies
        redoc_url=None,
    )
    errors.install(app)
    security.install(app, settings)
    observability.install(app)
    for module in (occurrences, timeline, stories, entities, kinds, events, health, metrics, explorer):
        app.include_router(module.router)
    app.include_router(docs_router)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = as_problem_json(
                get_openapi(
                    title=app.title, version=app.version, description=app.description, routes=app.routes
                )
            )
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app
