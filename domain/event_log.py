"""The global event log in its public form: what GET /v1/events serves."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.utils import get_topic

from domain.kind import AddedKind
from domain.occurrence import Occurrence
from domain.story import Story

PUBLIC_EVENT_TYPES: dict[type[Any], str] = {
    Occurrence.Reported: "reported",
    Occurrence.Amended: "amended",
    Occurrence.Linked: "linked",
    Occurrence.Retracted: "retracted",
    Story.Created: "story_created",
    AddedKind.Added: "kind_added",
}
Subject = Literal["occurrence", "story", "kind"]
# Idempotency keys are bookkeeping: the log leaves them out (positions skip them).
_PUBLIC_TOPICS = tuple(get_topic(event_class) for event_class in PUBLIC_EVENT_TYPES)
_BOOKKEEPING_FIELDS = {"originator_id", "originator_version", "originator_topic", "timestamp"}


@dataclass(frozen=True)
class LogEntry:
    position: int
    aggregate_id: UUID
    subject: Subject
    type: str
    version: int
    recorded_at: datetime
    data: dict[str, Any]


def read_log(app: Application[UUID], after: int, limit: int) -> list[LogEntry]:
    """Public events after a position, in record (commit) order."""
    notifications = app.recorder.select_notifications(start=after + 1, limit=limit, topics=_PUBLIC_TOPICS)
    entries = []
    for notification in notifications:
        domain_event: Any = app.mapper.to_domain_event(notification)
        entries.append(
            LogEntry(
                position=notification.id,
                aggregate_id=domain_event.originator_id,
                subject=_subject(domain_event),
                type=PUBLIC_EVENT_TYPES[type(domain_event)],
                version=domain_event.originator_version,
                recorded_at=domain_event.timestamp,
                data={k: v for k, v in domain_event.__dict__.items() if k not in _BOOKKEEPING_FIELDS},
            )
        )
    return entries


def _subject(domain_event: Any) -> Subject:
    if isinstance(domain_event, Story.Event):
        return "story"
    return "kind" if isinstance(domain_event, AddedKind.Event) else "occurrence"
