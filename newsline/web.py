"""The HTTP API, wired: settings and a Newsline in, a FastAPI app out."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from fastapi import FastAPI

from adapters.metrics import StoreCollector
from api.app import create_api
from api.ports import ApiOptions, Services
from api.rate_limit import WriteLimiter
from newsline import __version__
from newsline.bootstrap import Newsline, build
from newsline.reads import Collectors, ReadRouter, ReadsCollector
from newsline.settings import Settings


def create_app(settings: Settings | None = None, newsline: Newsline | None = None) -> FastAPI:
    """The API; with `newsline` given it serves that one (and leaves it open),
    else it builds one when it starts and closes it when it stops."""
    settings = newsline.settings if newsline is not None else settings or Settings()

    @contextmanager
    def services() -> Iterator[Services]:
        wired = newsline or build(settings)
        reads = None
        try:
            reads = ReadRouter(wired)
            yield api_services(wired, reads)
        finally:
            if reads is not None:
                reads.close()
            if newsline is None:
                wired.close()

    return create_api(__version__, api_options(settings), services)


def api_options(settings: Settings) -> ApiOptions:
    return ApiOptions(
        reads_require_auth=settings.reads_require_auth,
        ready_max_lag=settings.ready_max_lag,
        stream_keepalive=settings.stream_keepalive,
        stream_poll_interval=settings.stream_poll_interval,
        max_body_bytes=settings.max_body_bytes,
        allowed_origins=settings.allowed_origins(),
    )


def api_services(newsline: Newsline, reads: ReadRouter) -> Services:
    """What the routes use, taken from a wired Newsline and its read sources."""
    return Services(
        writer=newsline.app,
        timeline=newsline.timeline.reader,
        stories=newsline.stories.reader,
        progress=newsline,
        principals=newsline.principals,
        write_limiter=WriteLimiter(newsline.settings.write_limits(), newsline.datastore),
        store_metrics=Collectors(
            StoreCollector(newsline.app, newsline.positions, newsline.shards), ReadsCollector(reads)
        ),
        reads=reads,
    )
