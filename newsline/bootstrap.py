"""The composition root: settings in, a wired Newsline out.

The API's lifespan and every CLI command build through here, and nothing is
built at import time.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

import orjson
import psycopg
from eventsourcing.persistence import PersistenceError
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from psycopg.rows import DictRow, dict_row
from psycopg.types.json import set_json_loads

from adapters import database
from adapters.unit_of_work import StoreUnitOfWork
from api.auth import Principal
from domain.service import NewslineApplication
from newsline.settings import Settings
from projections.base import View
from projections.claims import Claims, holders, shard_key
from projections.partitions import TRACKING_PREFIX
from projections.shards import Sharding
from projections.stories import StoryProjection, StoryView
from projections.timeline import TimelineProjection, TimelineView

log = logging.getLogger(__name__)
T = TypeVar("T")
V = TypeVar("V", bound=View)


class UnfinishedRebuild(RuntimeError):
    """The views were left partly built by a rebuild in partitions."""


@dataclass
class Newsline:
    """Everything a process needs: the write side, the views, the runners."""

    settings: Settings
    app: NewslineApplication
    timeline: TimelineView
    stories: StoryView
    principals: dict[str, Principal]
    database: database.Database
    sharding: Sharding
    role: str = "serve"
    projections: Claims | None = None
    view_connections_added: bool = False
    #: The highest position every view was seen to have applied (by `wait_for_views`).
    reached: int = 0
    _named: dict[str, View] = field(default_factory=dict)

    @property
    def views(self) -> list[View]:
        return [self.timeline, self.stories]

    @property
    def datastore(self) -> PostgresDatastore:
        """The process's one pool of connections, shared by the application and the views."""
        recorder = self.app.recorder
        assert isinstance(recorder, PostgresApplicationRecorder)
        return recorder.datastore

    def start_projections(self) -> None:
        """Run this process's share of the views' shards, from where each stands."""
        if self.projections is None:
            self._refuse_partly_built_views()
            sharding = self.sharding
            if not self.view_connections_added:
                # The runners follow the log on this process's pool: one connection
                # each at a time, and one that listens for new writes.
                database.grow_pool(self.datastore, shard_count(self.settings) + 1)
                self.view_connections_added = True
            self.projections = Claims(
                sharding, self.app, self.settings.projection_batch_size, self._claims_connection
            )
            self.projections.start()

    def _claims_connection(self) -> psycopg.Connection[DictRow]:
        """The connection that holds this process's claims, named after the process
        so that an operator sees in pg_stat_activity (and /readyz) who runs which shard."""
        holder = f"newsline-{self.role}@{socket.gethostname()}:{os.getpid()}"
        return psycopg.connect(
            self.database.conninfo,
            autocommit=True,
            row_factory=dict_row,
            application_name=holder[:63],
            connect_timeout=self.settings.database_timeout,
        )

    def _refuse_partly_built_views(self) -> None:
        """A rebuild in partitions that stopped before its end leaves rows the
        view's position does not account for: following the log from there
        would apply events twice, so nothing may run the view until it is rebuilt."""
        for view in self.views:
            if view.positions(TRACKING_PREFIX):
                raise UnfinishedRebuild(
                    f"the {view.name} view is partly built by a"
                    " rebuild that did not finish (or is still running): run `newsline rebuild` again"
                )

    def wait_for_views(self, position: int | None, timeout: float | None = None) -> bool:
        """Read-your-writes: block until every shard of every view has applied `position`."""
        if position is None:
            return True
        limit = self.settings.write_timeout if timeout is None else timeout
        here = self.projections is not None and self.projections.holds_every_shard()
        if not all(view.wait_for(position, limit, applied_here=here) for view in self.views):
            return False
        self.reached = max(self.reached, position)
        return True

    def positions(self) -> dict[str, int]:
        """Each view's applied position (its slowest shard's), by view name."""
        return {name: view.position() for name, view in self._views_by_name().items()}

    def shards(self) -> list[dict[str, object]]:
        """Each shard of each view: its position, and the process that runs it (None: no one)."""
        with self.datastore.get_connection() as connection:
            held = holders(connection, self.datastore.schema)
        found: list[dict[str, object]] = []
        for name, view in self._views_by_name().items():
            positions = sorted(view.shard_positions().items(), key=lambda item: _shard_order(item[0]))
            for index, (tracking_name, position) in enumerate(positions):
                holder = held.get(shard_key(f"{name}:{tracking_name}"))
                found.append(
                    {
                        "view": name,
                        "shard": f"{index + 1}/{len(positions)}",
                        "position": position,
                        "held_by": holder[1] if holder else None,
                    }
                )
        return found

    def _views_by_name(self) -> dict[str, View]:
        if not self._named:
            self._named = {TimelineProjection.name: self.timeline, StoryProjection.name: self.stories}
        return self._named

    def rebuild(
        self, progress: Callable[[int], None] = lambda position: None, processes: int | None = None
    ) -> int:
        """Replay the log into fresh views; the position rebuilt to.

        No other process may run the views meanwhile. `progress` is told the
        position the slowest view has reached. With more than one process
        (by default one per core), the timeline is built by partitions of
        the occurrences in child processes.
        """
        self.stop_projections()
        for view in self.views:
            view.drop_tables()
            view.create_table()
            view.drop_reader_indexes()  # built once the rows are in: quicker than row by row
        head = self.head()
        count = processes or os.cpu_count() or 1
        if count > 1:
            from newsline.rebuilding import rebuild_in_partitions  # it builds Newslines: imports this module

            rebuild_in_partitions(self, head, count, progress)
            self.start_projections()  # from the head on, as after a rebuild in one process
        else:
            self.start_projections()
            while not self.wait_for_views(head, timeout=0.5):
                progress(min(view.position() for view in self.views))
        progress(head)
        for view in self.views:
            view.create_reader_indexes()
            view.vacuum()
        return head

    def database_url(self) -> str:
        """The URL of the database in use (the embedded server's, if this process
        started one), for the processes this one starts."""
        return self.database.conninfo

    def head(self) -> int:
        """The position of the newest event in the log."""
        return self.app.recorder.max_notification_id() or 0

    def stop_projections(self) -> None:
        """Stop this process's runners and give back its shards."""
        if self.projections is not None:
            self.projections.stop()
            self.projections = None

    def close(self) -> None:
        self.stop_projections()
        self.app.close()  # and the pool the views share with it


