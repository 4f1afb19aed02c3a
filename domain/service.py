"""The application service: one method per use case, on the event store.

Each write loads an aggregate, checks the rules, triggers one event and saves
it in one transaction, together with its idempotency key when it has one.
Library errors become domain errors here, so callers never see a storage
exception for a rule that was broken.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid4, uuid5

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError, Recording

from adapters.group_commit import GroupCommit
from adapters.write_batch import Known, WriteBatch
from domain.errors import (
    Conflict,
    FieldError,
    IdempotencyKeyReused,
    OccurrenceNotFound,
    StaleVersion,
    ValidationFailed,
)
from domain.fold import apply_patch
from domain.idempotency import IdempotencyKey
from domain.occurrence import Occurrence
from domain.story import Story
from domain.values import (
    RelationType,
    as_utc,
    validated_fields,
    validated_patch,
    validated_reason,
    validated_source,
    validated_story,
)

_IDEMPOTENT_OCCURRENCE_NAMESPACE = uuid5(NAMESPACE_URL, "https://newsline.invalid/idempotency")

# How far ahead of our clock a reported_at may be (writers' clocks drift).
FUTURE_TOLERANCE = timedelta(minutes=5)

# Concurrent writers without If-Match retry on a version conflict this often,
# backing off a random while (up to 50 ms) so that they stop colliding.
_SAVE_ATTEMPTS = 30
_MAX_BACKOFF = 0.05
# Stories kept in memory once seen saved (they never change); beyond this, start again.
_SAVED_STORIES = 10_000


@dataclass(frozen=True)
class Request:
    """Who asks, and how to recognise the request if it is sent again."""

    by: str
    idempotency_key: str | None = None
    request_hash: str = ""


@dataclass(frozen=True)
class Written:
    """The outcome of a write: which aggregate, at which version, where in the log."""

    id: UUID
    version: int
    position: int | None
    replayed: bool = False


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
        group_commit: bool = True,
    ) -> None:
        super().__init__(env)
        self.clock = clock or (lambda: datetime.now(UTC))
        self._batches = threading.local()
        # Concurrent writes share transactions; off, each write is its own save.
        self._save_write = GroupCommit(self.save).save if group_commit else self.save
        # Stories never change once created, so a saved one can be kept.
        self._saved_stories: dict[UUID, Story] = {}

    # Occurrences.

    def report_occurrence(
        self,
        data: dict[str, Any],
        reported_at: datetime | None,
        request: Request,
        occurrence_id: UUID | None = None,
    ) -> Written:
        """Record a new occurrence; `occurrence_id` keeps a known id (imports)."""
        fields = validated_fields(data)
        replay = self._replay(request)
        if replay is not None:
            return replay
        if occurrence_id is None:
            key = request.idempotency_key
            occurrence_id = occurrence_id_for_key(key) if key else uuid4()
        else:
            existing = self._get(occurrence_id)
            if existing is not None:
                return self._same_report(existing, fields, reported_at)
        self._check_stories(fields["stories"], "stories")
        for index, relation in enumerate(fields["relations"]):
            self._check_target(occurrence_id, UUID(relation["target"]), f"relations.{index}.target")
        occurrence = Occurrence(
            id=occurrence_id, fields=fields, reported_at=self._report_time(reported_at), by=request.by
        )
        return self._save(occurrence, request)

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
            # Every field is checked on its own; this also checks the whole, so
            # that no state the views will fold can be invalid.
            patched = apply_patch(occurrence.latest_state(), checked_patch)
            validated_fields({key: value for key, value in patched.items() if key != "retracted"})
            occurrence.amend(checked_patch, checked_reason, at, checked_source, request.by)

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
            occurrence.link(relation, at, checked_source, request.by)

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
            occurrence.retract(checked_reason, at, checked_source, request.by)

        return self._revise(occurrence_id, reported_at, request, expected_version, retract)

    def get_occurrence(self, occurrence_id: UUID) -> Occurrence:
        occurrence = self._get(occurrence_id)
        if not isinstance(occurrence, Occurrence):
            raise OccurrenceNotFound(occurrence_id)
        return occurrence

    @staticmethod
    def _same_report(existing: Aggregate, fields: dict[str, Any], reported_at: datetime | None) -> Written:
        """A report with a known id is a replay if that occurrence was reported so."""
        if isinstance(existing, Occurrence):
            first = existing.revisions[0]
            same_time = reported_at is None or first.reported_at == as_utc(reported_at)
            if first.body == fields and same_time:
                return Written(existing.id, existing.version, None, replayed=True)
        raise Conflict(f"occurrence {existing.id} already exists, reported otherwise")

    # Stories.

    def create_story(self, data: dict[str, Any], request: Request) -> Written:
        fields = validated_story(data)
        replay = self._replay(request)
        if replay is not None:
            return replay
        if self.story_exists(fields["slug"]):
            raise Conflict(f"story {fields['slug']!r} already exists")
        story = Story(
            slug=fields["slug"], title=fields["title"], description=fields["description"], by=request.by
        )
        try:
            return self._save(story, request)
        except IntegrityError:
            raise Conflict(f"story {fields['slug']!r} already exists") from None

    def story_exists(self, slug: str) -> bool:
        return self.find_story(slug) is not None

    def find_story(self, slug: str) -> Story | None:
        story_id = Story.create_id(slug)
        saved = self._saved_stories.get(story_id)
        if saved is not None:
            return saved
        story = self._get(story_id)
        if not isinstance(story, Story):
            return None
        if getattr(self._batches, "current", None) is None:  # a batch may not be saved yet
            if len(self._saved_stories) >= _SAVED_STORIES:
                self._saved_stories.clear()
            self._saved_stories[story_id] = story
        return story

    # Batches (bulk import).

    @contextmanager
    def batch(self, known: Known) -> Iterator[WriteBatch]:
        """Stage this thread's writes in a batch instead of saving each one."""
        batch = WriteBatch(known)
        self._batches.current = batch
        try:
            yield batch
        finally:
            self._batches.current = None

    def save_batch(self, batch: WriteBatch) -> int | None:
        """Save everything a batch staged, in one transaction; its last position."""
        if not batch.staged:
            return None
        return _position(self.save(*batch.staged.values()))

    # Helpers.

    def _revise(
        self,
        occurrence_id: UUID,
        reported_at: datetime | None,
        request: Request,
        expected_version: int | None,
        revise: Callable[[Occurrence, datetime], None],
    ) -> Written:
        for attempt in range(_SAVE_ATTEMPTS):
            if attempt:
                time.sleep(random.uniform(0, min(_MAX_BACKOFF, 0.002 * 2**attempt)))
            replay = self._replay(request)
            if replay is not None:
                return replay
            occurrence = self.get_occurrence(occurrence_id)
            if expected_version is not None and expected_version != occurrence.version:
                raise StaleVersion(expected_version, occurrence.version)
            revise(occurrence, self._report_time(reported_at))
            try:
                return self._save(occurrence, request)
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

    def _get(self, aggregate_id: UUID) -> Aggregate | None:
        """The aggregate with this id, or None; in a batch, as the batch left it."""
        batch: WriteBatch | None = getattr(self._batches, "current", None)
        if batch is not None and aggregate_id in batch.known:
            return batch.known[aggregate_id]
        try:
            aggregate: Aggregate | None = self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            aggregate = None
        if batch is not None:
            batch.known[aggregate_id] = aggregate
        return aggregate

    def _save(self, aggregate: Aggregate, request: Request) -> Written:
        """Save the write, and its idempotency key in the same transaction.

        A concurrent request with the same key loses the race on the key's
        aggregate and is answered as a replay of the winner. In a batch, the
        write is staged and saved with the batch.
        """
        key = None
        if request.idempotency_key is not None:
            key = IdempotencyKey(
                key=request.idempotency_key,
                request_hash=request.request_hash,
                target=aggregate.id,
                target_version=aggregate.version,
            )
        batch: WriteBatch | None = getattr(self._batches, "current", None)
        if batch is not None:
            batch.stage(aggregate, *([key] if key else []))
            return Written(aggregate.id, aggregate.version, None)
        if key is None:
            return Written(aggregate.id, aggregate.version, _position(self._save_write(aggregate)))
        try:
            recordings = self._save_write(aggregate, key)
        except IntegrityError:
            replay = self._replay(request)
            if replay is None:
                raise
            return replay
        return Written(aggregate.id, aggregate.version, _position(recordings))

    def _replay(self, request: Request) -> Written | None:
        """The first answer to a request already written with this key, if any."""
        if request.idempotency_key is None:
            return None
        used = self._get(IdempotencyKey.create_id(request.idempotency_key))
        if not isinstance(used, IdempotencyKey):
            return None
        if used.request_hash != request.request_hash:
            raise IdempotencyKeyReused(request.idempotency_key)
        return Written(used.target, used.target_version, None, replayed=True)

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
