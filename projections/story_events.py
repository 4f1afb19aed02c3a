"""Which log positions belong to a story: what a story-filtered event stream serves."""

from __future__ import annotations

from collections.abc import Sequence

from projections.timeline import TimelineView


def story_event_positions(view: TimelineView, slug: str, positions: Sequence[int]) -> set[int]:
    """The positions among `positions` whose occurrence listed the story by then.

    A revision belongs to a story when its occurrence had been in that story in
    any state recorded up to and including that revision, so the revision that
    takes an occurrence out of a story is still served to the story's readers,
    and the answer does not change with when it is asked (once the view has
    applied those positions).
    """
    if not positions:
        return set()
    statement = view.sql(
        "SELECT r.position FROM {revisions} r WHERE r.position = ANY(%(positions)s)"
        " AND EXISTS (SELECT 1 FROM {states} s WHERE s.occurrence_id = r.occurrence_id"
        " AND s.recorded_from <= r.recorded_at AND s.stories @> ARRAY[%(slug)s]::text[])",
        revisions="timeline_revisions",
        states="timeline_states",
    )
    with view.reading() as cursor:
        rows = cursor.execute(statement, {"positions": list(positions), "slug": slug}).fetchall()
    return {int(row["position"]) for row in rows}
