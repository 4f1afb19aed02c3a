"""`newsline serve --workers N`: several API processes behind one port.

The serving process keeps the projections (and the embedded PostgreSQL, if
any); the API processes it starts are stateless: each builds its own
connection pools from the same settings, with the projections off and the
database URL of the serving process. Their request metrics are shared
through prometheus_client's multiprocess files, so a scrape that reaches any
one of them counts the requests of all.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from typing import Any

from fastapi import FastAPI

from adapters import logs
from newsline.bootstrap import Newsline
from newsline.settings import Settings
from newsline.web import create_app

# How uvicorn serves Newsline, in one process or several: the C parser (httptools) on
# libuv's event loop (uvloop), whose per-request cost is a fraction of the pure-Python
# h11 parser's on the default loop. The benchmark's bare endpoint is served the same way.
HTTP_STACK: dict[str, Any] = {"http": "httptools", "loop": "uvloop"}


def api_process() -> FastAPI:
    """The app of one API process (uvicorn calls this factory in each)."""
    logs.configure(Settings().log_format)
    return create_app()


def serve_workers(newsline: Newsline, host: str, port: int, workers: int) -> None:
    import uvicorn

    url = newsline.database_url()
    metrics_dir = tempfile.mkdtemp(prefix="newsline-metrics-")
    # The API processes are spawned: they read their settings from the environment.
    os.environ |= {
        "NEWSLINE_DATABASE_URL": url,
        "NEWSLINE_RUN_PROJECTIONS": "false",
        "PROMETHEUS_MULTIPROC_DIR": metrics_dir,
    }
    try:
        uvicorn.run(
            "entrypoints.serving:api_process",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_config=None,
            **HTTP_STACK,
        )
    finally:
        shutil.rmtree(metrics_dir, ignore_errors=True)
