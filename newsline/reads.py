"""Reads from hot standbys: which database answers a read, and how far its views are.

Each standby (NEWSLINE_READ_DATABASE_URLS) has a pool of its own and its own
readers of the views, which PostgreSQL streaming replication keeps in step
with the primary's. A monitor thread looks at every standby a few times a
second on a connection of its own: a standby that does not answer, or whose
views lag the primary's by more than NEWSLINE_STANDBY_MAX_LAG seconds, serves
no reads until a later look finds it well again. A read asking for a position
(`Newsline-Position`) goes to a standby whose views hold it, waiting up to
NEWSLINE_STANDBY_WAIT for one, else to the primary.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import psycopg
from eventsourcing import persistence
from eventsourcing.postgres import PostgresDatastore
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector
from psycopg.conninfo import conninfo_to_dict
from psycopg.sql import SQL, Composed
from psycopg_pool import PoolTimeout

from adapters import database
from api.ports import StandbyState
from api.positions import PositionUnavailable
from newsline.bootstrap import Newsline, views_on
from projections.base import View
from projections.stories import StoryReader
from projections.timeline import TimelineReader

log = logging.getLogger(__name__)

CHECK_INTERVAL = 0.2  # seconds between looks at the standbys (and the primary's position)
POSITION_POLL = 0.01  # seconds between looks while a read waits for a position
# What a database that went away raises (the store wraps psycopg's errors in its own).
UNREACHABLE = (
    psycopg.OperationalError,
    PoolTimeout,
    persistence.OperationalError,
    persistence.InterfaceError,
)


def views_position(views: Sequence[View]) -> Composed:
    """One statement for the position every view has reached (the least of theirs)."""
    parts = [view.position_statement() for view in views]
    return SQL("SELECT coalesce(min(notification_id), 0) AS position FROM ({0}) AS positions").format(
        SQL(" UNION ALL ").join(parts)
    )


@dataclass
class Source:
    """A database that answers reads, with the position its views had when last seen."""

    name: str
    timeline: TimelineReader
    stories: StoryReader
    position: int = 0
    reads: int = 0


@dataclass
class Standby(Source):
    """A hot standby: its pool, its state as last seen."""

    datastore: PostgresDatastore | None = None
    conninfo: str = ""
    up: bool = False
    lag_events: int = 0
    lag_seconds: float = 0.0
    monitor: psycopg.Connection[Any] | None = field(default=None, repr=False)


class FallingBack:
    """A standby's reader that answers from the primary when the standby fails
    mid-request (it went away since it was last seen), marking it down."""

    def __init__(self, standby: Standby, reader: object, primary: object) -> None:
        self._standby, self._reader, self._primary = standby, reader, primary

    def __getattr__(self, name: str) -> Callable[..., Any]:
        method, fallback = getattr(self._reader, name), getattr(self._primary, name)

        def read(*args: Any, **kwargs: Any) -> Any:
            try:
                return method(*args, **kwargs)
            except UNREACHABLE as error:
                log.warning(
                    "standby %s failed a read (%s); answering from the primary", self._standby.name, error
                )
                self._standby.up = False
                return fallback(*args, **kwargs)

        return read


class ReadRouter:
    """Chooses the database for each read; a monitor thread keeps what it knows fresh."""

    def __init__(self, newsline: Newsline) -> None:
        self.newsline = newsline
        settings = newsline.settings
        self.max_lag, self.wait = settings.standby_max_lag, settings.standby_wait
        self._primary = Source("primary", newsline.timeline.reader, newsline.stories.reader)
        # The views' own tracking tables (the readers above may be any TimelineReader).
        self._position_sql = views_position(newsline.views)
        self._primary.position = self._primary_position()
        self._standbys = [self._standby(url) for url in settings.standby_urls()]
        self._turn = itertools.count()
        self._counting = threading.Lock()
        self._asked = threading.Event()  # a read came since the last look at the primary
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._monitor, name="newsline-standby-monitor", daemon=True)
        self._thread.start()

    def _standby(self, url: str) -> Standby:
        params = conninfo_to_dict(url)
        name = f"{params.get('host') or 'localhost'}:{params.get('port') or 5432}"
        db = database.from_url(url, self.newsline.settings.database_schema)
        settings = self.newsline.settings
        env = db.eventsourcing_env(settings.pool_size, settings.database_timeout, "newsline-api-standby")
        datastore = database.NamedPoolFactory(env).datastore
        # Readers only: nothing is created on a standby (it is read-only; replication brings the tables).
        timeline, stories = views_on(datastore)
        standby = Standby(name, timeline.reader, stories.reader, datastore=datastore, conninfo=db.conninfo)
        standby.timeline = FallingBack(standby, timeline.reader, self._primary.timeline)
        standby.stories = FallingBack(standby, stories.reader, self._primary.stories)
        return standby

    # Choosing, per request.

    def _serving(self) -> list[Standby]:
        return [s for s in self._standbys if s.up and s.lag_seconds <= self.max_lag]

    def _take(self, source: Source) -> tuple[Source, int]:
        with self._counting:  # reads are chosen on the event loop and in worker threads
            source.reads += 1
        if source is self._primary:  # a write this process answered moved the views on
            source.position = max(source.position, self.newsline.reached)
        return source, source.position

    def choose_now(self, wanted: int | None) -> tuple[Source, int] | None:
        self._asked.set()
        serving = self._serving()
        if wanted is not None:
            serving = [s for s in serving if s.position >= wanted]
        if serving:
            return self._take(serving[next(self._turn) % len(serving)])
        if wanted is None or (not self._serving() and self.known_position() >= wanted):
            return self._take(self._primary)
        return None

    def choose(self, wanted: int | None) -> tuple[Source, int]:
        chosen = self.choose_now(wanted)
        if chosen is not None or wanted is None:
            return chosen or self._take(self._primary)
        deadline = time.monotonic() + self.wait
        while (waiting := self._serving()) and time.monotonic() < deadline:
            for standby in waiting:
                with contextlib.suppress(*UNREACHABLE):
                    standby.position = max(standby.position, self._position(standby))
                    if standby.position >= wanted:
                        return self._take(standby)
            time.sleep(POSITION_POLL)
        self._primary.position = max(self._primary.position, self._primary_position())
        if self._primary.position < wanted:
            head = self.newsline.head()
            if wanted > head or not self.newsline.wait_for_views(wanted):
                raise PositionUnavailable(wanted, head)
            self._primary.position = wanted
        return self._take(self._primary)

    def primary(self) -> tuple[Source, int]:
        return self._primary, self.known_position()

    def known_position(self) -> int:
        self._primary.position = max(self._primary.position, self.newsline.reached)
        return self._primary.position

    def standbys(self) -> list[StandbyState]:
        return [
            StandbyState(s.name, s.up, s.position, s.lag_events, s.lag_seconds, s in self._serving())
            for s in self._standbys
        ]

    def sources(self) -> list[Source]:
        return [self._primary, *self._standbys]

    # Looking, a few times a second.

    def _primary_position(self) -> int:
        with self.newsline.datastore.cursor() as cursor:
            row = cursor.execute(self._position_sql).fetchone()
        return int(row["position"]) if row else 0

    def _position(self, standby: Standby) -> int:
        assert standby.datastore is not None
        with standby.datastore.cursor() as cursor:
            row = cursor.execute(self._position_sql).fetchone()
        return int(row["position"]) if row else 0

    def _monitor(self) -> None:
        while not self._stopping.wait(CHECK_INTERVAL):
            if self._standbys or self._asked.is_set():
                self._asked.clear()
                with contextlib.suppress(Exception):  # the primary may be away; keep the last position
                    self._primary.position = max(self._primary.position, self._primary_position())
            for standby in self._standbys:
                self._look_at(standby)

    def _look_at(self, standby: Standby) -> None:
        try:
            if standby.monitor is None or standby.monitor.closed:
                standby.monitor = psycopg.connect(
                    standby.conninfo,
                    autocommit=True,
                    connect_timeout=self.newsline.settings.database_timeout,
                    application_name="newsline-standby-monitor",
                )
            row = standby.monitor.execute(self._position_sql).fetchone()
            position = int(row[0]) if row else 0
        except psycopg.Error as error:
            if standby.up:
                log.warning("standby %s is unreachable (%s); reads go elsewhere", standby.name, error)
            standby.up = False
            self._close_monitor(standby)
            return
        standby.position = position
        standby.lag_events = max(self._primary.position - position, 0)
        standby.lag_seconds = self._age_of_event_after(position) if standby.lag_events else 0.0
        if not standby.up:
            log.info("standby %s answers; lag %.3f s", standby.name, standby.lag_seconds)
        standby.up = True

    def _age_of_event_after(self, position: int) -> float:
        """Seconds since the oldest event a standby's views lack was recorded."""
        try:
            notifications = self.newsline.app.recorder.select_notifications(start=position + 1, limit=1)
        except Exception:  # the primary is away: no way to tell, so not lagging on that account
            return 0.0
        if not notifications:
            return 0.0
        event: Any = self.newsline.app.mapper.to_domain_event(notifications[0])
        return max(time.time() - float(event.timestamp.timestamp()), 0.0)

    @staticmethod
    def _close_monitor(standby: Standby) -> None:
        if standby.monitor is not None:
            with contextlib.suppress(Exception):
                standby.monitor.close()
            standby.monitor = None

    def close(self) -> None:
        self._stopping.set()
        self._thread.join(timeout=10)
        for standby in self._standbys:
            self._close_monitor(standby)
            if standby.datastore is not None:
                standby.datastore.pool.close()


