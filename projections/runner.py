"""Running the projections: each view follows the log in batches.

A runner reads up to `batch_size` events after the view's position and
applies them in one transaction (the library's runner applies one event per
transaction, which caps a view at the database's commit rate). When it has
caught up, it sleeps until PostgreSQL notifies a new write (the event store
NOTIFYs on every insert) or a second has passed.

Positions never skip an event: the event store takes a table lock per write,
so events commit in position order, and everything at or below the highest
committed position is final.

A failure (a lost database connection, say) ends the runner; a supervisor
thread per view starts it again with a back-off from the view's last
committed position, so a restart neither skips nor repeats an event.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from eventsourcing.application import Application
from eventsourcing.postgres import PostgresApplicationRecorder
from psycopg.sql import SQL, Identifier

from projections.base import BatchProjection, Logged, View

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ViewSpec:
    projection: BatchProjection[Any]

    @property
    def view(self) -> View:
        view = self.projection.view
        assert isinstance(view, View)
        return view

    @property
    def name(self) -> str:
        return self.projection.name


class Supervisor:
    """Keeps one projection's runner alive until stopped."""

    def __init__(
        self,
        spec: ViewSpec,
        application_class: type[Application[Any]],
        env: dict[str, str],
        batch_size: int,
    ) -> None:
        self.spec = spec
        self._application_class = application_class
        self._env = env
        self._batch_size = batch_size
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._supervise, name=f"projection-{spec.name}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join(timeout=10)

    def _supervise(self) -> None:
        delay = 0.1
        while not self._stopping.is_set():
            try:
                self._run_once()
                delay = 0.1
            except Exception as error:  # any failure: log it and start again
                log.warning("projection %s stopped (%s); restarting in %.1fs", self.spec.name, error, delay)
                self._stopping.wait(delay)
                delay = min(delay * 2, 5.0)

    def _run_once(self) -> None:
        application = self._application_class(env=self._env)
        try:
            recorder = application.recorder
            assert isinstance(recorder, PostgresApplicationRecorder)
            with _Wakeups(recorder, self._stopping) as wakeups:
                follow(self.spec.projection, application, wakeups.wait, self._stopping, self._batch_size)
        finally:
            application.close()


def follow(
    projection: BatchProjection[Any],
    application: Application[Any],
    wait: Callable[[float], None],
    stopping: threading.Event,
    batch_size: int,
) -> None:
    """Apply the log to `projection` in batches until `stopping` is set."""
    view = projection.view
    assert isinstance(view, View)
    recorder = application.recorder
    position = view.position()
    while not stopping.is_set():
        head = recorder.max_notification_id() or 0
        if head <= position:
            wait(1.0)
            continue
        notifications = recorder.select_notifications(
            start=position,
            limit=batch_size,
            stop=head,
            topics=projection.topics,
            inclusive_of_start=False,
        )
        through = notifications[-1].id if len(notifications) == batch_size else head
        events = [Logged(n.id, application.mapper.to_domain_event(n)) for n in notifications]
        projection.process_batch(events, through)
        position = through


class _Wakeups:
    """LISTENs for the event store's NOTIFY on a connection of its own."""

    def __init__(self, recorder: PostgresApplicationRecorder, stopping: threading.Event) -> None:
        self._recorder = recorder
        self._stopping = stopping
        self._notified = threading.Event()
        self._closed = threading.Event()
        self._thread = threading.Thread(target=self._listen, name="projection-listen", daemon=True)

    def __enter__(self) -> _Wakeups:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._closed.set()
        self._thread.join(timeout=5)

    def wait(self, timeout: float) -> None:
        if self._notified.wait(timeout):
            self._notified.clear()

    def _listen(self) -> None:
        try:
            with self._recorder.datastore.get_connection() as connection:
                connection.execute(SQL("LISTEN {0}").format(Identifier(self._recorder.channel_name)))
                while not (self._closed.is_set() or self._stopping.is_set()):
                    for _ in connection.notifies(timeout=0.2, stop_after=1):
                        self._notified.set()
        except Exception as error:  # the runner still polls every second
            log.warning("projection wake-ups stopped (%s); polling", error)
        finally:
            self._notified.set()  # a runner asked to stop need not sleep out its second


class ProjectionGroup:
    """All the views of one process, run by supervisors."""

    def __init__(
        self,
        specs: Sequence[ViewSpec],
        application_class: type[Application[Any]],
        env: dict[str, str],
        batch_size: int,
    ) -> None:
        self.supervisors = [Supervisor(spec, application_class, env, batch_size) for spec in specs]

    def start(self) -> None:
        for supervisor in self.supervisors:
            supervisor.start()

    def stop(self) -> None:
        for supervisor in self.supervisors:
            supervisor.stop()
