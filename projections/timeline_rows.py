"""Deriving an occurrence's bitemporal rows from its revisions (pure, no SQL).

For the revisions recorded so far, the fold of SPEC §2 gives one state per
prefix of the fold order. State k holds over report time
[reported_at of revision k, reported_at of revision k+1). A new revision
changes only the states from just before its place in the fold order. Two revisions
reported at the same instant give a state that holds over an empty interval:
it never answers an as-of query but still carries its revision's history.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from domain.fold import Revision, apply_revision, changes_between, fold_key, fold_order
from domain.occurred import parse_occurred
from domain.values import entity_id


@dataclass(frozen=True)
class StateRow:
    fold_index: int
    revision: Revision
    reported_from: datetime
    reported_to: datetime | None
    version: int
    retracted: bool
    kind: str
    occurred_start: datetime
    occurred_end: datetime
    first_reported_at: datetime
    stories: list[str]
    actor_ids: list[str]
    place_ids: list[str]
    search_text: str
    view: dict[str, Any]
    history: dict[str, Any]
    relations: list[dict[str, Any]]


def derive_rows(occurrence_id: UUID, revisions: list[Revision], start: int = 0) -> list[StateRow]:
    """The states at fold positions `start` onwards (the earlier ones are folded, not built)."""
    ordered = fold_order(revisions)
    rows: list[StateRow] = []
    state: dict[str, Any] | None = None
    version = 0
    for index, revision in enumerate(ordered):
        before = state
        state = apply_revision(state, revision)
        version = max(version, revision.version)
        if index >= start:
            following = ordered[index + 1].reported_at if index + 1 < len(ordered) else None
            rows.append(_row(occurrence_id, index, revision, following, version, before, state, ordered[0]))
    return rows


def first_changed(revisions: list[Revision], added: Revision) -> int:
    """The first fold position whose state changes when `added` joins `revisions`.

    States before the newcomer's place keep their revisions, versions and first
    report; only the one just before it ends its report-time interval earlier.
    A revision that folds first changes every state (the first report time).
    """
    place = sum(1 for revision in revisions if fold_key(revision) < fold_key(added))
    return max(place - 1, 0)


def _row(
    occurrence_id: UUID,
    index: int,
    revision: Revision,
    following: datetime | None,
    version: int,
    before: dict[str, Any] | None,
    state: dict[str, Any],
    report: Revision,
) -> StateRow:
    occurred = parse_occurred(state["occurred"], checked=True)
    recorded_at = revision.recorded_at
    assert recorded_at is not None
    changes = changes_between(before, state)
    if before is None:  # a report sets every field; "retracted: false" says nothing
        changes = [change for change in changes if change.field != "retracted"]
    actor_names = [actor["name"] for actor in state["actors"]]
    return StateRow(
        fold_index=index,
        revision=revision,
        reported_from=revision.reported_at,
        reported_to=following,
        version=version,
        retracted=state["retracted"],
        kind=state["kind"],
        occurred_start=occurred.start,
        occurred_end=occurred.end,
        first_reported_at=report.reported_at,
        stories=list(state["stories"]),
        actor_ids=sorted({entity_id(name) for name in actor_names}),
        place_ids=sorted({entity_id(place) for place in state["places"]}),
        search_text=" ".join(
            [
                state["title"],
                state.get("summary") or "",
                *actor_names,
                *state["places"],
                state["source"].get("name", ""),
                state["source"].get("quote") or "",
            ]
        ),
        view={
            "id": str(occurrence_id),
            "version": version,
            "kind": state["kind"],
            "title": state["title"],
            "summary": state.get("summary"),
            "occurred": occurred.as_json(),
            "actors": state["actors"],
            "places": state["places"],
            "figures": state["figures"],
            "source": state["source"],
            "reported_at": _instant(report.reported_at),
            "recorded_at": _instant(recorded_at),
            "stories": state["stories"],
            "relations": state["relations"],
        },
        history={
            "version": revision.version,
            "type": revision.type,
            "reported_at": _instant(revision.reported_at),
            "recorded_at": _instant(recorded_at),
            "by": revision.by,
            "reason": revision.reason,
            "source": revision.source,
            "changes": [change.as_json() for change in changes],
        },
        relations=[] if state["retracted"] else list(state["relations"]),
    )


def _instant(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")
