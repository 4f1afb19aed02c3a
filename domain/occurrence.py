"""The Occurrence aggregate: one reported happening and its revisions.

Events are the public contract of the log. Their topics are pinned so that
moving this module never orphans stored events; a change to an event's
fields gets a new `class_version` and an upcaster.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.errors import Conflict, ValidationFailed
from domain.fold import Revision, RevisionType, fold

# Each revision re-derives its occurrence's view rows, so their number is capped.
MAX_REVISIONS = 1000


class Occurrence(Aggregate):
    TOPIC = "newsline:Occurrence"

    class Event(Aggregate.Event):
        TOPIC = "newsline:Occurrence.Event"

        def apply(self, aggregate: Any) -> None:
            # One mapping from event to revision, shared with the views.
            aggregate.revisions.append(Occurrence.revision_of(self))

    class Created(Event, Aggregate.Created):
        TOPIC = "newsline:Occurrence.Created"

    class Reported(Created):
        """First revision: the occurrence as its source reported it."""

        TOPIC = "newsline:Occurrence.Reported"
        fields: dict[str, Any]
        reported_at: datetime
        by: str

    class Amended(Event):
        """A correction or update: a merge patch of fields, with a reason."""

        TOPIC = "newsline:Occurrence.Amended"
        patch: dict[str, Any]
        reason: str
        reported_at: datetime
        source: dict[str, Any] | None
        by: str

    class Linked(Event):
        """A relation to another occurrence was added."""

        TOPIC = "newsline:Occurrence.Linked"
        relation: dict[str, Any]
        reported_at: datetime
        source: dict[str, Any] | None
        by: str

    class Retracted(Event):
        """The report was withdrawn; the occurrence stays in the log, marked retracted."""

        TOPIC = "newsline:Occurrence.Retracted"
        reason: str
        reported_at: datetime
        source: dict[str, Any] | None
        by: str

    @event(Reported)
    def __init__(
        self,
        id: UUID,  # noqa: A002 - the library passes the chosen id through here
        fields: dict[str, Any],
        reported_at: datetime,
        by: str,
    ) -> None:
        # Filled by Event.apply, which the library calls after __init__.
        self.revisions: list[Revision] = []

    def amend(
        self,
        patch: dict[str, Any],
        reason: str,
        reported_at: datetime,
        source: dict[str, Any] | None,
        by: str,
    ) -> None:
        self.trigger_event(
            self.Amended, patch=patch, reason=reason, reported_at=reported_at, source=source, by=by
        )

    def link(
        self,
        relation: dict[str, Any],
        reported_at: datetime,
        source: dict[str, Any] | None,
        by: str,
    ) -> None:
        self.trigger_event(self.Linked, relation=relation, reported_at=reported_at, source=source, by=by)

    def retract(
        self,
        reason: str,
        reported_at: datetime,
        source: dict[str, Any] | None,
        by: str,
    ) -> None:
        self.trigger_event(self.Retracted, reason=reason, reported_at=reported_at, source=source, by=by)

    @staticmethod
    def revision_of(domain_event: Occurrence.Event) -> Revision:
        """The revision a stored event records, as the views and the log see it."""
        data = domain_event.__dict__
        if isinstance(domain_event, Occurrence.Reported):
            kind: RevisionType = "reported"
            body, source = dict(domain_event.fields), domain_event.fields["source"]
        elif isinstance(domain_event, Occurrence.Amended):
            kind, body, source = "amended", {"patch": domain_event.patch}, domain_event.source
        elif isinstance(domain_event, Occurrence.Linked):
            kind, body, source = "linked", {"relation": domain_event.relation}, domain_event.source
        elif isinstance(domain_event, Occurrence.Retracted):
            kind, body, source = "retracted", {}, domain_event.source
        else:
            raise TypeError(f"{type(domain_event).__name__} is not a revision")
        return Revision(
            version=domain_event.originator_version,
            type=kind,
            reported_at=data["reported_at"],
            by=data["by"],
            body=body,
            reason=data.get("reason"),
            source=source,
            recorded_at=domain_event.timestamp,
        )

    # Queries the commands rely on.

    @property
    def first_reported_at(self) -> datetime:
        return self.revisions[0].reported_at

    @property
    def retracted_at(self) -> datetime | None:
        """When the retraction was reported, if there is one."""
        return next((r.reported_at for r in self.revisions if r.type == "retracted"), None)

    def latest_state(self) -> dict[str, Any]:
        state = fold(self.revisions)
        assert state is not None
        return state

    def has_relation(self, relation_type: str, target: UUID) -> bool:
        relations = self.latest_state()["relations"]
        return {"type": relation_type, "target": str(target)} in relations

    def check_revision_allowed(self, reported_at: datetime, *, retraction: bool = False) -> None:
        """A revision may not predate the report, nor follow a retraction."""
        if len(self.revisions) >= MAX_REVISIONS:
            raise Conflict(
                f"the occurrence has {MAX_REVISIONS} revisions, the most one may have; "
                "report a new occurrence that follows it instead"
            )
        if reported_at < self.first_reported_at:
            raise ValidationFailed.single(
                "reported_at",
                f"is earlier than the occurrence's first report ({self.first_reported_at.isoformat()})",
            )
        retracted_at = self.retracted_at
        if retracted_at is not None and (retraction or reported_at >= retracted_at):
            raise Conflict(
                f"the occurrence was retracted as of {retracted_at.isoformat()}; "
                "only revisions reported before that can still be added"
            )
