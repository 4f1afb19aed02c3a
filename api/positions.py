"""`Newsline-Position`: the log position an answer's views had reached, and a read's wish.

Every answer carries the header. A write's is the position of that write; a
read's, the position the views of the database that answered had reached when
it was chosen (the views may hold more by the time they are read: the header
is a lower bound, which is what a client passing it on needs). An answer that
read no view gives the primary's position as last seen.
"""

from __future__ import annotations

import re
from typing import Any

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

HEADER = "Newsline-Position"
# A position as an answer gives it: a whole number that fits PostgreSQL's bigint.
_POSITION = re.compile(r"^[0-9]{1,19}$")
_LARGEST = 2**63 - 1
#: Where a request's chosen position is kept (in the request's state).
CHOSEN = "newsline_position"


class PositionUnavailable(Exception):
    """No database's views reached a requested position in time (`beyond_head`: nor ever will)."""

    def __init__(self, position: int, head: int) -> None:
        super().__init__(position, head)
        self.position, self.head = position, head

    @property
    def beyond_head(self) -> bool:
        return self.position > self.head


def parse(values: list[str]) -> int | None:
    """The position a request asks for; None if it asks for none. ValueError says what is wrong."""
    if not values:
        return None
    if len(values) > 1:
        raise ValueError(f"{HEADER} is given more than once; give it once")
    text = values[0].strip()
    if not _POSITION.match(text) or int(text) > _LARGEST:
        raise ValueError(
            f"{HEADER} must be a log position (a whole number, as an answer's {HEADER} gives it),"
            f" not {text[:40]!r}"
        )
    return int(text)


class PositionHeader:
    """ASGI middleware: `Newsline-Position` on every answer that does not set its own."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_position(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                if HEADER not in headers:
                    position = _position(scope)
                    if position is not None:
                        headers[HEADER] = str(position)
            await send(message)

        await self.app(scope, receive, send_with_position)


def _position(scope: Scope) -> int | None:
    chosen: Any = scope.get("state", {}).get(CHOSEN)
    if chosen is not None:
        return int(chosen)
    services = getattr(scope["app"].state, "services", None)
    return None if services is None else int(services.reads.known_position())
