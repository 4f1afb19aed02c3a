"""The timeline projection: occurrence events in, revisions for the view's writer out."""

from __future__ import annotations

from collections.abc import Sequence

from domain.occurrence import Occurrence
from projections.base import BatchProjection, Logged
from projections.timeline.batch import PositionedRevision
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
