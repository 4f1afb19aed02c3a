"""The application service: one method per command, on the event store.

Each write checks the rules against the aggregates it reads, triggers one
event and saves it, with its Idempotency-Key when it has one, through a unit
of work (`domain.ports`): by default the application's own, which saves on
the event store; an import passes a batch instead. Library errors become
domain errors here, so callers never see a storage exception for a rule that
was broken.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid4, uuid5

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError

from domain.commands import (
    AddKind,
    AmendOccurrence,
    Command,
    CreateStory,
    LinkOccurrence,
    ReportOccurrence,
    Request,
    RetractOccurrence,
    Revision,
)
from domain.errors import Conflict, FieldError, OccurrenceNotFound, StaleVersion, ValidationFailed
from domain.fold import apply_patch
from domain.kind import AddedKind
from domain.kinds import KINDS
from domain.occurrence import Occurrence
from domain.ports import UnitOfWork, UnitOfWorkFactory, Written
from domain.story import Story
from domain.values import as_utc, check_fields

__all__ = ["NewslineApplication", "Request", "Written", "occurrence_id_for_key"]

_IDEMPOTENT_OCCURRENCE_NAMESPACE = uuid5(NAMESPACE_URL, "https://newsline.invalid/idempotency")

# How far ahead of our clock a reported_at may be (writers' clocks drift).
FUTURE_TOLERANCE = timedelta(minutes=5)


def occurrence_id_for_key(idempotency_key: str) -> UUID:
    """A new occurrence's id when its report carries an Idempotency-Key."""
    return uuid5(_IDEMPOTENT_OCCURRENCE_NAMESPACE, idempotency_key)


