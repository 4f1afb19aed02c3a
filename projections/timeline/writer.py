"""The timeline view's writes: a batch of revisions in one transaction, with the position."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from psycopg import Cursor
from psycopg.rows import DictRow

from domain.fold import Revision
from projections.base import View
from projections.timeline.batch import Batch, PositionedRevision
from projections.timeline.schema import (
    EDGE_COLUMNS,
    EDGES,
    ENTITIES,
    REVISION_COLUMNS,
    REVISIONS,
    STATE_COLUMNS,
    STATES,
    STATES_STAGING,
)


class TimelineWriter:
    """The writes of a timeline view: each batch of revisions in one transaction."""

    def __init__(self, tables: View) -> None:
        self._tables = tables
        self._held_entities: dict[str, list[Any]] | None = None

    def hold_entities(self) -> None:
        """Keep the actors and places named from now on in memory, for `write_held_entities`.

        Processes building partitions of the view at once name the same
        entities; writing them batch by batch, each would wait for the
        other's transaction to end before upserting a row it holds.
        """
        self._held_entities = {}

    def write_held_entities(self) -> None:
        held, self._held_entities = self._held_entities or {}, None
        with self._tables.datastore.transaction(commit=True) as cursor:
            self._insert_entities(cursor, held)

    def record_revisions(self, revisions: Sequence[PositionedRevision], through: int) -> None:
        """Apply revisions (positions ascending) and move the position to `through`."""
        self._tables.commit(through, lambda cursor, applied: self._record(cursor, revisions, applied))

    def _record(self, cursor: Cursor[DictRow], revisions: Sequence[PositionedRevision], applied: int) -> None:
        by_occurrence: dict[UUID, list[PositionedRevision]] = {}
        for item in revisions:
            if item.position > applied:
                by_occurrence.setdefault(item.occurrence_id, []).append(item)
        if not by_occurrence:
            return
        earlier = self._revisions(cursor, list(by_occurrence))
        batch = Batch()
        for occurrence_id, new in by_occurrence.items():
            batch.add(occurrence_id, earlier.get(occurrence_id, []), new)
        self._close(cursor, batch)
        self._copy(cursor, REVISIONS, REVISION_COLUMNS, batch.revisions)
        states, edges = batch.rows()
        self._insert_states(cursor, states)
        self._copy(cursor, EDGES, EDGE_COLUMNS, edges)
        self._insert_entities(cursor, batch.entities)

    def _revisions(self, cursor: Cursor[DictRow], occurrence_ids: list[UUID]) -> dict[UUID, list[Revision]]:
        cursor.execute(
            self._tables.sql(
                "SELECT occurrence_id, version, type, reported_at, recorded_at, by_principal, reason,"
                " source, body FROM {revisions} WHERE occurrence_id = ANY(%s)"
                " ORDER BY occurrence_id, version",
                revisions=REVISIONS,
            ),
            (occurrence_ids,),
        )
        found: dict[UUID, list[Revision]] = {}
        for row in cursor.fetchall():
            found.setdefault(row["occurrence_id"], []).append(
                Revision(
                    version=row["version"],
                    type=row["type"],
                    reported_at=row["reported_at"],
                    recorded_at=row["recorded_at"],
                    by=row["by_principal"],
                    body=row["body"],
                    reason=row["reason"],
                    source=row["source"],
                )
            )
        return found

    def _close(self, cursor: Cursor[DictRow], batch: Batch) -> None:
        """End, in record time, the stored rows a batch supersedes."""
        if batch.closing_states:
            cursor.execute(
                self._tables.sql(
                    "UPDATE {states} t SET recorded_to = c.moment"
                    " FROM unnest(%s::uuid[], %s::integer[], %s::timestamptz[]) AS c(id, fold_index, moment)"
                    " WHERE t.occurrence_id = c.id AND t.fold_index = c.fold_index"
                    " AND t.recorded_to = 'infinity'",
                    states=STATES,
                ),
                [list(column) for column in zip(*batch.closing_states, strict=True)],
            )
        if batch.closing_edges:
            # A state's edges start where its report-time interval does.
            keys, moments = list(batch.closing_edges), list(batch.closing_edges.values())
            cursor.execute(
                self._tables.sql(
                    "UPDATE {edges} t SET recorded_to = c.moment"
                    " FROM unnest(%s::uuid[], %s::timestamptz[], %s::timestamptz[])"
                    " AS c(id, reported, moment)"
                    " WHERE t.source_id = c.id AND t.reported_from = c.reported"
                    " AND t.recorded_to = 'infinity'",
                    edges=EDGES,
                ),
                ([k[0] for k in keys], [k[1] for k in keys], moments),
            )

    def _copy(self, cursor: Cursor[DictRow], table: str, columns: str, rows: list[tuple[Any, ...]]) -> None:
        if rows:
            with cursor.copy(self._tables.sql(f"COPY {{table}} ({columns}) FROM STDIN", table=table)) as copy:
                for row in rows:
                    copy.write_row(row)

    def _insert_states(self, cursor: Cursor[DictRow], states: list[tuple[Any, ...]]) -> None:
        # Through a staging table: COPY cannot compute the search vector.
        if not states:
            return
        cursor.execute(
            self._tables.sql(
                f"CREATE TEMP TABLE IF NOT EXISTS {STATES_STAGING} ON COMMIT DELETE ROWS"
                " AS SELECT *, NULL::text AS search_text FROM {states} WITH NO DATA",
                states=STATES,
            )
        )
        staged = STATE_COLUMNS.replace("search,", "search_text,")
        computed = STATE_COLUMNS.replace("search,", "to_tsvector('english', search_text),")
        with cursor.copy(f"COPY {STATES_STAGING} ({staged}) FROM STDIN") as copy:
            for row in states:
                copy.write_row(row)
        cursor.execute(
            self._tables.sql(
                f"INSERT INTO {{states}} ({STATE_COLUMNS}) SELECT {computed} FROM {STATES_STAGING}",
                states=STATES,
            )
        )

    def _insert_entities(self, cursor: Cursor[DictRow], entities: dict[str, list[Any]]) -> None:
        if self._held_entities is not None:
            for key, (name, is_actor, is_place) in entities.items():
                entity = self._held_entities.setdefault(key, [name, False, False])
                entity[1], entity[2] = entity[1] or is_actor, entity[2] or is_place
            return
        if not entities:
            return
        # In key order: processes building partitions of the view at once then
        # take the rows' locks in the same order, and never deadlock.
        entities = dict(sorted(entities.items()))
        cursor.execute(
            self._tables.sql(
                "INSERT INTO {entities} SELECT * FROM unnest(%s::text[], %s::text[], %s::bool[], %s::bool[])"
                " ON CONFLICT (id) DO UPDATE SET"
                " is_actor = {entities}.is_actor OR excluded.is_actor,"
                " is_place = {entities}.is_place OR excluded.is_place",
                entities=ENTITIES,
            ),
            (
                list(entities),
                [e[0] for e in entities.values()],
                [e[1] for e in entities.values()],
                [e[2] for e in entities.values()],
            ),
        )
