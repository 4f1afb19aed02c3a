"""What the use cases need from the world outside the domain, stated as protocols.

Implementations live in `adapters`: a unit of work on the event store (each
write its own transaction, shared by concurrent writes) and an import batch
(writes staged and saved together).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Protocol
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate

from domain.commands import Command, Request


@dataclass(frozen=True)
class Written:
    """The outcome of a write: which aggregate, at which version, where in the log."""

    id: UUID
    version: int
    position: int | None
    replayed: bool = False


class UnitOfWork(Protocol):
    """Where a use case reads aggregates and records what it changed."""

    def get(self, aggregate_id: UUID) -> Aggregate | None:
        """The aggregate as this unit of work sees it, or None if there is none."""

    def replay(self, request: Request, command: Command) -> Written | None:
        """The first answer to a request already written with its Idempotency-Key, if any.

        IdempotencyKeyReused if the key was used by another request.
        """

    def save(self, aggregate: Aggregate, request: Request, command: Command) -> Written:
        """Record the aggregate's new events, and the request's key with them.

        The library's IntegrityError if another writer changed the aggregate
        first (a request that lost the race for its key is answered as a replay).
        """

    def attempts(self) -> Iterable[int]:
        """Tries at a write that may lose a race with a concurrent writer, pausing between them."""


# How an application gets the unit of work it writes through by default.
UnitOfWorkFactory = Callable[[Application[UUID]], UnitOfWork]
