"""What changed in a story's timeline between two report times."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

from domain.fold import changes_between
from projections.timeline.document import COMPARED_FIELDS
from projections.timeline.reader import TimelinePage, TimelineQuery


class Timeline(Protocol):
    """The reads a story's changes are composed of."""

    def timeline(self, query: TimelineQuery) -> TimelinePage: ...

    def occurrence(
        self, occurrence_id: UUID, as_of: datetime | None = None, recorded_as_of: datetime | None = None
    ) -> dict[str, Any] | None: ...


def story_changes(
    timeline: Timeline, slug: str, since: datetime, until: datetime | None, recorded_as_of: datetime | None
) -> dict[str, list[Any]]:
    query = TimelineQuery(story=slug, recorded_as_of=recorded_as_of, include_retracted=True, limit=1000)
    before = {entry["id"]: entry for entry in _all(timeline, replace(query, as_of=since))}
    after = {entry["id"]: entry for entry in _all(timeline, replace(query, as_of=until))}
    # Occurrences that left the story are compared with their state outside it.
    for identifier in before.keys() - after.keys():
        left = timeline.occurrence(UUID(identifier), until, recorded_as_of)
        if left is not None:
            after[identifier] = left
    added, changed, retracted = [], [], []
    for identifier, entry in after.items():
        old = before.get(identifier)
        was_retracted = old is not None and old["status"] == "retracted"
        if entry["status"] == "retracted" and not was_retracted:
            retracted.append(entry)
        elif old is None:
            added.append(entry)
        else:
            changes = changes_between(_compared(old), _compared(entry))
            if changes:
                changed.append({"id": identifier, "changes": [c.as_json() for c in changes]})
    return {"added": added, "changed": changed, "retracted": retracted}


def _compared(entry: dict[str, Any]) -> dict[str, Any]:
    view = {key: entry[key] for key in COMPARED_FIELDS}
    view["occurred"] = entry["occurred"]["edtf"]
    return view


def _all(timeline: Timeline, query: TimelineQuery) -> Iterator[dict[str, Any]]:
    while True:
        page = timeline.timeline(query)
        yield from page.items
        if page.next_after is None:
            return
        query = replace(query, after=page.next_after)
