"""Running the projections: each view follows the log in its own runner.

The library's runner stops at the first error in `process_event` (a lost
database connection, say). A supervisor thread per view starts it again
with a back-off, from the view's last committed position, so a restart
neither skips nor repeats an event.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from eventsourcing.application import Application
from eventsourcing.projection import BaseProjectionRunner, Projection

from projections.base import View

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ViewSpec:
    projection: Projection[Any]

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
        self, spec: ViewSpec, application_class: type[Application[Any]], env: dict[str, str]
    ) -> None:
        self.spec = spec
        self._application_class = application_class
        self._env = env
        self._stopping = threading.Event()
        self._runner: BaseProjectionRunner[Any] | None = None
        self._lock = threading.Lock()
        self.last_error: BaseException | None = None
        self._thread = threading.Thread(target=self._supervise, name=f"projection-{spec.name}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        with self._lock:
            if self._runner is not None:
                self._runner.stop()
        self._thread.join(timeout=10)

    @property
    def alive(self) -> bool:
        return self._thread.is_alive() and not self._stopping.is_set()

    def _supervise(self) -> None:
        delay = 0.1
        while not self._stopping.is_set():
            try:
                self._run_once()
                delay = 0.1
            except Exception as error:  # any failure: log it and start again
                self.last_error = error
                log.warning("projection %s stopped (%s); restarting in %.1fs", self.spec.name, error, delay)
                self._stopping.wait(delay)
                delay = min(delay * 2, 5.0)

    def _run_once(self) -> None:
        runner: BaseProjectionRunner[Any] = BaseProjectionRunner(
            projection=self.spec.projection,
            application_class=self._application_class,
            tracking_recorder=self.spec.view,
            topics=self.spec.projection.topics,
            env=self._env,
        )
        with self._lock:
            self._runner = runner
            if self._stopping.is_set():
                runner.stop()
        try:
            with runner:
                runner.run_forever()
        finally:
            with self._lock:
                self._runner = None


class ProjectionGroup:
    """All the views of one process, run by supervisors."""

    def __init__(
        self,
        specs: Sequence[ViewSpec],
        application_class: type[Application[Any]],
        env: dict[str, str],
    ) -> None:
        self.supervisors = [Supervisor(spec, application_class, env) for spec in specs]

    def start(self) -> None:
        for supervisor in self.supervisors:
            supervisor.start()

    def stop(self) -> None:
        for supervisor in self.supervisors:
            supervisor.stop()
