"""Request ids, HTTP metrics and one structured access-log line per request.

A sane incoming `X-Request-ID` is kept (so a request can be followed across
a proxy and Newsline), anything else is replaced by a fresh id; either way it
is echoed in the answer and carried by every log line of the request. Metrics
are labelled by route template, never by raw path, to keep their number
bounded. Headers are never logged: they carry bearer tokens.
"""

from __future__ import annotations

import logging
import os
import re
import threading
import time
import uuid
from typing import Any

from fastapi import FastAPI
from prometheus_client import CollectorRegistry, Counter, Histogram, multiprocess
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from adapters.logs import REQUEST_ID, stamp_request_ids

access_log = logging.getLogger("newsline.access")

_SANE_ID = re.compile(r"^[A-Za-z0-9._:@-]{1,128}$")
_REGISTERING = threading.Lock()


class HttpMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.requests = Counter(
            "newsline_http_requests",
            "HTTP requests answered, by route template and status",
            ["method", "route", "status"],
            registry=registry,
        )
        self.latency = Histogram(
            "newsline_http_request_duration_seconds",
            "Time to answer an HTTP request, by route template (a stream counts until it closes)",
            ["method", "route"],
            registry=registry,
        )


def _incoming_id(scope: Scope) -> str | None:
    for name, value in scope.get("headers", ()):
        if name == b"x-request-id":
            text = value.decode("latin-1").strip()
            return text if _SANE_ID.match(text) else None
    return None


def _route(scope: Scope) -> str:
    route: Any = scope.get("route")
    return str(getattr(route, "path", None) or "unmatched")


class Observability:
    """ASGI middleware: request id, metrics and the access log."""

    def __init__(self, app: ASGIApp, metrics: HttpMetrics) -> None:
        self.app, self.metrics = app, metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _incoming_id(scope) or uuid.uuid4().hex
        # Not reset afterwards: each request runs in a task (and context) of its own, and
        # the handler of unexpected errors runs outside this middleware, yet should log the id.
        REQUEST_ID.set(request_id)
        status = 500
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message)["X-Request-ID"] = request_id
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            method, route = scope["method"], _route(scope)
            self.metrics.requests.labels(method, route, str(status)).inc()
            self.metrics.latency.labels(method, route).observe(elapsed)
            access_log.info(
                "%s %s %s",
                method,
                scope["path"],
                status,
                extra={
                    "method": method,
                    "path": scope["path"],
                    "route": route,
                    "status": status,
                    "duration_ms": round(elapsed * 1000, 2),
                },
            )


def install(app: FastAPI) -> None:
    """Metrics registry and middleware of one app (each app has its own registry)."""
    stamp_request_ids()
    registry = CollectorRegistry()
    app.state.metrics_registry = registry
    app.state.store_metrics_registered = False
    app.add_middleware(Observability, metrics=HttpMetrics(registry))


def registry_with_store(app: FastAPI) -> CollectorRegistry:
    """The app's registry, with the store metrics added once the store is built.

    Under `serve --workers N`, request metrics are read from every API process's
    files instead (prometheus_client's multiprocess mode, set by its variable).
    """
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        shared = CollectorRegistry()
        multiprocess.MultiProcessCollector(shared)  # type: ignore[no-untyped-call]
        shared.register(app.state.services.store_metrics)
        return shared
    registry: CollectorRegistry = app.state.metrics_registry
    with _REGISTERING:
        if not app.state.store_metrics_registered:
            registry.register(app.state.services.store_metrics)
            app.state.store_metrics_registered = True
    return registry
