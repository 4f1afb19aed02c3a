"""Answering a read route's common request without FastAPI's dependency solving.

FastAPI resolves a route's dependencies and validates each declared parameter
on every request, which costs a page read more than its query does. A route
may name a fast answer: a function that reads the request itself, using the
same checks and parsers as the route's dependencies in the same order, and
gives up (returns None) whenever a value is not in its plain form. FastAPI's
own handler then answers as it always has, so every error keeps its shape.
The declared parameters still make the OpenAPI document.

Imports FastAPI and Starlette only.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

from fastapi import Request, Response
from fastapi.routing import APIRoute

FastAnswer = Callable[[Request], Awaitable[Response | None]]
Endpoint = TypeVar("Endpoint", bound=Callable[..., Any])


def answered_first_by(fast: FastAnswer) -> Callable[[Endpoint], Endpoint]:
    """Marks an endpoint of a FastReadRoute as answered by `fast` where it can."""

    def mark(endpoint: Endpoint) -> Endpoint:
        endpoint.fast_answer = fast  # type: ignore[attr-defined]
        return endpoint

    return mark


class FastReadRoute(APIRoute):
    """A route that tries its endpoint's fast answer before FastAPI's handler."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        standard = super().get_route_handler()
        fast: FastAnswer | None = getattr(self.endpoint, "fast_answer", None)
        if fast is None:
            return standard

        async def handler(request: Request) -> Response:
            response = await fast(request)
            return response if response is not None else await standard(request)

        return handler
