"""What every Newsline view shares: exactly-once batch commits and a quick wait.

A view applies a batch of events and moves its tracking position to the end
of the batch in one transaction. The transaction first locks the view's
tracking row and reads how far the view got, so that two runners of the same
view (a server and a worker started by mistake, say) take turns, and the
second one applies only the events the first has not, instead of failing or
applying them twice.
"""

from __future__ import annotations

import threading
import time
from abc import abstractmethod
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import Mapper, Notification, Tracking
from eventsourcing.postgres import PostgresDatastore, PostgresTrackingRecorder
from eventsourcing.projection import Projection
from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.sql import SQL, Composable, Composed, Identifier, Literal

from projections import versions

# The application whose log every view follows (NewslineApplication.name).
APPLICATION_NAME = "newsline"
# The name prefix of the tracking rows of a view split into shards
# (projections.shards); a view that is not split tracks as APPLICATION_NAME.
SHARD_PREFIX = f"{APPLICATION_NAME}:shard-"


class LayoutChanged(RuntimeError):
    """A shard's tracking row is gone: the view was split anew, or rebuilt, under its runner."""


TView = TypeVar("TView", bound="View")

# Applies the events after the given position (what the view already holds).
Work = Callable[[Cursor[DictRow], int], None]


class View(PostgresTrackingRecorder):
    """A materialised view of the Newsline log, owning its tables."""

    #: Tables this view owns, dropped by `newsline rebuild`.
    tables: Sequence[str] = ()
    #: The version of the rows this code derives. Raise it when a change to the
    #: projection changes what rows the same events give: the views are then
    #: rebuilt (`newsline rebuild --online`), and processes of the other
    #: version apply nothing to them (see `commit`).
    version: int = 1

    def __init__(self, datastore: PostgresDatastore, **kwargs: object) -> None:
        super().__init__(datastore, **kwargs)  # type: ignore[arg-type]
        self._position_changed = threading.Condition()
        # The positions this process knows of, by tracking name (its own commits
        # and what it last read), and the names of the view's current shards.
        self._positions: dict[str, int] = {}
        self._layout: frozenset[str] = frozenset()
        # Whose position this instance reads and moves: the view's own, a shard's or a partition's.
        self.tracking_name = APPLICATION_NAME
        # The whole view, when this instance applies one of its shards (see `for_shard`).
        self._whole: View | None = None
        self.sql_create_statements.extend(self._ddl([*self.schema_ddl(), *self._reader_index_ddl()]))
        tracking = self.table(self.tracking_table_name)
        # The version its rows are built by, then the view's position.
        self.sql_create_statements.append(versions.stamp(tracking, APPLICATION_NAME, self.version))
        self.sql_create_statements.append(
            SQL("INSERT INTO {0} VALUES ({1}, 0) ON CONFLICT DO NOTHING").format(
                tracking, Literal(APPLICATION_NAME)
            )
        )
        # The position to apply from, its row locked, and the version the view holds,
        # read in the same statement, after the lock: the switch of an online rebuild
        # changes both in one transaction, so a runner of another version never
        # applies a batch to the views it put in place.
        self._commit_statement = SQL(
            "SELECT t.notification_id, {1} AS version FROM {0} t"
            " WHERE t.application_name = %s FOR UPDATE OF t"
        ).format(tracking, versions.held(tracking))

    def schema_ddl(self) -> Sequence[str]:
        """CREATE statements for this view's tables; `{schema}` is filled in."""
        return ()

    #: Indexes only reads use, not the projection: name -> `ON {schema}.table ...`.
    #: A rebuild drops them and builds them once the rows are in, which is
    #: quicker than keeping them up to date row by row.
    reader_indexes: Mapping[str, str] = {}

    def drop_reader_indexes(self) -> None:
        with self.datastore.transaction(commit=True) as cursor:
            for name in self.reader_indexes:
                cursor.execute(SQL("DROP INDEX IF EXISTS {0}").format(self.table(name)))

    def create_reader_indexes(self) -> None:
        with self.datastore.transaction(commit=True) as cursor:
            for statement in self._ddl(self._reader_index_ddl()):
                cursor.execute(statement)

    def _reader_index_ddl(self) -> list[str]:
        return [f"CREATE INDEX IF NOT EXISTS {name} {on}" for name, on in self.reader_indexes.items()]

    def table(self, name: str) -> Identifier:
        return Identifier(self.datastore.schema, name)

    def sql(self, template: str, **tables: str) -> Composed:
        """SQL with `{name}` placeholders bound to this view's qualified tables."""
        return SQL(template).format(**{key: self.table(value) for key, value in tables.items()})

    @contextmanager
    def reading(self) -> Iterator[Cursor[DictRow]]:
        """A cursor for one read statement: the pool's connections autocommit, so a
        lone statement is its own snapshot, without BEGIN and ROLLBACK round trips."""
        with self.datastore.cursor() as cursor:
            yield cursor

    def commit(self, through: int, work: Work) -> None:
        """Apply `work` and move the position to `through` atomically.

        `work` is given the position the view already holds and must apply
        only the events after it, so every event is applied exactly once.
        """
        with self.datastore.transaction(commit=True) as cursor:
            cursor.execute(self._commit_statement, (self.tracking_name,))
            row = cursor.fetchone()
            if row is None:  # never "from 0": that would apply every event again
                raise LayoutChanged(f"{self.tracking_table_name} has no position for {self.tracking_name}")
            versions.check(self.name, row["version"], self.version)
            applied = row["notification_id"]
            if applied < through:
                work(cursor, applied)
                self._insert_tracking(cursor, Tracking(self.tracking_name, through))
        self._applied(self.tracking_name, through)
        if self._whole is not None:
            self._whole._applied(self.tracking_name, through)

    @property
    def name(self) -> str:
        """The view's name, as its tracking table says (`timeline`)."""
        return self.tracking_table_name.removesuffix("_tracking")

    def recorded_version(self) -> int | None:
        """The version of the projection the view's rows were built by; None if
        the view does not exist yet."""
        tracking = self.table(self.tracking_table_name)
        exists = "SELECT EXISTS (SELECT FROM pg_tables WHERE schemaname = %s AND tablename = %s) AS found"
        with self.reading() as cursor:
            row = cursor.execute(exists, (self.datastore.schema, self.tracking_table_name)).fetchone()
            if not row or not row["found"]:
                return None
            found = cursor.execute(versions.select(tracking)).fetchone()
        assert found is not None, "a scalar query answers one row"
        return int(found["version"])

    def _applied(self, name: str, through: int) -> None:
        with self._position_changed:
            self._positions[name] = max(self._positions.get(name, 0), through)
            self._position_changed.notify_all()

    def for_shard(self, tracking_name: str) -> View:
        """An instance of this view that applies the shard tracked as `tracking_name`;
        its commits wake this instance's waiters."""
        shard = type(self)(self.datastore, tracking_table_name=self.tracking_table_name)
        shard.tracking_name = tracking_name
        shard._whole = self
        return shard

    def position(self) -> int:
        """The position applied for every occurrence: the view's own, or that of its
        slowest shard; a shard's or a partition's instance reads its own."""
        if self.tracking_name != APPLICATION_NAME or self._whole is not None:
            return self.max_tracking_id(self.tracking_name) or 0
        return min(self.shard_positions().values())

    def position_statement(self) -> Composed:
        """`position()` as one statement any reader of the database can run (a hot
        standby's too): the slowest shard's position, or the view's own if not split."""
        return SQL(
            "SELECT coalesce(min(notification_id) FILTER (WHERE starts_with(application_name, {1})),"
            " min(notification_id) FILTER (WHERE application_name = {2}), 0) AS notification_id FROM {0}"
        ).format(self.table(self.tracking_table_name), Literal(SHARD_PREFIX), Literal(APPLICATION_NAME))

    def shard_positions(self) -> dict[str, int]:
        """The position of each shard of the view as it is split now, by tracking
        name: `{APPLICATION_NAME: position}` for a view that is not split."""
        statement = SQL("SELECT application_name, notification_id FROM {0}")
        with self.reading() as cursor:
            rows = cursor.execute(statement.format(self.table(self.tracking_table_name))).fetchall()
        found = {row["application_name"]: int(row["notification_id"]) for row in rows}
        shards = {name: position for name, position in found.items() if name.startswith(SHARD_PREFIX)}
        positions = shards or {APPLICATION_NAME: found.get(APPLICATION_NAME, 0)}
        with self._position_changed:
            self._layout = frozenset(positions)
            for name, position in positions.items():
                self._positions[name] = max(self._positions.get(name, 0), position)
        return positions

    def track_as(self, name: str) -> None:
        """Read and move the position tracked as `name` (a partition's) from now on."""
        with self.datastore.transaction(commit=True) as cursor:
            cursor.execute(
                SQL("INSERT INTO {0} VALUES (%s, 0) ON CONFLICT DO NOTHING").format(
                    self.table(self.tracking_table_name)
                ),
                (name,),
            )
        self.tracking_name = name
        with self._position_changed:
            self._positions.clear()

    def positions(self, prefix: str) -> list[int]:
        """The positions tracked under names starting with `prefix` (the partitions')."""
        statement = SQL("SELECT notification_id FROM {0} WHERE starts_with(application_name, %s)")
        with self.reading() as cursor:
            rows = cursor.execute(
                statement.format(self.table(self.tracking_table_name)), (prefix,)
            ).fetchall()
        return [int(row["notification_id"]) for row in rows]

    def join_positions(self, prefix: str, through: int) -> None:
        """Record that the view holds every event up to `through`, the partitions'
        positions (names starting with `prefix`) merged into its own, atomically."""
        tracking = self.table(self.tracking_table_name)
        with self.datastore.transaction(commit=True) as cursor:
            cursor.execute(
                SQL("DELETE FROM {0} WHERE starts_with(application_name, %s)").format(tracking), (prefix,)
            )
            cursor.execute(
                SQL("UPDATE {0} SET notification_id = %s WHERE application_name = %s").format(tracking),
                (through, APPLICATION_NAME),
            )
        self._applied(APPLICATION_NAME, through)

    def wait_for(self, position: int, timeout: float, *, applied_here: bool = False) -> bool:
        """Block until every shard of this view has applied `position`; False on timeout.

        Commits made in this process wake the waiter at once. With
        `applied_here` (this process runs every shard of the view), the
        tracking table is read once, for what was applied before this
        process started, and then only seldom; otherwise commits made by
        other processes are seen by polling it, quickly at first.
        """
        deadline = time.monotonic() + timeout
        poll = 0.25 if applied_here else 0.005

        def applied() -> bool:
            layout = self._layout
            return bool(layout) and all(self._positions.get(name, 0) >= position for name in layout)

        with self._position_changed:
            if applied():
                return True
        while True:
            self.shard_positions()  # what other processes applied, and how the view is split now
            remaining = deadline - time.monotonic()
            with self._position_changed:
                if applied():
                    return True
                if remaining <= 0:
                    return False
                if self._position_changed.wait_for(applied, min(poll, remaining)):
                    return True
            if not applied_here:
                poll = min(poll * 2, 0.1)

    def vacuum(self) -> None:
        """Refresh planner statistics and merge GIN pending lists (after a rebuild).

        Without it the planner misjudges freshly loaded tables until autovacuum
        gets to them, and rows added to a GIN index after it was built wait in
        its pending list, which reads scan several times slower.
        """
        with self.datastore.get_connection() as connection:
            for name in self.tables:
                connection.execute(SQL("VACUUM ANALYZE {0}").format(self.table(name)))

    def drop_tables(self) -> None:
        """Remove this view's rows and reset its position to 0 (for a rebuild).

        The tracking table itself stays: the library keeps a migration marker
        in it, and a tracking table recreated without one is "migrated" (renamed
        aside) at the next start, which fails the second time.
        """
        with self.datastore.transaction(commit=True) as cursor:
            for name in self.tables:
                cursor.execute(SQL("DROP TABLE IF EXISTS {0} CASCADE").format(self.table(name)))
            cursor.execute(
                SQL("UPDATE {0} SET notification_id = 0 WHERE application_name = {1}").format(
                    self.table(self.tracking_table_name), Literal(APPLICATION_NAME)
                )
            )
            # Partitions of a rebuild that never finished, and shards (the view is whole
            # again); the rows to come are this code's version.
            cursor.execute(
                SQL("DELETE FROM {0} WHERE starts_with(application_name, {1})").format(
                    self.table(self.tracking_table_name), Literal(f"{APPLICATION_NAME}:")
                )
            )
            cursor.execute(versions.record(self.table(self.tracking_table_name), self.version))
        with self._position_changed:
            self._positions.clear()
            self._layout = frozenset()

    def _ddl(self, statements: Sequence[str]) -> list[Composed]:
        schema: Composable = Identifier(self.datastore.schema)
        return [SQL(statement).format(schema=schema) for statement in statements]


@dataclass(frozen=True)
class Logged:
    """An event with its position in the log."""

    position: int
    event: DomainEventProtocol[UUID]


def projected_view(projection: Projection[Any]) -> View:
    """The view a projection writes (a Newsline projection always writes a `View`)."""
    view = projection.view
    assert isinstance(view, View)
    return view


class BatchProjection(Projection[TView]):
    """A projection that applies events a batch (one transaction) at a time."""

    #: Topics of the events this projection reads; the others only move its position.
    topics: tuple[str, ...] = ()

    @abstractmethod
    def process_batch(self, events: Sequence[Logged], through: int) -> None:
        """Apply `events` (positions ascending) and record position `through`."""

    def process_notifications(
        self, notifications: Sequence[Notification], through: int, mapper: Mapper[Any]
    ) -> None:
        """Apply stored events as read from the log: by default decoded into the
        library's event objects; a view may read their stored state itself."""
        events = [Logged(n.id, mapper.to_domain_event(n)) for n in notifications]
        self.process_batch(events, through)

    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        """One event is a batch of one (the library's single-event entry point)."""
        logged = Logged(tracking.notification_id, domain_event)
        self.process_batch([logged], tracking.notification_id)
