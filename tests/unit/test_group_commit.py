"""Group commit: concurrent saves share transactions, and each gets its own outcome."""

from __future__ import annotations

import threading
import time
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError, Recording

from adapters.group_commit import GroupCommit


class Note(Aggregate):
    def __init__(self, text: str) -> None:
        self.text = text

    def edit(self, text: str) -> None:
        self.trigger_event(self.Edited, text=text)

    class Edited(Aggregate.Event):
        text: str

        def apply(self, aggregate: Any) -> None:
            aggregate.text = self.text


class Store:
    """The in-memory event store, with slow transactions so that saves queue up."""

    def __init__(self) -> None:
        self.app: Application[UUID] = Application(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
        self.transactions = 0
        self._lock = threading.Lock()

    def save(self, *events: Any) -> list[Recording[UUID]]:
        with self._lock:  # like the store's table lock
            self.transactions += 1
            time.sleep(0.005)
            return self.app.save(*events)


def run_all(*targets: Any) -> list[BaseException | None]:
    outcomes: list[BaseException | None] = [None] * len(targets)
    start = threading.Barrier(len(targets))

    def run(index: int) -> None:
        start.wait()
        try:
            targets[index]()
        except BaseException as error:
            outcomes[index] = error

    threads = [threading.Thread(target=run, args=(index,)) for index in range(len(targets))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def test_concurrent_saves_share_transactions_and_all_land() -> None:
    store = Store()
    group = GroupCommit(store.save)
    notes = [Note(f"note {index}") for index in range(40)]
    positions: dict[UUID, int] = {}

    def saver(note: Note) -> Any:
        def save() -> None:
            recordings = group.save(note)
            positions[note.id] = recordings[-1].notification.id

        return save

    assert run_all(*(saver(note) for note in notes)) == [None] * 40
    assert store.transactions < 40
    assert sorted(positions.values()) == list(range(1, 41))
    for note in notes:
        assert store.app.repository.get(note.id).text == note.text


def test_a_conflict_fails_only_its_own_save() -> None:
    store = Store()
    group = GroupCommit(store.save)
    original = Note("first")
    group.save(original)
    rivals = [store.app.repository.get(original.id) for _ in range(6)]
    for index, rival in enumerate(rivals):
        rival.edit(f"edit {index}")
    others = [Note(f"other {index}") for index in range(6)]
    outcomes = run_all(*(lambda a=aggregate: group.save(a) for aggregate in [*rivals, *others]))
    conflicts = [outcome for outcome in outcomes if outcome is not None]
    assert len(conflicts) == 5 and all(isinstance(c, IntegrityError) for c in conflicts)
    assert outcomes[6:] == [None] * 6
    assert store.app.repository.get(original.id).version == 2
    for note in others:
        assert store.app.repository.get(note.id).text == note.text


def test_a_failed_transaction_fails_every_member() -> None:
    def broken(*events: Any) -> list[Recording[UUID]]:
        raise ConnectionError("database down")

    group = GroupCommit(broken)
    with pytest.raises(ConnectionError):
        group.save(Note("lost"))
