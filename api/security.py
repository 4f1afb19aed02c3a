"""Protections around every request: security headers, a body size limit, CORS."""

from __future__ import annotations

import json

from fastapi import FastAPI
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# An API answers JSON only: nothing in it is a page to frame, sniff or run.
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
    "Strict-Transport-Security": "max-age=31536000",
    "Cross-Origin-Opener-Policy": "same-origin",
}
# The interactive documentation is a page that loads Swagger UI / ReDoc from this server
# (api/routes/docs.py); its start-up script is inline, and ReDoc adds styles and a worker.
_DOCS_POLICY = (
    "default-src 'none'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; worker-src blob:; frame-ancestors 'none'"
)
_DOCS_PATHS = ("/docs", "/redoc")
# The timeline explorer is a page of our own files that calls the API.
_EXPLORER_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'"
)
_EXPLORER_PATHS = ("/explorer/",)


def _page_policy(path: str) -> str | None:
    if path.startswith(_DOCS_PATHS):
        return _DOCS_POLICY
    if path == "/" or path.startswith(_EXPLORER_PATHS):
        return _EXPLORER_POLICY
    return None


class SecurityHeaders:
    """Adds SECURITY_HEADERS to every answer that does not set them itself."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        policy = _page_policy(str(scope["path"]))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                added = [
                    (
                        name.lower().encode(),
                        (policy if policy and name.startswith("Content-Sec") else value).encode(),
                    )
                    for name, value in SECURITY_HEADERS.items()
                    if name.lower().encode() not in present
                ]
                message["headers"] = [*message.get("headers", []), *added]
            await send(message)

        await self.app(scope, receive, send_with_headers)


class BodyLimit:
    """Refuses a request body larger than `max_bytes` with 413 problem+json.

    The body is read here (it is small by construction) and handed on, so a
    client cannot pass the limit by omitting or understating Content-Length.
    (FastAPI's own `max_body_size` answers text/plain when Content-Length is
    too large.)
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length", b"0")
        if not declared.isdigit() or int(declared) > self.max_bytes:
            await self._refuse(send)
            return
        chunks: list[bytes] = []
        size, more = 0, True
        while more:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                return
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            more = message.get("more_body", False)
            if size > self.max_bytes:
                await self._refuse(send)
                return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": b"".join(chunks), "more_body": False}

        await self.app(scope, replay, send)

    async def _refuse(self, send: Send) -> None:
        body = {
            "type": "https://newsline.invalid/problems/413",
            "title": "Request too large",
            "status": 413,
            "detail": f"the request body is larger than {self.max_bytes} bytes",
        }
        encoded = json.dumps(body).encode()
        headers = [
            (b"content-type", b"application/problem+json"),
            (b"content-length", str(len(encoded)).encode()),
        ]
        await send({"type": "http.response.start", "status": 413, "headers": headers})
        await send({"type": "http.response.body", "body": encoded})


def install(app: FastAPI, max_body_bytes: int, origins: list[str]) -> None:
    """Wire the protections; the last added runs first, so headers cover every answer."""
    app.add_middleware(BodyLimit, max_bytes=max_body_bytes)
    if origins:  # off unless configured: a browser on another origin gets no answer to read
        app.add_middleware(
            CORSMiddleware,
            allow_origins=origins,
            allow_methods=["GET", "POST", "PATCH"],
            allow_headers=["Authorization", "Content-Type", "If-Match", "Idempotency-Key"],
            expose_headers=["ETag", "Location", "Retry-After"],
            max_age=600,
        )
    app.add_middleware(SecurityHeaders)
