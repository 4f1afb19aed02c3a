"""Writes staged in memory and saved together in one transaction.

Bulk import passes a batch to the use cases as their unit of work: each
write is checked against the aggregates as the batch has left them (a
revision may follow, in the same batch, the report it revises), staged, and
the whole batch is saved in one transaction. Aggregates the batch reads are
looked up in `known` first, which the importer fills for many ids in one
query and keeps between batches; what it does not know, it reads through
the application's own unit of work.
"""

from __future__ import annotations

from collections.abc import Iterator, MutableMapping
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate

from adapters.unit_of_work import idempotency_key, position
from domain.commands import Command, Request
from domain.idempotency import answer_again
from domain.ports import UnitOfWork, Written

# What a batch knows of an aggregate: its current state, or None if there is none.
Known = MutableMapping[UUID, Aggregate | None]


class WriteBatch:
    def __init__(self, store: Application[UUID], reads: UnitOfWork, known: Known) -> None:
        self._store = store
        self._reads = reads
        self.known = known
        self.staged: dict[UUID, Aggregate] = {}

    def get(self, aggregate_id: UUID) -> Aggregate | None:
        if aggregate_id in self.known:
            return self.known[aggregate_id]
        aggregate = self._reads.get(aggregate_id)
        self.known[aggregate_id] = aggregate
        return aggregate

    def replay(self, request: Request, command: Command) -> Written | None:
        return answer_again(self.get, request, command)

    def save(self, aggregate: Aggregate, request: Request, command: Command) -> Written:
        """Stage the write (and its key): it is saved with the batch."""
        key = idempotency_key(aggregate, request, command)
        self.stage(aggregate, *([key] if key else []))
        return Written(aggregate.id, aggregate.version, None)

    def attempts(self) -> Iterator[int]:
        # Nothing is saved before the batch is, so no write can lose a race here.
        yield 0

    def stage(self, *aggregates: Aggregate) -> None:
        for aggregate in aggregates:
            self.known[aggregate.id] = aggregate
            self.staged[aggregate.id] = aggregate

    def commit(self) -> int | None:
        """Save everything staged, in one transaction; its last position (IntegrityError on a race)."""
        if not self.staged:
            return None
        # Straight to the event store: the application's `save` checks each
        # aggregate against the library's runtime protocols, which costs more
        # than collecting its events; it adds nothing here (no snapshots, no cache).
        events = [event for aggregate in self.staged.values() for event in aggregate.collect_events()]
        return position(self._store.events.put(events))
