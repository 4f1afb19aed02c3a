"""The timeline view's reads (`TimelineReader`): every as-of answer is one indexed query."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

import orjson
from psycopg.sql import SQL, Composable, Composed, Identifier

from projections.base import View
from projections.timeline import changes, revisions
from projections.timeline.document import with_status
from projections.timeline.reader import EntityRow, RecordedRevision, TimelinePage, TimelineQuery
from projections.timeline.schema import EDGES, ENTITIES, STATES


def _report_time(alias: str, as_of: datetime | None) -> tuple[Composed, dict[str, Any]]:
    """The rows of `alias` that hold at report time `as_of` (None: the latest)."""
    table = Identifier(alias)
    if as_of is None:
        return SQL("{0}.reported_to = 'infinity'").format(table), {}
    condition = SQL("{0}.reported_from <= %(as_of)s AND %(as_of)s < {0}.reported_to")
    return condition.format(table), {"as_of": as_of}


def _record_time(alias: str, recorded_as_of: datetime | None) -> tuple[Composed, dict[str, Any]]:
    """The rows of `alias` that this system held at `recorded_as_of` (None: now)."""
    table = Identifier(alias)
    if recorded_as_of is None:
        return SQL("{0}.recorded_to = 'infinity'").format(table), {}
    condition = SQL("{0}.recorded_from <= %(recorded_as_of)s AND %(recorded_as_of)s < {0}.recorded_to")
    return condition.format(table), {"recorded_as_of": recorded_as_of}


def _during(
    alias: str, as_of: datetime | None, recorded_as_of: datetime | None
) -> tuple[Composed, dict[str, Any]]:
    """The rows of `alias` that hold at both report time and record time."""
    (report, report_params), (record, record_params) = (
        _report_time(alias, as_of),
        _record_time(alias, recorded_as_of),
    )
    return SQL(" AND ").join([report, record]), {**report_params, **record_params}


class TimelineQueries:
    """The reads of a timeline view's tables."""

    def __init__(self, tables: View) -> None:
        self._tables = tables
        # The page statement of each shape of query: a few dozen at most (the filters are few).
        self._pages: dict[tuple[object, ...], SQL] = {}

    def timeline(self, query: TimelineQuery) -> TimelinePage:
        params: dict[str, Any] = {"limit": query.limit + 1}
        if query.as_of is not None:
            params["as_of"] = query.as_of
        if query.recorded_as_of is not None:
            params["recorded_as_of"] = query.recorded_as_of
        filters = self._filters(query, params)
        shape = (query.as_of is None, query.recorded_as_of is None, *filters)
        statement = self._pages.get(shape)
        if statement is None:
            statement = self._pages[shape] = self._page_statement(query, filters)
        with self._tables.reading() as cursor:
            rows = cursor.execute(statement, params).fetchall()
        entries = [_entry(row) for row in rows[: query.limit]]
        next_after = None
        if len(rows) > query.limit:
            last = rows[query.limit - 1]
            next_after = (last["occurred_start"], last["first_reported_at"], last["occurrence_id"])
        return TimelinePage(entries, next_after)

    def _page_statement(self, query: TimelineQuery, filters: list[str]) -> SQL:
        """The page query for one shape of query (which times, which filters), as plain text:
        composed once per shape, since composing it costs more than a page's own query."""
        states_during, _ = _during("s", query.as_of, query.recorded_as_of)
        edges_during, _ = _during("e", query.as_of, query.recorded_as_of)
        conditions: list[Composable] = [states_during, *(SQL(condition) for condition in filters)]
        statement = SQL(
            "SELECT s.view::text AS view, s.retracted, r.disputed_by, r.corroborated_by,"
            " s.occurred_start, s.first_reported_at, s.occurrence_id"
            " FROM {states} s LEFT JOIN LATERAL ("
            "  SELECT array_agg(DISTINCT e.source_id::text ORDER BY e.source_id::text)"
            "   FILTER (WHERE e.type = 'disputes') AS disputed_by,"
            "   array_agg(DISTINCT e.source_id::text ORDER BY e.source_id::text)"
            "   FILTER (WHERE e.type = 'corroborates') AS corroborated_by"
            "  FROM {edges} e WHERE e.target_id = s.occurrence_id"
            "  AND e.type IN ('disputes', 'corroborates') AND {edges_during}) r ON true"
            " WHERE {conditions}"
            " ORDER BY s.occurred_start, s.first_reported_at, s.occurrence_id"
            " LIMIT %(limit)s"
        ).format(
            states=self._tables.table(STATES),
            edges=self._tables.table(EDGES),
            edges_during=edges_during,
            conditions=SQL(" AND ").join(conditions),
        )
        return SQL(statement.as_string())

    def occurrence(
        self, occurrence_id: UUID, as_of: datetime | None = None, recorded_as_of: datetime | None = None
    ) -> dict[str, Any] | None:
        entry = self.occurrence_entry(occurrence_id, as_of, recorded_as_of)
        return None if entry is None else orjson.loads(entry)

    def occurrence_entry(
        self, occurrence_id: UUID, as_of: datetime | None = None, recorded_as_of: datetime | None = None
    ) -> str | None:
        """The occurrence as a timeline entry, as JSON text; None before its report."""
        page = self.timeline(
            TimelineQuery(
                as_of=as_of,
                recorded_as_of=recorded_as_of,
                occurrence_id=occurrence_id,
                include_retracted=True,
                limit=1,
            )
        )
        return page.entries[0] if page.entries else None

    def history(self, occurrence_id: UUID, recorded_as_of: datetime | None = None) -> list[dict[str, Any]]:
        """The revisions in fold order, each with its field changes, as recorded by then.

        Each relation in a change names its target's title beside its id, as
        of the same record time (and the latest report time).
        """
        during, params = _record_time("s", recorded_as_of)
        statement = SQL(
            "SELECT s.history FROM {states} s WHERE s.occurrence_id = %(id)s AND {during}"
            " ORDER BY s.fold_index"
        ).format(states=self._tables.table(STATES), during=during)
        with self._tables.reading() as cursor:
            rows = cursor.execute(statement, {**params, "id": occurrence_id}).fetchall()
        revisions: list[dict[str, Any]] = [row["history"] for row in rows]
        relations = [relation for revision in revisions for relation in _relations_changed(revision)]
        if relations:
            titles = self.titles({UUID(relation["target"]) for relation in relations}, recorded_as_of)
            for relation in relations:
                relation["target_title"] = titles.get(relation["target"])
        return revisions

    def titles(self, occurrence_ids: set[UUID], recorded_as_of: datetime | None = None) -> dict[str, str]:
        """The latest title of each occurrence, as recorded by then (by id as text)."""
        during, params = _during("s", None, recorded_as_of)
        statement = SQL(
            "SELECT s.occurrence_id::text AS id, s.view->>'title' AS title FROM {states} s"
            " WHERE s.occurrence_id = ANY(%(ids)s) AND {during}"
        ).format(states=self._tables.table(STATES), during=during)
        with self._tables.reading() as cursor:
            rows = cursor.execute(statement, {**params, "ids": list(occurrence_ids)}).fetchall()
        return {row["id"]: row["title"] for row in rows}

    def entities(
        self, limit: int, after: str | None = None, text: str | None = None, only: str | None = None
    ) -> list[EntityRow]:
        """Entities in id order, each with how many current occurrences name it."""
        statement = SQL(
            "SELECT id, name, is_actor, is_place, (SELECT count(*) FROM {states} s"
            "  WHERE (s.actor_ids || s.place_ids) @> ARRAY[e.id] AND s.recorded_to = 'infinity'"
            "  AND s.reported_to = 'infinity' AND NOT s.retracted) AS occurrences"
            " FROM {entities} e WHERE (%(after)s::text IS NULL OR id > %(after)s)"
            " AND (%(only)s::text IS NULL OR id = %(only)s)"
            " AND (%(text)s::text IS NULL OR name ILIKE '%%' || %(text)s || '%%')"
            " ORDER BY id LIMIT %(limit)s"
        ).format(states=self._tables.table(STATES), entities=self._tables.table(ENTITIES))
        params = {"after": after, "text": text, "only": only, "limit": limit}
        with self._tables.reading() as cursor:
            rows = cursor.execute(statement, params).fetchall()
        return [
            EntityRow(
                id=row["id"],
                name=row["name"],
                types=[t for t, flag in (("actor", row["is_actor"]), ("place", row["is_place"])) if flag],
                occurrences=row["occurrences"],
            )
            for row in rows
        ]

    def entity(self, entity_id: str) -> EntityRow | None:
        found = self.entities(limit=1, only=entity_id)
        return found[0] if found else None

    def recorded_at(self, occurrence_id: UUID, version: int) -> datetime | None:
        return revisions.recorded_at(self._tables, occurrence_id, version)

    def story_event_positions(self, slug: str, positions: Sequence[int]) -> set[int]:
        return revisions.story_event_positions(self._tables, slug, positions)

    def recorded_revisions(
        self,
        occurrence_ids: Iterable[UUID],
        as_of: datetime | None = None,
        recorded_as_of: datetime | None = None,
    ) -> list[RecordedRevision]:
        return revisions.recorded_revisions(self._tables, occurrence_ids, as_of, recorded_as_of)

    def story_changes(
        self, slug: str, since: datetime, until: datetime | None, recorded_as_of: datetime | None
    ) -> dict[str, list[Any]]:
        return changes.story_changes(self, slug, since, until, recorded_as_of)

    def _filters(self, query: TimelineQuery, params: dict[str, Any]) -> list[str]:
        """The conditions (SQL text) of the query's filters; their values go into `params`."""
        conditions: list[str] = []

        def where(condition: str, **values: Any) -> None:
            conditions.append(condition)
            params.update(values)

        if not query.include_retracted:
            where("NOT s.retracted")
        if query.occurrence_id is not None:
            where("s.occurrence_id = %(occurrence_id)s", occurrence_id=query.occurrence_id)
        if query.kinds:
            where("s.kind = ANY(%(kinds)s)", kinds=list(query.kinds))
        if query.story is not None:
            where("s.stories @> ARRAY[%(story)s]::text[]", story=query.story)
        if query.entity is not None:
            where("(s.actor_ids || s.place_ids) @> ARRAY[%(entity)s]::text[]", entity=query.entity)
        if query.actor is not None:
            where("s.actor_ids @> ARRAY[%(actor)s]::text[]", actor=query.actor)
        if query.place is not None:
            where("s.place_ids @> ARRAY[%(place)s]::text[]", place=query.place)
        if query.text is not None:
            where("s.search @@ websearch_to_tsquery('english', %(text)s)", text=query.text)
        if query.start is not None:
            where("s.occurred_end >= %(start)s", start=query.start)
        if query.end is not None:
            where("s.occurred_start <= %(end)s", end=query.end)
        if query.after is not None:
            start, reported, identifier = query.after
            where(
                "(s.occurred_start, s.first_reported_at, s.occurrence_id)"
                " > (%(a_start)s, %(a_reported)s, %(a_id)s)",
                a_start=start,
                a_reported=reported,
                a_id=identifier,
            )
        return conditions


def _relations_changed(revision: dict[str, Any]) -> list[dict[str, Any]]:
    """The relations listed before and after in a revision's `relations` change."""
    return [
        relation
        for change in revision["changes"]
        if change["field"] == "relations"
        for side in (change["old"], change["new"])
        for relation in side or ()
    ]


def _entry(row: dict[str, Any]) -> str:
    """A row's stored document with its status as of the query, as JSON text."""
    return with_status(row["view"], row["retracted"], row["disputed_by"] or [], row["corroborated_by"] or [])
