"""The unit of work the use cases write through by default: the event store itself.

Each write is saved in a transaction of its own, which concurrent writes
share (group commit). A revision that loses a race with another writer is
tried again after a random pause, so that the writers stop colliding.
Stories and added kinds never change once created, so the ones read are kept in memory.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError, Recording

from adapters.group_commit import GroupCommit
from domain.commands import Command, Request
from domain.idempotency import IdempotencyKey, answer_again
from domain.kind import AddedKind
from domain.ports import Written
from domain.story import Story

# Concurrent writers without If-Match retry on a version conflict this often,
# backing off a random while (up to 50 ms) so that they stop colliding.
SAVE_ATTEMPTS = 30
MAX_BACKOFF = 0.05
# Stories and kinds kept in memory once seen saved (they never change); beyond this, start again.
SAVED_STORIES = 10_000
_UNCHANGING = (Story, AddedKind)


class StoreUnitOfWork:
    def __init__(self, store: Application[UUID], *, group_commit: bool = True) -> None:
        self._store = store
        # Concurrent writes share transactions; off, each write is its own save.
        self._save = GroupCommit(store.save).save if group_commit else store.save
        self._unchanging: dict[UUID, Story | AddedKind] = {}

    def get(self, aggregate_id: UUID) -> Aggregate | None:
        saved = self._unchanging.get(aggregate_id)
        if saved is not None:
            return saved
        try:
            aggregate: Aggregate = self._store.repository.get(aggregate_id)
        except AggregateNotFoundError:
            return None
        if isinstance(aggregate, _UNCHANGING):
            if len(self._unchanging) >= SAVED_STORIES:
                self._unchanging.clear()
            self._unchanging[aggregate_id] = aggregate
        return aggregate

    def replay(self, request: Request, command: Command) -> Written | None:
        return answer_again(self.get, request, command)

    def save(self, aggregate: Aggregate, request: Request, command: Command) -> Written:
        """Save the write, and its idempotency key in the same transaction.

        A concurrent request with the same key loses the race on the key's
        aggregate and is answered as a replay of the winner.
        """
        key = idempotency_key(aggregate, request, command)
        if key is None:
            return Written(aggregate.id, aggregate.version, position(self._save(aggregate)))
        try:
            recordings = self._save(aggregate, key)
        except IntegrityError:
            replay = self.replay(request, command)
            if replay is None:
                raise
            return replay
        return Written(aggregate.id, aggregate.version, position(recordings))

    def attempts(self) -> Iterator[int]:
        for attempt in range(SAVE_ATTEMPTS):
            if attempt:
                time.sleep(random.uniform(0, min(MAX_BACKOFF, 0.002 * 2**attempt)))
            yield attempt


def idempotency_key(aggregate: Aggregate, request: Request, command: Command) -> IdempotencyKey | None:
    """The key that records a keyed request's write, to be saved with it."""
    if request.idempotency_key is None:
        return None
    return IdempotencyKey(
        key=request.idempotency_key,
        request_hash=command.fingerprint(),
        target=aggregate.id,
        target_version=aggregate.version,
    )


def position(recordings: list[Recording[UUID]]) -> int | None:
    """Where the last of the recordings is in the log."""
    return recordings[-1].notification.id if recordings else None
