"""The composition root: settings in, a wired Newsline out.

The API's lifespan and every CLI command build through here, and nothing is
built at import time.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import orjson
import psycopg
from eventsourcing.persistence import InfrastructureFactory, PersistenceError
from eventsourcing.utils import Environment
from psycopg.types.json import set_json_loads

from domain.service import NewslineApplication
from newsline import database
from newsline.settings import Principal, Settings
from projections.base import View
from projections.runner import ProjectionGroup, ViewSpec
from projections.stories import StoryProjection, StoryView
from projections.timeline import TimelineProjection, TimelineView

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass
class Newsline:
    """Everything a process needs: the write side, the views, the runners."""

    settings: Settings
    app: NewslineApplication
    timeline: TimelineView
    stories: StoryView
    principals: dict[str, Principal]
    env: dict[str, str]
    database: database.Database
    projections: ProjectionGroup | None = None
    specs: list[ViewSpec] = field(default_factory=list)

    @property
    def views(self) -> list[View]:
        return [self.timeline, self.stories]

    def start_projections(self) -> None:
        if self.projections is None:
            # The main application created the tables; runners only read the log.
            runner_env = {**self.env, "CREATE_TABLE": "n"}
            self.projections = ProjectionGroup(
                self.specs, NewslineApplication, runner_env, self.settings.projection_batch_size
            )
            self.projections.start()

    def wait_for_views(self, position: int | None, timeout: float | None = None) -> bool:
        """Read-your-writes: block until every view has applied `position`."""
        if position is None:
            return True
        limit = self.settings.write_timeout if timeout is None else timeout
        here = self.projections is not None
        return all(view.wait_for(position, limit, applied_here=here) for view in self.views)

    def rebuild(self, progress: Callable[[int], None] = lambda position: None) -> int:
        """Replay the log into fresh views; the position rebuilt to.

        No other process may run the views meanwhile. `progress` is told the
        position the slowest view has reached.
        """
        if self.projections is not None:
            self.projections.stop()
            self.projections = None
        for view in self.views:
            view.drop_tables()
            view.create_table()
            view.drop_reader_indexes()  # built once the rows are in: quicker than row by row
        self.start_projections()
        head = self.head()
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

    def close(self) -> None:
        if self.projections is not None:
            self.projections.stop()
            self.projections = None
        for view in self.views:
            view.datastore.close()
        self.app.close()


def connect(settings: Settings) -> database.Database:
    if settings.database_url:
        db = database.from_url(settings.database_url, settings.database_schema)
    else:
        db = database.embedded(settings.data_dir, settings.database_schema)
    _creating_tables(db.ensure_schema)
    return db


def build(settings: Settings, *, run_projections: bool | None = None) -> Newsline:
    # The views' rows come back as JSON; orjson decodes them several times faster.
    set_json_loads(orjson.loads)
    db = connect(settings)
    env = db.eventsourcing_env(settings.pool_size, settings.database_timeout)
    app = _creating_tables(lambda: NewslineApplication(env=env))
    timeline = _creating_tables(lambda: _view(TimelineView, TimelineProjection.name, env))
    stories = _creating_tables(lambda: _view(StoryView, StoryProjection.name, env))
    newsline = Newsline(
        settings=settings,
        app=app,
        timeline=timeline,
        stories=stories,
        principals=settings.principals(),
        env=env,
        database=db,
        specs=[ViewSpec(TimelineProjection(timeline)), ViewSpec(StoryProjection(stories))],
    )
    if settings.run_projections if run_projections is None else run_projections:
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


def _view(view_class: type[Any], name: str, env: dict[str, str]) -> Any:
    factory = InfrastructureFactory.construct(env=Environment(name, env))
    return factory.tracking_recorder(view_class)
