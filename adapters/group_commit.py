"""Group commit: saves that arrive together go to the store in one transaction.

The event store serialises every save behind a table lock, so one aggregate
per transaction caps writes at the database's commit rate. A save here joins
a queue; the first saver to find no commit in progress becomes the leader and
saves everything queued in one transaction, while the others wait for their
outcome. Nothing is delayed on purpose: a save that finds the store idle goes
alone at once, and the queue only grows while a commit is under way.

If the group's transaction fails on a conflict (two members changed the same
aggregate, or a key was used twice), each member is saved on its own, so
every caller gets the outcome its own save would have had.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from uuid import UUID

from eventsourcing.domain import Aggregate, DomainEventProtocol
from eventsourcing.persistence import IntegrityError, Recording

Save = Callable[..., list[Recording[UUID]]]


class _Member:
    def __init__(self, events: Sequence[DomainEventProtocol[UUID]]) -> None:
        self.events = events
        self.finished = False
        self.recordings: list[Recording[UUID]] = []
        self.error: BaseException | None = None

    def settle(self, save: Save) -> None:
        try:
            self.recordings = save(*self.events)
        except Exception as error:
            self.error = error
        self.finished = True


class GroupCommit:
    def __init__(self, save: Save, max_group: int = 500) -> None:
        self._save = save
        self._max_group = max_group
        self._changed = threading.Condition()
        self._queue: list[_Member] = []
        self._leading = False

    def save(self, *aggregates: Aggregate) -> list[Recording[UUID]]:
        """Save the aggregates' pending events atomically; their recordings."""
        member = _Member([event for aggregate in aggregates for event in aggregate.collect_events()])
        with self._changed:
            self._queue.append(member)
        while True:
            with self._changed:
                while self._leading and not member.finished:
                    self._changed.wait()
                if member.finished:
                    break
                self._leading = True
                group, self._queue = self._queue[: self._max_group], self._queue[self._max_group :]
            try:
                self._commit(group)
            finally:
                with self._changed:
                    self._leading = False
                    self._changed.notify_all()
        if member.error is not None:
            raise member.error
        return member.recordings

    def _commit(self, group: list[_Member]) -> None:
        if len(group) == 1:
            group[0].settle(self._save)
            return
        try:
            recordings = self._save(*(event for member in group for event in member.events))
        except IntegrityError:
            for member in group:
                member.settle(self._save)
            return
        except Exception as error:  # the database is down, say: nobody's write is saved
            for member in group:
                member.error, member.finished = error, True
            return
        start = 0
        for member in group:
            member.recordings = recordings[start : start + len(member.events)]
            member.finished = True
            start += len(member.events)
