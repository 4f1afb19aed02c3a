"""The recorded revisions of occurrences, in record order: what an NDJSON export replays."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from projections.timeline import TimelineView


@dataclass(frozen=True)
class RecordedRevision:
    occurrence_id: UUID
    version: int
    type: str
    position: int
    reported_at: datetime
    by: str
    reason: str | None
    source: dict[str, Any] | None
    body: dict[str, Any]

    def targets(self) -> set[UUID]:
        """The occurrences this revision relates its occurrence to."""
        if self.type == "reported":
            return {UUID(relation["target"]) for relation in self.body.get("relations", [])}
        if self.type == "linked":
            return {UUID(self.body["relation"]["target"])}
        return set()


def recorded_revisions(
    view: TimelineView,
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
    found = _read(view, wanted | _status_sources(view, wanted), as_of, recorded_as_of)
    while targets := {t for r in found for t in r.targets()} - {r.occurrence_id for r in found}:
        batch = _read(view, targets, as_of, recorded_as_of)
        # A target reported after the cutoff was there when it was linked: take its report.
        missing = targets - {revision.occurrence_id for revision in batch}
        found += batch + (_read(view, missing, None, None, first_only=True) if missing else [])
    return sorted(found, key=lambda revision: revision.position)


def _status_sources(view: TimelineView, occurrence_ids: set[UUID]) -> set[UUID]:
    """Occurrences that ever disputed or corroborated one of these."""
    statement = view.sql(
        "SELECT DISTINCT source_id FROM {edges} WHERE target_id = ANY(%s)"
        " AND type IN ('disputes', 'corroborates')",
        edges="timeline_edges",
    )
    with view.reading() as cursor:
        rows = cursor.execute(statement, (list(occurrence_ids),)).fetchall()
    return {row["source_id"] for row in rows}


def _read(
    view: TimelineView,
    occurrence_ids: set[UUID],
    as_of: datetime | None,
    recorded_as_of: datetime | None,
    first_only: bool = False,
) -> list[RecordedRevision]:
    statement = view.sql(
        "SELECT occurrence_id, version, type, position, reported_at, by_principal, reason, source, body"
        " FROM {revisions} WHERE occurrence_id = ANY(%(ids)s)"
        " AND (%(as_of)s::timestamptz IS NULL OR reported_at <= %(as_of)s)"
        " AND (%(recorded_as_of)s::timestamptz IS NULL OR recorded_at <= %(recorded_as_of)s)"
        " AND (NOT %(first_only)s OR version = 1)",
        revisions="timeline_revisions",
    )
    params = {
        "ids": list(occurrence_ids),
        "as_of": as_of,
        "recorded_as_of": recorded_as_of,
        "first_only": first_only,
    }
    with view.reading() as cursor:
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
