"""Writes staged in memory and saved together in one transaction.

Bulk import runs its use cases inside a batch: each write is checked against
the aggregates as the batch has left them (a revision may follow, in the
same batch, the report it revises), staged, and the whole batch is saved in
one transaction. Aggregates the batch reads are looked up in `known` first,
which the importer fills for many ids in one query and keeps between batches.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from uuid import UUID

from eventsourcing.domain import Aggregate

# What a batch knows of an aggregate: its current state, or None if there is none.
Known = MutableMapping[UUID, Aggregate | None]


class WriteBatch:
    def __init__(self, known: Known) -> None:
        self.known = known
        self.staged: dict[UUID, Aggregate] = {}

    def stage(self, *aggregates: Aggregate) -> None:
        for aggregate in aggregates:
            self.known[aggregate.id] = aggregate
            self.staged[aggregate.id] = aggregate