class ReadsCollector(Collector):
    """Reads answered by each database, and each standby's state and lag."""

    def __init__(self, router: ReadRouter) -> None:
        self.router = router

    def collect(self) -> Iterator[Any]:
        reads = CounterMetricFamily("newsline_reads", "Reads answered, by the database", labels=["source"])
        for source in self.router.sources():
            reads.add_metric([source.name], source.reads)
        yield reads
        up = GaugeMetricFamily(
            "newsline_standby_up", "1 if the standby answered its last check", labels=["standby"]
        )
        serving = GaugeMetricFamily(
            "newsline_standby_serving",
            "1 if the standby serves reads (up and within the lag bound)",
            labels=["standby"],
        )
        lag_events = GaugeMetricFamily(
            "newsline_standby_lag_events",
            "Events the primary's views hold and the standby's do not",
            labels=["standby"],
        )
        lag_seconds = GaugeMetricFamily(
            "newsline_standby_lag_seconds",
            "Age of the oldest event the standby's views lack (0 when in step)",
            labels=["standby"],
        )
        for state in self.router.standbys():
            up.add_metric([state.name], float(state.up))
            serving.add_metric([state.name], float(state.serving))
            lag_events.add_metric([state.name], state.lag_events)
            lag_seconds.add_metric([state.name], state.lag_seconds)
        yield from (up, serving, lag_events, lag_seconds)


class Collectors(Collector):
    """Several collectors registered as one."""

    def __init__(self, *collectors: Collector) -> None:
        self.collectors = collectors

    def collect(self) -> Iterator[Any]:
        for collector in self.collectors:
            yield from collector.collect()
