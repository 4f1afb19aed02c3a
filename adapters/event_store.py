"""The event store: the library's PostgreSQL recorder, with COPY for large saves.

The library inserts a save's events as one array parameter, which psycopg
encodes in Python; for a bulk import's thousand-event saves that encoding
costs more than the database's work. Large saves use binary COPY instead,
under the same table lock (so events still commit in position order) and
the same NOTIFY. Rows take their positions from the table's sequence one by
one in COPY order, and the lock keeps anyone else from drawing from it, so
the positions of a save are the last one drawn and those before it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder
from psycopg.sql import SQL, Identifier, Literal

# Below this many events the library's single INSERT is as fast.
COPY_THRESHOLD = 100


class EventStore(PostgresApplicationRecorder):
    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        if len(stored_events) < COPY_THRESHOLD:
            ids: Sequence[int] | None = super().insert_events(stored_events, **kwargs)
            return ids
        table = SQL("{0}.{1}").format(Identifier(self.datastore.schema), Identifier(self.events_table_name))
        qualified = f'"{self.datastore.schema}"."{self.events_table_name}"'
        with self.datastore.transaction(commit=True) as cursor:
            self._lock_table(cursor)
            self._notify_channel(cursor)
            statement = SQL(
                "COPY {0} (originator_id, originator_version, topic, state) FROM STDIN (FORMAT BINARY)"
            ).format(table)
            with cursor.copy(statement) as copy:
                copy.set_types(["uuid", "int8", "text", "bytea"])
                for event in stored_events:
                    copy.write_row((event.originator_id, event.originator_version, event.topic, event.state))
            row = cursor.execute(
                SQL("SELECT currval(pg_get_serial_sequence({0}, 'notification_id')) AS last").format(
                    Literal(qualified)
                )
            ).fetchone()
        assert row is not None
        last = int(row["last"])
        return list(range(last - len(stored_events) + 1, last + 1))
