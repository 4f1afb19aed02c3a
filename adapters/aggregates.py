"""Loading many aggregates from the event store in one query (bulk import).

The library's repository reads one aggregate per query; an import batch
needs a thousand at once.
"""

from __future__ import annotations

from collections.abc import Collection
from itertools import groupby
from uuid import UUID

from eventsourcing.application import Application, project_aggregate
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder
from psycopg.sql import SQL, Identifier


def load_aggregates(app: Application[UUID], ids: Collection[UUID]) -> dict[UUID, Aggregate | None]:
    """The current state of each aggregate, or None for the ids that have none."""
    found: dict[UUID, Aggregate | None] = dict.fromkeys(ids)
    if not ids:
        return found
    recorder = app.recorder
    assert isinstance(recorder, PostgresApplicationRecorder)
    statement = SQL(
        "SELECT originator_id, originator_version, topic, state FROM {0}.{1}"
        " WHERE originator_id = ANY(%s) ORDER BY originator_id, originator_version"
    ).format(Identifier(recorder.datastore.schema), Identifier(recorder.events_table_name))
    with recorder.datastore.transaction(commit=False) as cursor:
        rows = cursor.execute(statement, (list(ids),)).fetchall()
    for originator_id, group in groupby(rows, key=lambda row: row["originator_id"]):
        events = [
            app.mapper.to_domain_event(
                StoredEvent(originator_id, row["originator_version"], row["topic"], bytes(row["state"]))
            )
            for row in group
        ]
        aggregate = project_aggregate(None, events)
        assert isinstance(aggregate, Aggregate)
        found[originator_id] = aggregate
    return found
