"""The bitemporal timeline view: every occurrence's states in report and record time.

Tables:
- `timeline_revisions`: each revision as recorded (the input of re-derivation);
- `timeline_states`: one row per fold state, valid over a report-time interval
  [reported_from, reported_to) and a record-time interval [recorded_from,
  recorded_to); open ends are 'infinity';
- `timeline_edges`: the relations each non-retracted state holds, over the
  same intervals, for deriving `status` as of the same point in time;
- `timeline_entities`: every actor and place ever named.

A new revision re-derives its occurrence's states from just before its place
in the fold order (usually the last two) and closes the rows it supersedes in
record time; nothing is deleted, so every as-of read is one indexed query.

A state's `view` and `history` are `json`, not `jsonb`: they are only ever
read whole, and `json` keeps the text as written, which PostgreSQL neither
parses into a tree on write nor prints again on every read. (Tables made
before hold `jsonb`; both read and write the same.)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import orjson
from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.types.json import Jsonb

from domain.fold import Revision, fold_order
from domain.occurrence import Occurrence
from domain.values import entity_id
from projections.base import BatchProjection, Logged
from projections.timeline_queries import TimelineReads
from projections.timeline_rows import StateRow, derive_rows, first_changed

_DDL = (
    """CREATE TABLE IF NOT EXISTS {schema}.timeline_revisions (
        occurrence_id uuid NOT NULL,
        version integer NOT NULL,
        type text NOT NULL,
        reported_at timestamptz NOT NULL,
        recorded_at timestamptz NOT NULL,
        position bigint NOT NULL,
        by_principal text NOT NULL,
        reason text,
        source jsonb,
        body jsonb NOT NULL,
        PRIMARY KEY (occurrence_id, version))""",
    """CREATE TABLE IF NOT EXISTS {schema}.timeline_states (
        occurrence_id uuid NOT NULL,
        fold_index integer NOT NULL,
        recorded_from timestamptz NOT NULL,
        recorded_to timestamptz NOT NULL DEFAULT 'infinity',
        reported_from timestamptz NOT NULL,
        reported_to timestamptz NOT NULL,
        version integer NOT NULL,
        retracted boolean NOT NULL,
        kind text NOT NULL,
        occurred_start timestamptz NOT NULL,
        occurred_end timestamptz NOT NULL,
        first_reported_at timestamptz NOT NULL,
        stories text[] NOT NULL,
        actor_ids text[] NOT NULL,
        place_ids text[] NOT NULL,
        search tsvector NOT NULL,
        view json NOT NULL,
        history json NOT NULL,
        PRIMARY KEY (occurrence_id, recorded_from, fold_index))""",
    """CREATE TABLE IF NOT EXISTS {schema}.timeline_edges (
        source_id uuid NOT NULL,
        target_id uuid NOT NULL,
        type text NOT NULL,
        recorded_from timestamptz NOT NULL,
        recorded_to timestamptz NOT NULL DEFAULT 'infinity',
        reported_from timestamptz NOT NULL,
        reported_to timestamptz NOT NULL)""",
    """CREATE INDEX IF NOT EXISTS timeline_edges_source ON {schema}.timeline_edges
        (source_id) WHERE recorded_to = 'infinity'""",
    """CREATE TABLE IF NOT EXISTS {schema}.timeline_entities (
        id text PRIMARY KEY,
        name text NOT NULL,
        is_actor boolean NOT NULL,
        is_place boolean NOT NULL)""",
)

# Indexes only the reads use (closing superseded rows uses the primary keys and
# timeline_edges_source, which stay).
_READER_INDEXES = {
    "timeline_states_current": "ON {schema}.timeline_states"
    " (occurred_start, first_reported_at, occurrence_id)"
    " WHERE recorded_to = 'infinity' AND reported_to = 'infinity'",
    "timeline_states_order": "ON {schema}.timeline_states (occurred_start, first_reported_at, occurrence_id)",
    "timeline_states_stories": "ON {schema}.timeline_states USING gin (stories)",
    "timeline_states_entities": "ON {schema}.timeline_states USING gin ((actor_ids || place_ids))",
    "timeline_states_search": "ON {schema}.timeline_states USING gin (search)",
    "timeline_edges_target": "ON {schema}.timeline_edges (target_id, type)",
}


class TimelineView(TimelineReads):
    tables = ("timeline_revisions", "timeline_states", "timeline_edges", "timeline_entities")
    reader_indexes = _READER_INDEXES

    def schema_ddl(self) -> Sequence[str]:
        return _DDL

    def record_revisions(self, revisions: Sequence[PositionedRevision], through: int) -> None:
        """Apply revisions (positions ascending) and move the position to `through`."""
        self.commit(through, lambda cursor, applied: self._record(cursor, revisions, applied))

    def _record(self, cursor: Cursor[DictRow], revisions: Sequence[PositionedRevision], applied: int) -> None:
        by_occurrence: dict[UUID, list[PositionedRevision]] = {}
        for item in revisions:
            if item.position > applied:
                by_occurrence.setdefault(item.occurrence_id, []).append(item)
        if not by_occurrence:
            return
        earlier = self._revisions(cursor, list(by_occurrence))
        batch = _Batch()
        for occurrence_id, new in by_occurrence.items():
            batch.add(occurrence_id, earlier.get(occurrence_id, []), new)
        self._close(cursor, batch)
        self._copy(cursor, "timeline_revisions", _REVISION_COLUMNS, batch.revisions)
        states, edges = batch.rows()
        self._insert_states(cursor, states)
        self._copy(cursor, "timeline_edges", _EDGE_COLUMNS, edges)
        self._insert_entities(cursor, batch.entities)

    def _revisions(self, cursor: Cursor[DictRow], occurrence_ids: list[UUID]) -> dict[UUID, list[Revision]]:
        cursor.execute(
            self.sql(
                "SELECT occurrence_id, version, type, reported_at, recorded_at, by_principal, reason,"
                " source, body FROM {revisions} WHERE occurrence_id = ANY(%s)"
                " ORDER BY occurrence_id, version",
                revisions="timeline_revisions",
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

    def _close(self, cursor: Cursor[DictRow], batch: _Batch) -> None:
        """End, in record time, the stored rows a batch supersedes."""
        if batch.closing_states:
            cursor.execute(
                self.sql(
                    "UPDATE {states} t SET recorded_to = c.moment"
                    " FROM unnest(%s::uuid[], %s::integer[], %s::timestamptz[]) AS c(id, fold_index, moment)"
                    " WHERE t.occurrence_id = c.id AND t.fold_index = c.fold_index"
                    " AND t.recorded_to = 'infinity'",
                    states="timeline_states",
                ),
                [list(column) for column in zip(*batch.closing_states, strict=True)],
            )
        if batch.closing_edges:
            # A state's edges start where its report-time interval does.
            keys, moments = list(batch.closing_edges), list(batch.closing_edges.values())
            cursor.execute(
                self.sql(
                    "UPDATE {edges} t SET recorded_to = c.moment"
                    " FROM unnest(%s::uuid[], %s::timestamptz[], %s::timestamptz[])"
                    " AS c(id, reported, moment)"
                    " WHERE t.source_id = c.id AND t.reported_from = c.reported"
                    " AND t.recorded_to = 'infinity'",
                    edges="timeline_edges",
                ),
                ([k[0] for k in keys], [k[1] for k in keys], moments),
            )

    def _copy(self, cursor: Cursor[DictRow], table: str, columns: str, rows: list[tuple[Any, ...]]) -> None:
        if rows:
            with cursor.copy(self.sql(f"COPY {{table}} ({columns}) FROM STDIN", table=table)) as copy:
                for row in rows:
                    copy.write_row(row)

    def _insert_states(self, cursor: Cursor[DictRow], states: list[tuple[Any, ...]]) -> None:
        # Through a staging table: COPY cannot compute the search vector.
        if not states:
            return
        cursor.execute(
            self.sql(
                "CREATE TEMP TABLE IF NOT EXISTS timeline_states_staging ON COMMIT DELETE ROWS"
                " AS SELECT *, NULL::text AS search_text FROM {states} WITH NO DATA",
                states="timeline_states",
            )
        )
        staged = _STATE_COLUMNS.replace("search,", "search_text,")
        computed = _STATE_COLUMNS.replace("search,", "to_tsvector('english', search_text),")
        with cursor.copy(f"COPY timeline_states_staging ({staged}) FROM STDIN") as copy:
            for row in states:
                copy.write_row(row)
        cursor.execute(
            self.sql(
                f"INSERT INTO {{states}} ({_STATE_COLUMNS}) SELECT {computed} FROM timeline_states_staging",
                states="timeline_states",
            )
        )

    def _insert_entities(self, cursor: Cursor[DictRow], entities: dict[str, list[Any]]) -> None:
        if not entities:
            return
        cursor.execute(
            self.sql(
                "INSERT INTO {entities} SELECT * FROM unnest(%s::text[], %s::text[], %s::bool[], %s::bool[])"
                " ON CONFLICT (id) DO UPDATE SET"
                " is_actor = {entities}.is_actor OR excluded.is_actor,"
                " is_place = {entities}.is_place OR excluded.is_place",
                entities="timeline_entities",
            ),
            (
                list(entities),
                [e[0] for e in entities.values()],
                [e[1] for e in entities.values()],
                [e[2] for e in entities.values()],
            ),
        )


@dataclass(frozen=True)
class PositionedRevision:
    position: int
    occurrence_id: UUID
    revision: Revision


_REVISION_COLUMNS = (
    "occurrence_id, version, type, reported_at, recorded_at, position, by_principal, reason, source, body"
)
_STATE_COLUMNS = (
    "occurrence_id, fold_index, recorded_from, recorded_to, reported_from, reported_to, version,"
    " retracted, kind, occurred_start, occurred_end, first_reported_at, stories, actor_ids, place_ids,"
    " search, view, history"
)
_EDGE_COLUMNS = "source_id, target_id, type, recorded_from, recorded_to, reported_from, reported_to"


def _json(value: Any) -> Jsonb:
    # orjson encodes the view rows several times faster than the standard library.
    # Sorted keys: a `json` column keeps the text as written, and a state's
    # dicts come in different key orders depending on whether its revisions
    # were read back from the view or came with the batch.
    return Jsonb(value, dumps=_sorted_dumps)


def _sorted_dumps(value: Any) -> bytes:
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)


# Open ends, written as PostgreSQL's own 'infinity' (COPY's text format).
_INFINITY = "infinity"


@dataclass
class _Made:
    """A state row a batch derived, open in record time until a later revision changes it."""

    occurrence_id: UUID
    row: StateRow
    since: datetime
    until: datetime | str = _INFINITY


class _Batch:
    """The rows a batch of revisions adds, the same whatever the batch boundaries.

    Each revision derives its occurrence's states from just before its place
    in the fold order (`first_changed`); those states, stored or made earlier
    in the batch, end in record time at that revision, exactly as if the
    revisions had been applied one by one. The states before stay open.
    """

    def __init__(self) -> None:
        self.closing_states: list[tuple[UUID, int, datetime]] = []
        self.closing_edges: dict[tuple[UUID, datetime], datetime] = {}
        self.revisions: list[tuple[Any, ...]] = []
        self.made: list[_Made] = []
        self.entities: dict[str, list[Any]] = {}

    def add(self, occurrence_id: UUID, earlier: list[Revision], new: list[PositionedRevision]) -> None:
        known = list(earlier)
        stored = fold_order(earlier)
        # The row open at each fold position: None for a stored one (one per revision).
        open_rows: dict[int, _Made | None] = dict.fromkeys(range(len(stored)))
        for item in new:
            revision = _after_previous(known, item.revision)
            self.revisions.append(_revision_row(occurrence_id, revision, item.position))
            start = first_changed(known, revision)
            known.append(revision)
            moment = _recorded(revision)
            for index in sorted(index for index in open_rows if index >= start):
                made = open_rows.pop(index)
                if made is not None:
                    made.until = moment
                    continue
                self.closing_states.append((occurrence_id, index, moment))
                # The first closing of a report time wins: that is the state holding its edges.
                self.closing_edges.setdefault((occurrence_id, stored[index].reported_at), moment)
            rows = derive_rows(occurrence_id, known, start)
            for row in rows:
                open_rows[row.fold_index] = made = _Made(occurrence_id, row, moment)
                self.made.append(made)
            self._add_entities(rows[-1].view)

    def rows(self) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
        """The state rows and edge rows to insert."""
        states: list[tuple[Any, ...]] = []
        edges: list[tuple[Any, ...]] = []
        for made in self.made:
            row, since, until = made.row, made.since, made.until
            reported_to: datetime | str = row.reported_to or _INFINITY
            states.append(
                (
                    made.occurrence_id,
                    row.fold_index,
                    since,
                    until,
                    row.reported_from,
                    reported_to,
                    row.version,
                    row.retracted,
                    row.kind,
                    row.occurred_start,
                    row.occurred_end,
                    row.first_reported_at,
                    row.stories,
                    row.actor_ids,
                    row.place_ids,
                    row.search_text,
                    _json(row.view),
                    _json(row.history),
                )
            )
            if row.reported_to is None or row.reported_from < row.reported_to:
                for relation in row.relations:
                    target, kind = UUID(relation["target"]), relation["type"]
                    edge = (made.occurrence_id, target, kind, since, until, row.reported_from, reported_to)
                    edges.append(edge)
        return states, edges

    def _add_entities(self, view: dict[str, Any]) -> None:
        names = [(actor["name"], True, False) for actor in view["actors"]]
        names += [(place, False, True) for place in view["places"]]
        for name, is_actor, is_place in names:
            key = entity_id(name)
            entity = self.entities.setdefault(key, [name, False, False])
            entity[1] = entity[1] or is_actor
            entity[2] = entity[2] or is_place


def _recorded(revision: Revision) -> datetime:
    assert revision.recorded_at is not None
    return revision.recorded_at


def _revision_row(occurrence_id: UUID, revision: Revision, position: int) -> tuple[Any, ...]:
    return (
        occurrence_id,
        revision.version,
        revision.type,
        revision.reported_at,
        revision.recorded_at,
        position,
        revision.by,
        revision.reason,
        _json(revision.source) if revision.source is not None else None,
        _json(revision.body),
    )


def _after_previous(earlier: list[Revision], revision: Revision) -> Revision:
    """Record time is the writer's clock; keep it increasing within an occurrence.

    Two writers whose clocks disagree could otherwise give a revision a
    record time before its predecessor's, and an empty record interval.
    """
    latest = max((r.recorded_at for r in earlier if r.recorded_at is not None), default=None)
    if latest is not None and revision.recorded_at is not None and revision.recorded_at <= latest:
        return replace(revision, recorded_at=latest + timedelta(microseconds=1))
    return revision


class TimelineProjection(BatchProjection[TimelineView]):
    name = "timeline"
    topics = tuple(
        event.TOPIC
        for event in (Occurrence.Reported, Occurrence.Amended, Occurrence.Linked, Occurrence.Retracted)
    )

    def process_batch(self, events: Sequence[Logged], through: int) -> None:
        revisions = [
            PositionedRevision(logged.position, event.originator_id, Occurrence.revision_of(event))
            for logged in events
            if isinstance(event := logged.event, Occurrence.Event)
        ]
        self.view.record_revisions(revisions, through)
