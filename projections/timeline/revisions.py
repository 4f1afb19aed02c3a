"""Reads of the recorded revisions: when each was recorded, which belong to a story,
and what an NDJSON export replays, in record order."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from uuid import UUID

from psycopg.sql import SQL

from projections.base import View
from projections.timeline.reader import RecordedRevision
from projections.timeline.schema import EDGES, REVISIONS, STATES


def recorded_at(tables: View, occurrence_id: UUID, version: int) -> datetime | None:
    """When a revision was recorded (to answer a replayed request as first answered)."""
    statement = SQL("SELECT recorded_at FROM {revisions} WHERE occurrence_id = %s AND version = %s").format(
        revisions=tables.table(REVISIONS)
    )
    with tables.reading() as cursor:
        row = cursor.execute(statement, (occurrence_id, version)).fetchone()
    return row["recorded_at"] if row else None


def story_event_positions(tables: View, slug: str, positions: Sequence[int]) -> set[int]:
    """The positions among `positions` whose occurrence listed the story by then.

    A revision belongs to a story when its occurrence had been in that story in
    any state recorded up to and including that revision, so the revision that
    takes an occurrence out of a story is still served to the story's readers,
    and the answer does not change with when it is asked (once the view has
    applied those positions).
    """
    if not positions:
        return set()
    statement = tables.sql(
        "SELECT r.position FROM {revisions} r WHERE r.position = ANY(%(positions)s)"
        " AND EXISTS (SELECT 1 FROM {states} s WHERE s.occurrence_id = r.occurrence_id"
        " AND s.recorded_from <= r.recorded_at AND s.stories @> ARRAY[%(slug)s]::text[])",
        revisions=REVISIONS,
        states=STATES,
    )
    with tables.reading() as cursor:
        rows = cursor.execute(statement, {"positions": list(positions), "slug": slug}).fetchall()
    return {int(row["position"]) for row in rows}


def recorded_revisions(
    tables: View,
    occurrence_ids: Iterable[UUID],
    as_of: datetime | None = None,
    recorded_as_of: datetime | None = None,
) -> list[RecordedRevision]:
    """The revisions of these occurrences that the view as of both times folds, in record order.

    Also those of the occurrences that dispute or corroborate them (their
    status depends on those), and of every occurrence any of these relate to
    (an import needs each relation's target first), so the export imports whole.
    """
    wanted = set(occurrence_ids)
    # Sources reported after the cutoff had no say in the status then: leave them out.
    found = _read(tables, wanted | _status_sources(tables, wanted), as_of, recorded_as_of)
    while targets := {t for r in found for t in r.targets()} - {r.occurrence_id for r in found}:
        batch = _read(tables, targets, as_of, recorded_as_of)
        # A target reported after the cutoff was there when it was linked: take its report.
        missing = targets - {revision.occurrence_id for revision in batch}
        found += batch + (_read(tables, missing, None, None, first_only=True) if missing else [])
    return sorted(found, key=lambda revision: revision.position)


def _status_sources(tables: View, occurrence_ids: set[UUID]) -> set[UUID]:
    """Occurrences that ever disputed or corroborated one of these."""
    statement = tables.sql(
        "SELECT DISTINCT source_id FROM {edges} WHERE target_id = ANY(%s)"
        " AND type IN ('disputes', 'corroborates')",
        edges=EDGES,
    )
    with tables.reading() as cursor:
        rows = cursor.execute(statement, (list(occurrence_ids),)).fetchall()
    return {row["source_id"] for row in rows}


def _read(
    tables: View,
    occurrence_ids: set[UUID],
    as_of: datetime | None,
    recorded_as_of: datetime | None,
    first_only: bool = False,
) -> list[RecordedRevision]:
    statement = tables.sql(
        "SELECT occurrence_id, version, type, position, reported_at, by_principal, reason, source, body"
        " FROM {revisions} WHERE occurrence_id = ANY(%(ids)s)"
        " AND (%(as_of)s::timestamptz IS NULL OR reported_at <= %(as_of)s)"
        " AND (%(recorded_as_of)s::timestamptz IS NULL OR recorded_at <= %(recorded_as_of)s)"
        " AND (NOT %(first_only)s OR version = 1)",
        revisions=REVISIONS,
    )
    params = {
        "ids": list(occurrence_ids),
        "as_of": as_of,
        "recorded_as_of": recorded_as_of,
        "first_only": first_only,
    }
    with tables.reading() as cursor:
        rows = cursor.execute(statement, params).fetchall()
    return [
        RecordedRevision(
            occurrence_id=row["occurrence_id"],
            version=row["version"],
            type=row["type"],
            position=row["position"],
            reported_at=row["reported_at"],
            by=row["by_principal"],
            reason=row["reason"],
            source=row["source"],
            body=row["body"],
        )
        for row in rows
    ]
