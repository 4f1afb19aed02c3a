"""The live event stream: one log follower per process, any number of subscribers.

Subscribers hold no database connection while they wait. A single follower
per process polls how far the views have applied the log, and only while
someone is waiting; each subscriber then reads the new events from the pool
and gives the connection back at once. Events are served only once every
view has applied them, so a client that reacts to an event by reading a
timeline sees it there, and the story filter can ask the timeline view.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from typing import Any

import psycopg
from eventsourcing import persistence as es_persistence
from fastapi import Request
from psycopg_pool import PoolTimeout
from sse_starlette import ServerSentEvent
from starlette.concurrency import run_in_threadpool

from api.ports import ApiOptions, Services
from api.schemas.catalogue import EventPublic
from domain.event_log import LogEntry, read_log

log = logging.getLogger(__name__)

BATCH = 200


def public_event(entry: LogEntry) -> dict[str, Any]:
    """An event as GET /v1/events and the stream serve it."""
    return {
        "position": entry.position,
        "occurrence_id": entry.aggregate_id if entry.subject == "occurrence" else None,
        "story_id": entry.aggregate_id if entry.subject == "story" else None,
        "type": entry.type,
        "version": entry.version,
        "recorded_at": entry.recorded_at,
        "data": entry.data,
    }


class LogFollower:
    """Knows how far every view has applied the log; wakes waiters when that moves."""

    def __init__(self, applied: Callable[[], int], interval: float) -> None:
        self._applied = applied
        self._interval = interval
        self._position = -1
        self._moved = asyncio.Event()
        self._waiting = 0
        self._poller: asyncio.Task[None] | None = None

    async def wait_beyond(self, after: int) -> int:
        """Wait until the views have applied a position after `after`; return it."""
        self._waiting += 1
        try:
            while self._position <= after:
                if self._poller is None or self._poller.done():
                    self._poller = asyncio.create_task(self._poll())
                await self._moved.wait()
            return self._position
        finally:
            self._waiting -= 1

    async def _poll(self) -> None:
        """Poll while anyone waits: one small query per interval, however many wait."""
        while self._waiting:
            try:
                position = await run_in_threadpool(self._applied)
            except Exception as error:  # the database may be away for a while; keep following
                log.warning("event stream cannot read the log position: %s", error)
                position = self._position
            if position != self._position:
                self._position = position
                moved, self._moved = self._moved, asyncio.Event()
                moved.set()
            await asyncio.sleep(self._interval)


def follower(request: Request, services: Services, options: ApiOptions) -> LogFollower:
    """This process's follower, made on first use."""
    state = request.app.state
    if getattr(state, "log_follower", None) is None:
        state.log_follower = LogFollower(
            lambda: min(services.progress.positions().values()), options.stream_poll_interval
        )
    found: LogFollower = state.log_follower
    return found


async def stream_events(
    services: Services, log_follower: LogFollower, after: int, story: str | None
) -> AsyncIterator[ServerSentEvent]:
    """Every public event after `after`, then each new one as the views apply it.

    If the database goes away the stream ends; the client reconnects with
    `Last-Event-ID` and resumes where it stopped.
    """
    try:
        async for event in _events_after(services, log_follower, after, story):
            yield event
    except (psycopg.OperationalError, PoolTimeout, es_persistence.OperationalError) as error:
        log.warning("event stream ended: the database is unavailable (%s)", error)


async def _events_after(
    services: Services, log_follower: LogFollower, after: int, story: str | None
) -> AsyncIterator[ServerSentEvent]:
    position = after
    while True:
        applied = await log_follower.wait_beyond(position)
        read = await run_in_threadpool(read_log, services.writer, position, BATCH)
        entries = [entry for entry in read if entry.position <= applied]
        if story is not None:
            entries = await run_in_threadpool(_in_story, services, story, entries)
        for entry in entries:
            data = EventPublic.model_validate(public_event(entry)).model_dump_json()
            yield ServerSentEvent(data=data, id=str(entry.position))
        # A full batch within reach may have more behind it; otherwise all up to
        # `applied` has been seen (bookkeeping events have no public position).
        full = len(read) == BATCH and read[-1].position <= applied
        position = read[-1].position if full else applied


def _in_story(services: Services, story: str, entries: list[LogEntry]) -> list[LogEntry]:
    revisions = [entry.position for entry in entries if entry.subject == "occurrence"]
    belonging = services.timeline.story_event_positions(story, revisions)
    return [
        entry
        for entry in entries
        if entry.position in belonging or (entry.subject == "story" and entry.data.get("slug") == story)
    ]
