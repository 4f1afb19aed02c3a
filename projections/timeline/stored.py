"""Revisions read straight from the event store's JSON, without the library's event objects.

A rebuild reads every event once; parsing its stored state with orjson and
taking the revision from it skips the library's transcoder and the domain
event it builds, and gives the same `Revision` as `Occurrence.revision_of`
(a test compares them event by event). A state this reading does not know
(an encrypted or compressed store, a value transcoded with a type of its own,
an event class that upcasts) goes through the library instead.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import orjson
from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import Mapper, Notification

from domain.fold import Revision, RevisionType
from domain.occurrence import Occurrence

# The body and source of each revision type, from the event's stored state.
_PARTS: dict[str, tuple[RevisionType, Callable[[dict[str, Any]], tuple[dict[str, Any], Any]]]] = {
    Occurrence.Reported.TOPIC: ("reported", lambda data: (dict(data["fields"]), data["fields"]["source"])),
    Occurrence.Amended.TOPIC: ("amended", lambda data: ({"patch": data["patch"]}, data["source"])),
    Occurrence.Linked.TOPIC: ("linked", lambda data: ({"relation": data["relation"]}, data["source"])),
    Occurrence.Retracted.TOPIC: ("retracted", lambda data: ({}, data["source"])),
}
assert all(
    getattr(event, "class_version", 1) == 1
    for event in (Occurrence.Reported, Occurrence.Amended, Occurrence.Linked, Occurrence.Retracted)
), "an event class that upcasts is read through the library"

# A plain stored state holds exactly two transcoded values: `timestamp` and `reported_at`.
_TRANSCODED = b'"_type_"'
_DATETIME = "datetime_iso"


def revision_of(notification: Notification, mapper: Mapper[Any]) -> Revision:
    """The revision an occurrence event records, as `Occurrence.revision_of` gives it."""
    state = notification.state
    if mapper.cipher is None and mapper.compressor is None and state.count(_TRANSCODED) == 2:
        data = orjson.loads(state)
        kind, parts = _PARTS[notification.topic]
        timestamp, reported_at = data["timestamp"], data["reported_at"]
        if timestamp["_type_"] == reported_at["_type_"] == _DATETIME and "class_version" not in data:
            body, source = parts(data)
            return Revision(
                version=notification.originator_version,
                type=kind,
                reported_at=datetime.fromisoformat(reported_at["_data_"]),
                by=data["by"],
                body=body,
                reason=data.get("reason"),
                source=source,
                recorded_at=datetime.fromisoformat(timestamp["_data_"]),
            )
    event: DomainEventProtocol[Any] = mapper.to_domain_event(notification)
    assert isinstance(event, Occurrence.Event)
    return Occurrence.revision_of(event)
