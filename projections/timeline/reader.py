"""What the timeline view answers: the reader interface and the values it takes and gives."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

import orjson

# The position of an entry in timeline order: occurred.start, reported_at, id.
Cursor = tuple[datetime, datetime, UUID]


@dataclass(frozen=True)
class TimelineQuery:
    as_of: datetime | None = None
    recorded_as_of: datetime | None = None
    start: datetime | None = None
    end: datetime | None = None
    kinds: tuple[str, ...] = ()
    story: str | None = None
    entity: str | None = None
    actor: str | None = None
    place: str | None = None
    text: str | None = None
    include_retracted: bool = False
    occurrence_id: UUID | None = None
    limit: int = 100
    after: Cursor | None = None


@dataclass(frozen=True)
class TimelinePage:
    """Entries as JSON text: an API page passes them on without decoding them."""

    entries: list[str]
    next_after: Cursor | None = None

    @property
    def items(self) -> list[dict[str, Any]]:
        return [orjson.loads(entry) for entry in self.entries]

    def items_json(self) -> bytes:
        """The entries as one JSON array, without decoding them."""
        return f"[{','.join(self.entries)}]".encode()


@dataclass(frozen=True)
class EntityRow:
    id: str
    name: str
    types: list[str] = field(default_factory=list)
    occurrences: int = 0


@dataclass(frozen=True)
class RecordedRevision:
    occurrence_id: UUID
    version: int
    type: str
    position: int
    reported_at: datetime
    by: str
    reason: str | None
    source: dict[str, Any] | None
    body: dict[str, Any]

    def targets(self) -> set[UUID]:
        """The occurrences this revision relates its occurrence to."""
        if self.type == "reported":
            return {UUID(relation["target"]) for relation in self.body.get("relations", [])}
        if self.type == "linked":
            return {UUID(self.body["relation"]["target"])}
        return set()


class TimelineReader(Protocol):
    """The reads of the timeline view; each as-of answer is one indexed query."""

    def timeline(self, query: TimelineQuery) -> TimelinePage:
        """A page of entries in timeline order, as of the query's report and record time."""

    def occurrence_entry(
        self, occurrence_id: UUID, as_of: datetime | None = None, recorded_as_of: datetime | None = None
    ) -> str | None:
        """The occurrence as a timeline entry, as JSON text; None before its report."""

    def history(self, occurrence_id: UUID, recorded_as_of: datetime | None = None) -> list[dict[str, Any]]:
        """The revisions in fold order, each with its field changes, as recorded by then."""

    def recorded_at(self, occurrence_id: UUID, version: int) -> datetime | None:
        """When a revision was recorded (to answer a replayed request as first answered)."""

    def entities(
        self, limit: int, after: str | None = None, text: str | None = None, only: str | None = None
    ) -> list[EntityRow]:
        """Entities in id order, each with how many current occurrences name it."""

    def entity(self, entity_id: str) -> EntityRow | None:
        """One entity, or None if no occurrence ever named it."""

    def story_changes(
        self, slug: str, since: datetime, until: datetime | None, recorded_as_of: datetime | None
    ) -> dict[str, list[Any]]:
        """What was added, changed and retracted in a story's timeline between two report times."""

    def story_event_positions(self, slug: str, positions: Sequence[int]) -> set[int]:
        """The log positions among `positions` whose occurrence listed the story by then."""

    def recorded_revisions(
        self,
        occurrence_ids: Iterable[UUID],
        as_of: datetime | None = None,
        recorded_as_of: datetime | None = None,
    ) -> list[RecordedRevision]:
        """The revisions an export of these occurrences replays, in record order."""
