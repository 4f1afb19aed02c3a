"""The global event log, in record order: a page at a time, or live."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request
from sse_starlette import EventSourceResponse
from starlette.concurrency import run_in_threadpool

from api.deps import AppDep, NewslineDep, Reader
from api.live import follower, public_event, stream_events
from api.schemas.catalogue import EventPage
from api.schemas.problems import problems
from domain.errors import StoryNotFound, ValidationFailed
from domain.event_log import read_log

router = APIRouter(prefix="/v1/events", tags=["events"], responses=problems(401, 422))

# A position this stream sends as `id:`; empty means none.
LAST_EVENT_ID_PATTERN = r"^[0-9]{0,18}$"
_LAST_EVENT_ID = re.compile(LAST_EVENT_ID_PATTERN)

Position = Annotated[int, Query(ge=0, le=2**62, description="position to read after")]


@router.get("", response_model=EventPage)
def event_log(
    app: AppDep, _: Reader, after: Position = 0, limit: Annotated[int, Query(ge=1, le=1000)] = 100
) -> EventPage:
    """Events after a position; `next` is the position to ask after next time.

    Positions increase but are not contiguous: bookkeeping events (the idempotency
    key a write records) take positions that this log leaves out.
    """
    entries = read_log(app, after, limit)
    items = [public_event(entry) for entry in entries]
    return EventPage.model_validate({"items": items, "next": entries[-1].position if entries else after})


@router.get(
    "/stream",
    response_class=EventSourceResponse,
    responses={**problems(404), 200: {"content": {"text/event-stream": {}}, "description": "live events"}},
)
async def event_stream(
    request: Request,
    newsline: NewslineDep,
    _: Reader,
    after: Position = 0,
    story: Annotated[str | None, Query(max_length=200, description="only this story's events")] = None,
    last_event_id: Annotated[
        str | None, Header(alias="Last-Event-ID", json_schema_extra={"pattern": LAST_EVENT_ID_PATTERN})
    ] = None,
) -> EventSourceResponse:
    """The log as Server-Sent Events (`id:` = position); resumes after `Last-Event-ID` or `after`."""
    text = (last_event_id or "").strip()
    if not _LAST_EVENT_ID.fullmatch(text):
        raise ValidationFailed.single("Last-Event-ID", "must be a position this stream sent")
    if text:  # a reconnecting EventSource sends it with the original URL: it wins
        after = int(text)
    if story and await run_in_threadpool(newsline.stories.reader.story, story) is None:
        raise StoryNotFound(story)
    events = stream_events(newsline, follower(request, newsline), after, story or None)
    # A client that stops reading for half a minute is dropped rather than buffered for.
    return EventSourceResponse(events, ping=newsline.settings.stream_keepalive, send_timeout=30)
