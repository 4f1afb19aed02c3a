"""What every Newsline view shares: exactly-once commits and a quick wait.

A view writes its rows and its tracking position in one transaction. The
transaction first locks the view's tracking row, so that two runners of the
same view (a server and a worker started by mistake, say) take turns and the
second one skips what the first already applied, instead of failing.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence

from eventsourcing.persistence import Tracking
from eventsourcing.postgres import PostgresDatastore, PostgresTrackingRecorder
from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.sql import SQL, Composable, Composed, Identifier, Literal

# The application whose log every view follows (NewslineApplication.name).
APPLICATION_NAME = "newsline"

Work = Callable[[Cursor[DictRow]], None]


class View(PostgresTrackingRecorder):
    """A materialised view of the Newsline log, owning its tables."""

    #: Tables this view owns, dropped by `newsline rebuild`.
    tables: Sequence[str] = ()

    def __init__(self, datastore: PostgresDatastore, **kwargs: object) -> None:
        super().__init__(datastore, **kwargs)  # type: ignore[arg-type]
        self._position_changed = threading.Condition()
        self._position = 0
        self.sql_create_statements.extend(self._ddl(self.schema_ddl()))
        self.sql_create_statements.append(
            SQL("INSERT INTO {0}.{1} VALUES ({2}, 0) ON CONFLICT DO NOTHING").format(
                Identifier(self.datastore.schema),
                Identifier(self.tracking_table_name),
                Literal(APPLICATION_NAME),
            )
        )

    def schema_ddl(self) -> Sequence[str]:
        """CREATE statements for this view's tables; `{schema}` is filled in."""
        return ()

    def table(self, name: str) -> Identifier:
        return Identifier(self.datastore.schema, name)

    def sql(self, template: str, **tables: str) -> Composed:
        """SQL with `{name}` placeholders bound to this view's qualified tables."""
        return SQL(template).format(**{key: self.table(value) for key, value in tables.items()})

    def commit(self, tracking: Tracking, work: Work) -> None:
        """Apply `work` and record `tracking` atomically, once per position."""
        with self.datastore.transaction(commit=True) as cursor:
            cursor.execute(
                SQL("SELECT notification_id FROM {0}.{1} WHERE application_name = %s FOR UPDATE").format(
                    Identifier(self.datastore.schema), Identifier(self.tracking_table_name)
                ),
                (tracking.application_name,),
            )
            row = cursor.fetchone()
            if row is None or row["notification_id"] < tracking.notification_id:
                work(cursor)
                self._insert_tracking(cursor, tracking)
        with self._position_changed:
            self._position = max(self._position, tracking.notification_id)
            self._position_changed.notify_all()

    def position(self) -> int:
        return self.max_tracking_id(APPLICATION_NAME) or 0

    def wait_for(self, position: int, timeout: float) -> bool:
        """Block until this view has applied `position`; False on timeout.

        Commits made in this process wake the waiter at once; commits made by
        a worker process are seen by polling the tracking table.
        """
        deadline = time.monotonic() + timeout
        poll = 0.005
        while True:
            with self._position_changed:
                if self._position >= position:
                    return True
            if self.position() >= position:
                return True
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            with self._position_changed:
                self._position_changed.wait(min(poll, remaining))
            poll = min(poll * 2, 0.1)

    def drop_tables(self) -> None:
        """Remove this view's rows and its tracking position (for a rebuild)."""
        with self.datastore.transaction(commit=True) as cursor:
            for name in self.tables:
                cursor.execute(SQL("DROP TABLE IF EXISTS {0} CASCADE").format(self.table(name)))
            cursor.execute(SQL("DROP TABLE IF EXISTS {0}").format(self.table(self.tracking_table_name)))
        with self._position_changed:
            self._position = 0

    def _ddl(self, statements: Sequence[str]) -> list[Composed]:
        schema: Composable = Identifier(self.datastore.schema)
        return [SQL(statement).format(schema=schema) for statement in statements]
