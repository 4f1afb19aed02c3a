"""The bitemporal timeline view: every occurrence's states in report and record time.

Tables:
- `timeline_revisions`: each revision as recorded (the input of re-derivation);
- `timeline_states`: one row per fold state, valid over a report-time interval
  [reported_from, reported_to) and a record-time interval [recorded_from,
  recorded_to); open ends are 'infinity';
- `timeline_edges`: the relations each non-retracted state holds, over the
  same intervals, for deriving `status` as of the same point in time;
- `timeline_entities`: every actor and place ever named.

A new revision re-derives its occurrence's states (an occurrence has few
revisions) and closes the superseded rows in record time; nothing is deleted,
so every as-of read is one indexed query.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from eventsourcing.dispatch import singledispatchmethod
from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import Tracking
from eventsourcing.projection import Projection
from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.types.json import Jsonb

from domain.fold import Revision
from domain.occurrence import Occurrence
from domain.values import entity_id
from projections.timeline_queries import TimelineReads
from projections.timeline_rows import StateRow, derive_rows

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
        view jsonb NOT NULL,
        history jsonb NOT NULL,
        PRIMARY KEY (occurrence_id, recorded_from, fold_index))""",
    """CREATE INDEX IF NOT EXISTS timeline_states_current ON {schema}.timeline_states
        (occurred_start, first_reported_at, occurrence_id)
        WHERE recorded_to = 'infinity' AND reported_to = 'infinity'""",
    """CREATE INDEX IF NOT EXISTS timeline_states_order ON {schema}.timeline_states
        (occurred_start, first_reported_at, occurrence_id)""",
    """CREATE INDEX IF NOT EXISTS timeline_states_stories ON {schema}.timeline_states
        USING gin (stories)""",
    """CREATE INDEX IF NOT EXISTS timeline_states_entities ON {schema}.timeline_states
        USING gin ((actor_ids || place_ids))""",
    """CREATE INDEX IF NOT EXISTS timeline_states_search ON {schema}.timeline_states
        USING gin (search)""",
    """CREATE TABLE IF NOT EXISTS {schema}.timeline_edges (
        source_id uuid NOT NULL,
        target_id uuid NOT NULL,
        type text NOT NULL,
        recorded_from timestamptz NOT NULL,
        recorded_to timestamptz NOT NULL DEFAULT 'infinity',
        reported_from timestamptz NOT NULL,
        reported_to timestamptz NOT NULL)""",
    """CREATE INDEX IF NOT EXISTS timeline_edges_target ON {schema}.timeline_edges
        (target_id, type)""",
    """CREATE INDEX IF NOT EXISTS timeline_edges_source ON {schema}.timeline_edges
        (source_id) WHERE recorded_to = 'infinity'""",
    """CREATE TABLE IF NOT EXISTS {schema}.timeline_entities (
        id text PRIMARY KEY,
        name text NOT NULL,
        is_actor boolean NOT NULL,
        is_place boolean NOT NULL)""",
)