class NewslineApplication(Application[UUID]):
    name = "newsline"

    def __init__(
        self,
        env: Any = None,
        clock: Callable[[], datetime] | None = None,
        *,
        unit_of_work: UnitOfWorkFactory,
    ) -> None:
        super().__init__(env)
        self.clock = clock or (lambda: datetime.now(UTC))
        self.writes = unit_of_work(self)

    def handle(
        self,
        command: Command,
        request: Request,
        *,
        expected_version: int | None = None,
        unit: UnitOfWork | None = None,
    ) -> Written:
        """Carry out any command; `expected_version` applies to revisions."""
        match command:
            case ReportOccurrence():
                return self.report(command, request, unit)
            case AmendOccurrence():
                return self.amend(command, request, expected_version, unit)
            case LinkOccurrence():
                return self.link(command, request, expected_version, unit)
            case RetractOccurrence():
                return self.retract(command, request, expected_version, unit)
            case CreateStory():
                return self.create_story(command, request, unit)
            case AddKind():
                return self.add_kind(command, request, unit)

    # Occurrences.

    def report(self, command: ReportOccurrence, request: Request, unit: UnitOfWork | None = None) -> Written:
        """Record a new occurrence; one with a known id is a replay if it was reported so."""
        unit = unit or self.writes
        replay = unit.replay(request, command)
        if replay is not None:
            return replay
        occurrence_id = command.occurrence_id
        if occurrence_id is None:
            key = request.idempotency_key
            occurrence_id = occurrence_id_for_key(key) if key else uuid4()
        else:
            existing = unit.get(occurrence_id)
            if existing is not None:
                return _same_report(existing, command)
        self._check_kind(command.fields["kind"], unit)
        self._check_stories(command.fields["stories"], unit)
        for index, relation in enumerate(command.fields["relations"]):
            self._check_target(occurrence_id, UUID(relation["target"]), f"relations.{index}.target", unit)
        occurrence = Occurrence(
            id=occurrence_id,
            fields=command.fields,
            reported_at=self._report_time(command.reported_at),
            by=request.by,
        )
        return unit.save(occurrence, request, command)

    def amend(
        self,
        command: AmendOccurrence,
        request: Request,
        expected_version: int | None = None,
        unit: UnitOfWork | None = None,
    ) -> Written:
        unit = unit or self.writes
        if command.patch.get("kind") is not None:
            self._check_kind(command.patch["kind"], unit)
        self._check_stories(command.patch.get("stories") or [], unit)

        def amend(occurrence: Occurrence, at: datetime) -> None:
            occurrence.check_revision_allowed(at)
            # Every field is checked on its own; this also checks the whole, so
            # that no state the views will fold can be invalid.
            patched = apply_patch(occurrence.latest_state(), command.patch)
            check_fields({key: value for key, value in patched.items() if key != "retracted"})
            occurrence.amend(command.patch, command.reason, at, command.source, request.by)

        return self._revise(command, request, expected_version, unit, amend)

    def link(
        self,
        command: LinkOccurrence,
        request: Request,
        expected_version: int | None = None,
        unit: UnitOfWork | None = None,
    ) -> Written:
        unit = unit or self.writes
        self._check_target(command.occurrence_id, command.target, "target", unit)

        def link(occurrence: Occurrence, at: datetime) -> None:
            occurrence.check_revision_allowed(at)
            if occurrence.has_relation(command.type, command.target):
                raise Conflict(f"the occurrence already {command.type} {command.target}")
            occurrence.link(command.relation, at, command.source, request.by)

        return self._revise(command, request, expected_version, unit, link)

    def retract(
        self,
        command: RetractOccurrence,
        request: Request,
        expected_version: int | None = None,
        unit: UnitOfWork | None = None,
    ) -> Written:
        def retract(occurrence: Occurrence, at: datetime) -> None:
            occurrence.check_revision_allowed(at, retraction=True)
            occurrence.retract(command.reason, at, command.source, request.by)

        return self._revise(command, request, expected_version, unit or self.writes, retract)

    def get_occurrence(self, occurrence_id: UUID, unit: UnitOfWork | None = None) -> Occurrence:
        occurrence = (unit or self.writes).get(occurrence_id)
        if not isinstance(occurrence, Occurrence):
            raise OccurrenceNotFound(occurrence_id)
        return occurrence

    # Stories.

    def create_story(self, command: CreateStory, request: Request, unit: UnitOfWork | None = None) -> Written:
        unit = unit or self.writes
        replay = unit.replay(request, command)
        if replay is not None:
            return replay
        if self.find_story(command.slug, unit) is not None:
            raise Conflict(f"story {command.slug!r} already exists")
        story = Story(slug=command.slug, title=command.title, description=command.description, by=request.by)
        try:
            return unit.save(story, request, command)
        except IntegrityError:
            raise Conflict(f"story {command.slug!r} already exists") from None

    def find_story(self, slug: str, unit: UnitOfWork | None = None) -> Story | None:
        story = (unit or self.writes).get(Story.create_id(slug))
        return story if isinstance(story, Story) else None

    # Kinds.

    def add_kind(self, command: AddKind, request: Request, unit: UnitOfWork | None = None) -> Written:
        unit = unit or self.writes
        replay = unit.replay(request, command)
        if replay is not None:
            return replay
        if self.is_kind(command.kind, unit):
            raise Conflict(f"kind {command.kind!r} already exists")
        kind = AddedKind(
            kind=command.kind,
            description=command.description,
            cameo=command.cameo,
            plover=command.plover,
            by=request.by,
        )
        try:
            return unit.save(kind, request, command)
        except IntegrityError:
            raise Conflict(f"kind {command.kind!r} already exists") from None

    def is_kind(self, kind: str, unit: UnitOfWork | None = None) -> bool:
        """Whether `kind` is built in or was added."""
        if kind in KINDS:
            return True
        added = (unit or self.writes).get(AddedKind.create_id(kind))
        return isinstance(added, AddedKind)

    # Rules on what the command reads.

    def _check_kind(self, kind: str, unit: UnitOfWork, field: str = "kind") -> None:
        if not self.is_kind(kind, unit):
            raise ValidationFailed.single(field, f"{kind!r} is not a kind; see GET /v1/kinds, or add it")

    def _revise(
        self,
        command: Revision,
        request: Request,
        expected_version: int | None,
        unit: UnitOfWork,
        revise: Callable[[Occurrence, datetime], None],
    ) -> Written:
        """Revise the occurrence, trying again if a concurrent writer changed it first."""
        for _ in unit.attempts():
            replay = unit.replay(request, command)
            if replay is not None:
                return replay
            occurrence = self.get_occurrence(command.occurrence_id, unit)
            if expected_version is not None and expected_version != occurrence.version:
                raise StaleVersion(expected_version, occurrence.version)
            revise(occurrence, self._report_time(command.reported_at))
            try:
                return unit.save(occurrence, request, command)
            except IntegrityError:
                if expected_version is not None:
                    raise StaleVersion(expected_version, occurrence.version) from None
        raise Conflict("the occurrence is being changed by many writers at once; try again")

    def _report_time(self, reported_at: datetime | None) -> datetime:
        """When the source published it: now by default, and never in the future.

        A future report time is almost always a wrong time zone, and it would
        make the latest view differ from the view as of now.
        """
        now = self.clock()
        moment = as_utc(reported_at) if reported_at is not None else now
        if moment > now + FUTURE_TOLERANCE:
            raise ValidationFailed.single(
                "reported_at", "is in the future; give the time the source published it"
            )
        return moment

    def _check_stories(self, slugs: list[str], unit: UnitOfWork) -> None:
        errors = [
            FieldError(f"stories.{index}", f"story {slug!r} does not exist; create it first")
            for index, slug in enumerate(slugs)
            if self.find_story(slug, unit) is None
        ]
        if errors:
            raise ValidationFailed(errors)

    def _check_target(self, occurrence_id: UUID, target: UUID, field: str, unit: UnitOfWork) -> None:
        if target == occurrence_id:
            raise ValidationFailed.single(field, "an occurrence cannot relate to itself")
        try:
            self.get_occurrence(target, unit)
        except OccurrenceNotFound:
            raise ValidationFailed.single(field, f"occurrence {target} does not exist") from None


def _same_report(existing: Aggregate, command: ReportOccurrence) -> Written:
    """A report with a known id is a replay if that occurrence was reported so."""
    if isinstance(existing, Occurrence):
        first = existing.revisions[0]
        reported_at = command.reported_at
        same_time = reported_at is None or first.reported_at == as_utc(reported_at)
        if first.body == command.fields and same_time:
            return Written(existing.id, existing.version, None, replayed=True)
    raise Conflict(f"occurrence {existing.id} already exists, reported otherwise")