def connect(settings: Settings) -> database.Database:
    if settings.database_url:
        db = database.from_url(settings.database_url, settings.database_schema)
    else:
        db = database.embedded(settings.data_dir, settings.database_schema)
    _creating_tables(db.ensure_schema)
    return db


# Connections a process that serves no requests keeps for its own work (a
# command's writes and reads, a worker's start-up and position checks).
COMMAND_CONNECTIONS = 2
# Processes that serve the API: they get NEWSLINE_POOL_SIZE connections for requests.
SERVING_ROLES = ("serve", "api")


def shard_count(settings: Settings) -> int:
    """The shards a process running the views may run: the timeline's, and the stories'."""
    return settings.projection_shards + 1


def view_connections(shards: int) -> int:
    """What running `shards` shards adds: a connection per shard's runner (it
    applies one batch at a time), one that listens for new writes, and one
    that holds the process's claims on its shards."""
    return shards + 2 if shards else 0


def connection_budget(settings: Settings, role: str, shards: int = 0) -> int:
    """The most connections a process may hold: its pool's ceiling, and its claims.

    A process serving the API has NEWSLINE_POOL_SIZE for its requests, any
    other COMMAND_CONNECTIONS; running the views (`shards` of them) adds
    `view_connections`.
    """
    own = settings.pool_size if role in SERVING_ROLES else COMMAND_CONNECTIONS
    return own + view_connections(shards)


