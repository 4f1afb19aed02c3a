"""The timeline projection: occurrence events in, revisions for the view's writer out."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast
from uuid import UUID

from eventsourcing.persistence import Mapper, Notification

from domain.occurrence import Occurrence
from projections.base import BatchProjection, Logged
from projections.timeline.batch import PositionedRevision
from projections.timeline.stored import revision_of
from projections.timeline.view import TimelineView


class TimelineProjection(BatchProjection[TimelineView]):
    name = "timeline"
    topics = tuple(
        event.TOPIC
        for event in (Occurrence.Reported, Occurrence.Amended, Occurrence.Linked, Occurrence.Retracted)
    )

    def process_batch(self, events: Sequence[Logged], through: int) -> None:
        revisions = [
            PositionedRevision(logged.position, event.originator_id, Occurrence.revision_of(event))
            for logged in events
            if isinstance(event := logged.event, Occurrence.Event)
        ]
        self.view.writer.record_revisions(revisions, through)

    def process_notifications(
        self, notifications: Sequence[Notification], through: int, mapper: Mapper[Any]
    ) -> None:
        # Each revision straight from its event's stored JSON (`stored`), without
        # the library's event objects; the runner reads only this view's topics.
        revisions = [
            PositionedRevision(n.id, cast(UUID, n.originator_id), revision_of(n, mapper))
            for n in notifications
        ]
        self.view.writer.record_revisions(revisions, through)