class TimelineView(TimelineReads):
    tables = ("timeline_revisions", "timeline_states", "timeline_edges", "timeline_entities")

    def schema_ddl(self) -> Sequence[str]:
        return _DDL

    def record_revision(
        self, occurrence_id: UUID, revision: Revision, position: int, tracking: Tracking
    ) -> None:
        self.commit(tracking, lambda cursor: self._record(cursor, occurrence_id, revision, position))

    def _record(
        self, cursor: Cursor[DictRow], occurrence_id: UUID, revision: Revision, position: int
    ) -> None:
        earlier = self._revisions(cursor, occurrence_id)
        revision = _after_previous(earlier, revision)
        cursor.execute(
            self.sql(
                "INSERT INTO {revisions} VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                revisions="timeline_revisions",
            ),
            (
                occurrence_id,
                revision.version,
                revision.type,
                revision.reported_at,
                revision.recorded_at,
                position,
                revision.by,
                revision.reason,
                Jsonb(revision.source) if revision.source is not None else None,
                Jsonb(revision.body),
            ),
        )
        recorded_at = revision.recorded_at
        assert recorded_at is not None
        rows = derive_rows(occurrence_id, [*earlier, revision])
        for table, column in (("timeline_states", "occurrence_id"), ("timeline_edges", "source_id")):
            cursor.execute(
                self.sql(
                    f"UPDATE {{table}} SET recorded_to = %s WHERE {column} = %s AND recorded_to = 'infinity'",
                    table=table,
                ),
                (recorded_at, occurrence_id),
            )
        self._insert_states(cursor, occurrence_id, rows, recorded_at)
        self._insert_entities(cursor, rows[-1].view)

    def _revisions(self, cursor: Cursor[DictRow], occurrence_id: UUID) -> list[Revision]:
        cursor.execute(
            self.sql(
                "SELECT version, type, reported_at, recorded_at, by_principal, reason, source, body "
                "FROM {revisions} WHERE occurrence_id = %s ORDER BY version",
                revisions="timeline_revisions",
            ),
            (occurrence_id,),
        )
        return [
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
            for row in cursor.fetchall()
        ]

    def _insert_states(
        self, cursor: Cursor[DictRow], occurrence_id: UUID, rows: list[StateRow], recorded_at: datetime
    ) -> None:
        cursor.executemany(
            self.sql(
                "INSERT INTO {states} (occurrence_id, fold_index, recorded_from, reported_from,"
                " reported_to, version, retracted, kind, occurred_start, occurred_end,"
                " first_reported_at, stories, actor_ids, place_ids, search, view, history)"
                " VALUES (%s, %s, %s, %s, coalesce(%s, 'infinity'::timestamptz), %s, %s, %s, %s,"
                " %s, %s, %s, %s, %s, to_tsvector('english', %s), %s, %s)",
                states="timeline_states",
            ),
            [
                (
                    occurrence_id,
                    row.fold_index,
                    recorded_at,
                    row.reported_from,
                    row.reported_to,
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
                    Jsonb(row.view),
                    Jsonb(row.history),
                )
                for row in rows
            ],
        )
        edges = [
            (
                occurrence_id,
                UUID(relation["target"]),
                relation["type"],
                recorded_at,
                row.reported_from,
                row.reported_to,
            )
            for row in rows
            for relation in row.relations
            if row.reported_to is None or row.reported_from < row.reported_to
        ]
        if edges:
            cursor.executemany(
                self.sql(
                    "INSERT INTO {edges} (source_id, target_id, type, recorded_from, reported_from,"
                    " reported_to) VALUES (%s, %s, %s, %s, %s, coalesce(%s, 'infinity'::timestamptz))",
                    edges="timeline_edges",
                ),
                edges,
            )

    def _insert_entities(self, cursor: Cursor[DictRow], view: dict[str, Any]) -> None:
        names = [(actor["name"], True, False) for actor in view["actors"]]
        names += [(place, False, True) for place in view["places"]]
        if names:
            cursor.executemany(
                self.sql(
                    "INSERT INTO {entities} VALUES (%s, %s, %s, %s) ON CONFLICT (id) DO UPDATE SET"
                    " is_actor = {entities}.is_actor OR excluded.is_actor,"
                    " is_place = {entities}.is_place OR excluded.is_place",
                    entities="timeline_entities",
                ),
                [(entity_id(name), name, is_actor, is_place) for name, is_actor, is_place in names],
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


class TimelineProjection(Projection[TimelineView]):
    name = "timeline"

    @singledispatchmethod
    def process_event(self, domain_event: DomainEventProtocol[UUID], tracking: Tracking) -> None:
        """Events of other aggregates only move the position forward."""
        self.view.commit(tracking, lambda cursor: None)

    @process_event.register(Occurrence.Event)
    def _revision(self, domain_event: Occurrence.Event, tracking: Tracking) -> None:
        revision = Occurrence.revision_of(domain_event)
        self.view.record_revision(domain_event.originator_id, revision, tracking.notification_id, tracking)