def build(settings: Settings, *, run_projections: bool | None = None, role: str | None = None) -> Newsline:
    """Wire a Newsline on one pool of database connections, shared by the
    application, its views and their runners.

    `role` names the process's connections in pg_stat_activity
    (`newsline-<role>`); by default `serve` if it runs the views, else `api`.
    """
    # The views' rows come back as JSON; orjson decodes them several times faster.
    set_json_loads(orjson.loads)
    projecting = settings.run_projections if run_projections is None else run_projections
    role = role or ("serve" if projecting else "api")
    db = connect(settings)
    env = db.eventsourcing_env(
        connection_budget(settings, role), settings.database_timeout, f"newsline-{role}"
    )
    app = _creating_tables(lambda: NewslineApplication(env=env, unit_of_work=StoreUnitOfWork))
    recorder = app.recorder
    assert isinstance(recorder, PostgresApplicationRecorder)
    datastore = recorder.datastore
    timeline = _creating_tables(lambda: _view(TimelineView, TimelineProjection.name, datastore))
    stories = _creating_tables(lambda: _view(StoryView, StoryProjection.name, datastore))
    newsline = Newsline(
        settings=settings,
        app=app,
        timeline=timeline,
        stories=stories,
        principals=settings.principals(),
        database=db,
        sharding=Sharding(
            TimelineProjection(timeline), [StoryProjection(stories)], settings.projection_shards
        ),
        role=role,
    )
    if projecting:
        newsline.start_projections()
    return newsline


def _creating_tables(construct: Callable[[], T]) -> T:
    """Construct something that creates its tables, retrying a lost creation race.

    Two processes starting at once (an API and a worker) may both create the
    same table; PostgreSQL then fails one of them, which simply tries again.
    """
    for attempt in range(5):
        try:
            return construct()
        except (PersistenceError, psycopg.Error) as error:
            if attempt == 4:
                raise
            log.info("table creation raced another process (%s); retrying", error)
            time.sleep(0.2 * (attempt + 1))
    raise AssertionError("unreachable")


def _view(view_class: type[V], name: str, datastore: PostgresDatastore) -> V:
    """A view on the application's pool, its tables created if missing, unless they
    are another projection version's (which this code's DDL may not fit: the
    process waits for `newsline rebuild --online` to build its version)."""
    view = _view_on(view_class, name, datastore)
    if view.recorded_version() in (None, view.version):
        view.create_table()
    return view


def _view_on(view_class: type[V], name: str, datastore: PostgresDatastore) -> V:
    """A view on `datastore`, its tracking table named as the library would; creates nothing."""
    return view_class(datastore, tracking_table_name=f"{name.lower()}_tracking")


def views_in(newsline: Newsline, schema: str, connections: int) -> tuple[TimelineView, StoryView]:
    """The views as built in `schema` (an online rebuild's fresh views), on a pool
    of at most `connections` of their own, their tables created if missing."""
    db = dataclasses.replace(newsline.database, schema=schema)
    db.ensure_schema()
    env = db.eventsourcing_env(connections, newsline.settings.database_timeout, f"newsline-{newsline.role}")
    datastore = database.NamedPoolFactory(env).datastore
    timeline = _creating_tables(lambda: _view(TimelineView, TimelineProjection.name, datastore))
    stories = _creating_tables(lambda: _view(StoryView, StoryProjection.name, datastore))
    return timeline, stories


def views_on(datastore: PostgresDatastore) -> tuple[TimelineView, StoryView]:
    """The views as a read-only database (a hot standby) holds them: readers only, nothing created."""
    return (
        _view_on(TimelineView, TimelineProjection.name, datastore),
        _view_on(StoryView, StoryProjection.name, datastore),
    )


def _shard_order(tracking_name: str) -> int:
    """`newsline:shard-3-of-4` -> 3 (a view not split: 1)."""
    parts = tracking_name.rsplit("-of-", 1)[0].rsplit("-", 1)
    return int(parts[1]) if len(parts) == 2 and parts[1].isdigit() else 1
