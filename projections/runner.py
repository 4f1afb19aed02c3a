"""Running the projections: each view follows the log in batches.

A runner reads up to `batch_size` events after the view's position and
applies them in one transaction (the library's runner applies one event per
transaction, which caps a view at the database's commit rate). When it has
caught up, it sleeps until PostgreSQL notifies a new write (the event store
NOTIFYs on every insert) or a second has passed.

Positions never skip an event: the event store takes a table lock per write,
so events commit in position order, and everything at or below the highest
committed position is final.

A runner applies a whole view, or one shard of it (projections.shards): a
shard reads only the events of its partition of the occurrences.

A failure (a lost database connection, say) ends the runner; a supervisor
thread per view or shard starts it again with a back-off from its last
committed position, so a restart neither skips nor repeats an event.

The runners use the process's one pool, shared with the application: each
holds one connection at a time, and one more listens for the NOTIFYs of
every runner of the process.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from eventsourcing.application import Application
from eventsourcing.postgres import PostgresApplicationRecorder
from psycopg.sql import SQL, Identifier

from projections.base import BatchProjection, View, projected_view
from projections.partitions import Partition, select_notifications

log = logging.getLogger(__name__)


class Runnable(Protocol):
    """What a runner applies: a projection, and the occurrences it reads the events of."""

    @property
    def projection(self) -> BatchProjection[Any]: ...

    @property
    def name(self) -> str: ...

    @property
    def partition(self) -> Partition | None: ...


@dataclass(frozen=True)
class ViewSpec:
    """A whole view: every event of its projection's topics."""

    projection: BatchProjection[Any]
    partition: Partition | None = None

    @property
    def view(self) -> View:
        return projected_view(self.projection)

    @property
    def name(self) -> str:
        return self.projection.name


class Supervisor:
    """Keeps one projection's runner alive until stopped."""

    def __init__(
        self,
        spec: Runnable,
        application: Application[Any],
        wakeups: Wakeups,
        batch_size: int,
    ) -> None:
        self.spec = spec
        self._application = application
        self._wakeups = wakeups
        self._batch_size = batch_size
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._supervise, name=f"projection-{spec.name}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        self._wakeups.wake()
        self._thread.join(timeout=10)

    def _supervise(self) -> None:
        delay = 0.1
        while not self._stopping.is_set():
            try:
                follow(
                    self.spec.projection,
                    self._application,
                    self._wakeups.wait,
                    self._stopping,
                    self._batch_size,
                    self.spec.partition,
                )
                delay = 0.1
            except Exception as error:  # any failure: log it and start again
                log.warning("projection %s stopped (%s); restarting in %.1fs", self.spec.name, error, delay)
                self._stopping.wait(delay)
                delay = min(delay * 2, 5.0)


def follow(
    projection: BatchProjection[Any],
    application: Application[Any],
    wait: Callable[[float], None],
    stopping: threading.Event,
    batch_size: int,
    partition: Partition | None = None,
    until: int | None = None,
) -> None:
    """Apply the log to `projection` in batches until `stopping` is set (or,
    given `until`, until it has applied that position).

    With a `partition`, only the events of its occurrences are read, in
    windows of the log that hold about a batch of them.
    """
    view = projection.view
    assert isinstance(view, View)
    recorder = application.recorder
    assert isinstance(recorder, PostgresApplicationRecorder)
    position = view.position()
    while not stopping.is_set() and (until is None or position < until):
        head = recorder.max_notification_id() or 0
        if until is not None:
            head = min(head, until)
        if head <= position:
            wait(1.0)
            continue
        if partition is None:
            notifications = recorder.select_notifications(
                start=position,
                limit=batch_size,
                stop=head,
                topics=projection.topics,
                inclusive_of_start=False,
            )
            through = notifications[-1].id if len(notifications) == batch_size else head
        else:
            through = min(position + batch_size * partition.count, head)
            notifications = select_notifications(recorder, partition, position, through, projection.topics)
        projection.process_notifications(notifications, through, application.mapper)
        position = through


class Wakeups:
    """Wakes one runner when the event store notifies a write (or when told to)."""

    def __init__(self) -> None:
        self._notified = threading.Event()

    def wake(self) -> None:
        self._notified.set()

    def wait(self, timeout: float) -> None:
        if self._notified.wait(timeout):
            self._notified.clear()


class Listener:
    """LISTENs for the event store's NOTIFY on one pooled connection, for every
    runner of the process; if that connection is lost, it takes another after
    a back-off (the runners poll every second meanwhile). Runners come and go
    (`add`, `remove`) as the process claims and gives back shards."""

    def __init__(self, recorder: PostgresApplicationRecorder, wakeups: Sequence[Wakeups] = ()) -> None:
        self._recorder = recorder
        self._wakeups = set(wakeups)
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._listen, name="projection-listen", daemon=True)

    def add(self, wakeups: Wakeups) -> None:
        with self._lock:
            self._wakeups.add(wakeups)

    def remove(self, wakeups: Wakeups) -> None:
        with self._lock:
            self._wakeups.discard(wakeups)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join(timeout=5)

    def _wake_all(self) -> None:
        with self._lock:
            waiting = list(self._wakeups)
        for wakeups in waiting:
            wakeups.wake()

    def _listen(self) -> None:
        delay = 0.1
        while not self._stopping.is_set():
            try:
                self._listen_once()
                return
            except Exception as error:  # the runners still poll every second
                log.warning(
                    "projection wake-ups stopped (%s); polling, listening again in %.1fs", error, delay
                )
                self._wake_all()
                self._stopping.wait(delay)
                delay = min(delay * 2, 5.0)

    def _listen_once(self) -> None:
        channel = Identifier(self._recorder.channel_name)
        with self._recorder.datastore.get_connection() as connection:
            connection.execute(SQL("LISTEN {0}").format(channel))
            try:
                while not self._stopping.is_set():
                    for _ in connection.notifies(timeout=0.2, stop_after=1):
                        self._wake_all()
            finally:  # the connection goes back to the pool: stop listening on it
                with contextlib.suppress(Exception):
                    connection.execute(SQL("UNLISTEN {0}").format(channel))


class ProjectionGroup:
    """All the views of one process, run by supervisors on the application's pool."""

    def __init__(self, specs: Sequence[ViewSpec], application: Application[Any], batch_size: int) -> None:
        recorder = application.recorder
        assert isinstance(recorder, PostgresApplicationRecorder)
        wakeups = [Wakeups() for _ in specs]
        self.supervisors = [
            Supervisor(spec, application, wakeup, batch_size)
            for spec, wakeup in zip(specs, wakeups, strict=True)
        ]
        self._listener = Listener(recorder, wakeups)

    def start(self) -> None:
        self._listener.start()
        for supervisor in self.supervisors:
            supervisor.start()

    def stop(self) -> None:
        for supervisor in self.supervisors:
            supervisor.stop()
        self._listener.stop()
