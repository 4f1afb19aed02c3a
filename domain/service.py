"""The application service: one method per use case, on the event store.

Each write loads an aggregate, checks the rules, triggers one event and saves
it in one transaction. Library errors become domain errors here, so callers
never see a storage exception for a rule that was broken.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid4, uuid5

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import IntegrityError, Recording

from domain.errors import (
    Conflict,
    FieldError,
    IdempotencyKeyReused,
    OccurrenceNotFound,
    StaleVersion,
    ValidationFailed,
)
from domain.occurrence import Occurrence
from domain.story import Story
from domain.values import (
    RelationType,
    validated_fields,
    validated_patch,
    validated_reason,
    validated_source,
    validated_story,
)

_IDEMPOTENT_OCCURRENCE_NAMESPACE = uuid5(NAMESPACE_URL, "https://newsline.invalid/idempotency")

# Concurrent writers without If-Match retry on a version conflict this often.
_SAVE_ATTEMPTS = 5


@dataclass(frozen=True)
class Request:
    """Who asks, and how to recognise the request if it is sent again."""

    by: str
    idempotency_key: str | None = None
    request_hash: str | None = None


@dataclass(frozen=True)
class Written:
    """The outcome of a write: which aggregate, at which version, where in the log."""

    id: UUID
    version: int
    position: int | None
    replayed: bool = False


@dataclass(frozen=True)
class LogEntry:
    """One event of the global log, in its public form."""

    position: int
    aggregate_id: UUID
    is_story: bool
    type: str
    version: int
    recorded_at: datetime
    data: dict[str, Any]


EVENT_TYPES: dict[type[Any], str] = {
    Occurrence.Reported: "reported",
    Occurrence.Amended: "amended",
    Occurrence.Linked: "linked",
    Occurrence.Retracted: "retracted",
    Story.Created: "story_created",
}
# Bookkeeping and request fingerprints stay out of the public log.
_PRIVATE_EVENT_FIELDS = {
    "originator_id",
    "originator_version",
    "originator_topic",
    "timestamp",
    "idempotency_key",
    "request_hash",
}


def occurrence_id_for_key(idempotency_key: str) -> UUID:
    return uuid5(_IDEMPOTENT_OCCURRENCE_NAMESPACE, idempotency_key)


class NewslineApplication(Application[UUID]):
    name = "newsline"
    # The library serialises writers with a table lock; keep it (see README).
    is_snapshotting_enabled = False

    def __init__(self, env: Any = None, clock: Callable[[], datetime] | None = None) -> None:
        super().__init__(env)
        self.clock = clock or (lambda: datetime.now(UTC))

    # Occurrences.

    def report_occurrence(
        self, data: dict[str, Any], reported_at: datetime | None, request: Request
    ) -> Written:
        fields = validated_fields(data)
        occurrence_id = occurrence_id_for_key(request.idempotency_key) if request.idempotency_key else uuid4()
        replay = self._replay(occurrence_id, request)
        if replay is not None:
            return replay
        self._check_stories(fields["stories"], "stories")
        for index, relation in enumerate(fields["relations"]):
            self._check_target(occurrence_id, UUID(relation["target"]), f"relations.{index}.target")
        occurrence = Occurrence(
            id=occurrence_id,
            fields=fields,
            reported_at=reported_at or self.clock(),
            by=request.by,
            idempotency_key=request.idempotency_key,
            request_hash=request.request_hash,
        )
        try:
            recordings = self.save(occurrence)
        except IntegrityError:
            # The same key was written concurrently: answer as a replay.
            replay = self._replay(occurrence_id, request)
            if replay is None:
                raise
            return replay
        return Written(occurrence_id, occurrence.version, _position(recordings))

    def amend_occurrence(
        self,
        occurrence_id: UUID,
        patch: dict[str, Any],
        reason: Any,
        reported_at: datetime | None,
        source: dict[str, Any] | None,
        request: Request,
        expected_version: int | None = None,
    ) -> Written:
        checked_patch = validated_patch(patch)
        checked_reason = validated_reason(reason)
        checked_source = validated_source(source)
        self._check_stories(checked_patch.get("stories") or [], "stories")

        def amend(occurrence: Occurrence, at: datetime) -> None:
            occurrence.check_revision_allowed(at)
            occurrence.amend(
                checked_patch,
                checked_reason,
                at,
                checked_source,
                request.by,
                request.idempotency_key,
                request.request_hash,
            )

        return self._revise(occurrence_id, reported_at, request, expected_version, amend)

    def link_occurrence(
        self,
        occurrence_id: UUID,
        relation_type: RelationType,
        target: UUID,
        reported_at: datetime | None,
        source: dict[str, Any] | None,
        request: Request,
        expected_version: int | None = None,
    ) -> Written:
        checked_source = validated_source(source)
        self._check_target(occurrence_id, target, "target")
        relation = {"type": relation_type, "target": str(target)}

        def link(occurrence: Occurrence, at: datetime) -> None:
            occurrence.check_revision_allowed(at)
            if occurrence.has_relation(relation_type, target):
                raise Conflict(f"the occurrence already {relation_type} {target}")
            occurrence.link(
                relation,
                at,
                checked_source,
                request.by,
                request.idempotency_key,
                request.request_hash,
            )

        return self._revise(occurrence_id, reported_at, request, expected_version, link)

    def retract_occurrence(
        self,
        occurrence_id: UUID,
        reason: Any,
        reported_at: datetime | None,
        source: dict[str, Any] | None,
        request: Request,
        expected_version: int | None = None,
    ) -> Written:
        checked_reason = validated_reason(reason)
        checked_source = validated_source(source)

        def retract(occurrence: Occurrence, at: datetime) -> None:
            occurrence.check_revision_allowed(at, retraction=True)
            occurrence.retract(
                checked_reason,
                at,
                checked_source,
                request.by,
                request.idempotency_key,
                request.request_hash,
            )

        return self._revise(occurrence_id, reported_at, request, expected_version, retract)

    def get_occurrence(self, occurrence_id: UUID) -> Occurrence:
        try:
            occurrence: Occurrence = self.repository.get(occurrence_id)
        except AggregateNotFoundError:
            raise OccurrenceNotFound(occurrence_id) from None
        if not isinstance(occurrence, Occurrence):
            raise OccurrenceNotFound(occurrence_id)
        return occurrence

    # Stories.

    def create_story(self, data: dict[str, Any], request: Request) -> Written:
        fields = validated_story(data)
        story_id = Story.create_id(fields["slug"])
        existing = self._find_story(fields["slug"])
        if existing is not None:
            return self._replay_story(existing, request)
        story = Story(
            slug=fields["slug"],
            title=fields["title"],
            description=fields["description"],
            by=request.by,
            idempotency_key=request.idempotency_key,
            request_hash=request.request_hash,
        )
        try:
            recordings = self.save(story)
        except IntegrityError:
            raced = self._find_story(fields["slug"])
            if raced is None:
                raise
            return self._replay_story(raced, request)
        return Written(story_id, story.version, _position(recordings))

    def story_exists(self, slug: str) -> bool:
        return self._find_story(slug) is not None

    # The log.

    def log_entries(self, after: int, limit: int) -> list[LogEntry]:
        """Events after a position, in record (commit) order."""
        notifications = self.recorder.select_notifications(start=after + 1, limit=limit)
        entries = []
        for notification in notifications:
            domain_event: Any = self.mapper.to_domain_event(notification)
            entries.append(
                LogEntry(
                    position=notification.id,
                    aggregate_id=domain_event.originator_id,
                    is_story=isinstance(domain_event, Story.Event),
                    type=EVENT_TYPES.get(type(domain_event), type(domain_event).__name__),
                    version=domain_event.originator_version,
                    recorded_at=domain_event.timestamp,
                    data={
                        key: value
                        for key, value in domain_event.__dict__.items()
                        if key not in _PRIVATE_EVENT_FIELDS
                    },
                )
            )
        return entries

    # Helpers.

    def _revise(
        self,
        occurrence_id: UUID,
        reported_at: datetime | None,
        request: Request,
        expected_version: int | None,
        revise: Callable[[Occurrence, datetime], None],
    ) -> Written:
        for _ in range(_SAVE_ATTEMPTS):
            replay = self._replay(occurrence_id, request)
            if replay is not None:
                return replay
            occurrence = self.get_occurrence(occurrence_id)
            if expected_version is not None and expected_version != occurrence.version:
                raise StaleVersion(expected_version, occurrence.version)
            revise(occurrence, reported_at or self.clock())
            try:
                recordings = self.save(occurrence)
            except IntegrityError:
                if expected_version is not None:
                    raise StaleVersion(expected_version, occurrence.version) from None
                continue
            return Written(occurrence_id, occurrence.version, _position(recordings))
        raise Conflict("the occurrence is being changed by many writers at once; try again")

    def _replay(self, occurrence_id: UUID, request: Request) -> Written | None:
        """The answer to a request already written with this Idempotency-Key, if any."""
        if request.idempotency_key is None:
            return None
        try:
            occurrence = self.get_occurrence(occurrence_id)
        except OccurrenceNotFound:
            return None
        seen = occurrence.idempotency.get(request.idempotency_key)
        if seen is None:
            return None
        request_hash, version = seen
        if request_hash != request.request_hash:
            raise IdempotencyKeyReused(request.idempotency_key)
        return Written(occurrence_id, version, None, replayed=True)

    def _replay_story(self, story: Story, request: Request) -> Written:
        if request.idempotency_key is None or story.idempotency_key != request.idempotency_key:
            raise Conflict(f"story {story.slug!r} already exists")
        if story.request_hash != request.request_hash:
            raise IdempotencyKeyReused(request.idempotency_key)
        return Written(story.id, story.version, None, replayed=True)

    def _find_story(self, slug: str) -> Story | None:
        try:
            story: Story = self.repository.get(Story.create_id(slug))
        except AggregateNotFoundError:
            return None
        return story

    def _check_stories(self, slugs: list[str], field: str) -> None:
        errors = [
            FieldError(f"{field}.{index}", f"story {slug!r} does not exist; create it first")
            for index, slug in enumerate(slugs)
            if not self.story_exists(slug)
        ]
        if errors:
            raise ValidationFailed(errors)

    def _check_target(self, occurrence_id: UUID, target: UUID, field: str) -> None:
        if target == occurrence_id:
            raise ValidationFailed.single(field, "an occurrence cannot relate to itself")
        try:
            self.get_occurrence(target)
        except OccurrenceNotFound:
            raise ValidationFailed.single(field, f"occurrence {target} does not exist") from None


def _position(recordings: list[Recording[UUID]]) -> int | None:
    return recordings[-1].notification.id if recordings else None
