"""Deriving an occurrence's bitemporal rows from its revisions (pure, no SQL).

For the revisions recorded so far, the fold of SPEC §2 gives one state per
prefix of the fold order. A state's view carries what that prefix adds up to:
its `version` is the latest revision folded in, its `recorded_at` the newest
record time among them (so `recorded_as_of=<recorded_at>` reads the same
state back, even when a late copy folded in before a newer revision), and its
`retraction` the retraction folded in, if any. State k holds over report time
[reported_at of revision k, reported_at of revision k+1). A new revision
changes only the states from just before its place in the fold order. Two revisions
reported at the same instant give a state that holds over an empty interval:
it never answers an as-of query but still carries its revision's history.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from functools import lru_cache
from typing import Any, NamedTuple
from uuid import UUID

from domain.fold import Revision, apply_revision, change_documents, fold_key, fold_order
from domain.occurred import parse_occurred
from domain.values import entity_id
from projections.timeline.document import stored_document


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


def derive_rows(
    occurrence_id: UUID,
    revisions: list[Revision],
    start: int = 0,
    earlier: Mapping[int, StateRow] | None = None,
) -> list[StateRow]:
    """The states at fold positions `start` onwards (the earlier ones are folded, not built).

    A row in `earlier` derived from the same revisions up to its position (its
    revision is still the one there) is the same state: it is kept, with only
    the end of its report-time interval brought up to date.
    """
    ordered = fold_order(revisions)
    rows: list[StateRow] = []
    state: dict[str, Any] | None = None
    folded: _Folded | None = None
    report = ordered[0]
    for index, revision in enumerate(ordered):
        before = state
        state = apply_revision(state, revision)
        folded = _Folded.first(revision) if folded is None else folded.with_revision(revision)
        if index >= start:
            following = ordered[index + 1].reported_at if index + 1 < len(ordered) else None
            kept = earlier.get(index) if earlier else None
            if kept is not None and kept.revision is revision:
                rows.append(replace(kept, reported_to=following))
            else:
                rows.append(_row(occurrence_id, index, revision, following, folded, before, state, report))
    return rows


class _Folded(NamedTuple):
    """What a prefix of the fold order adds up to, beyond the state itself."""

    version: int
    recorded_at: datetime
    retraction: dict[str, str] | None

    @classmethod
    def first(cls, revision: Revision) -> _Folded:
        return cls(0, _recorded(revision), None).with_revision(revision)

    def with_revision(self, revision: Revision) -> _Folded:
        retraction = self.retraction
        if revision.type == "retracted":
            assert revision.reason is not None
            retraction = {"reason": revision.reason, "reported_at": _instant(revision.reported_at)}
        recorded = _recorded(revision)
        return _Folded(
            revision.version if revision.version > self.version else self.version,
            recorded if recorded > self.recorded_at else self.recorded_at,
            retraction,
        )


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
    folded: _Folded,
    before: dict[str, Any] | None,
    state: dict[str, Any],
    report: Revision,
) -> StateRow:
    occurred = parse_occurred(state["occurred"], checked=True)
    changes = change_documents(before, state)
    if before is None:  # a report sets every field; "retracted: false" says nothing
        changes = [change for change in changes if change["field"] != "retracted"]
    actor_names = [actor["name"] for actor in state["actors"]]
    return StateRow(
        fold_index=index,
        revision=revision,
        reported_from=revision.reported_at,
        reported_to=following,
        version=folded.version,
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
        view=stored_document(
            state,
            id=str(occurrence_id),
            version=folded.version,
            occurred=occurred.as_json(),
            reported_at=_instant(report.reported_at),
            recorded_at=_instant(folded.recorded_at),
            retraction=folded.retraction,
        ),
        history={
            "version": revision.version,
            "type": revision.type,
            "reported_at": _instant(revision.reported_at),
            "recorded_at": _instant(_recorded(revision)),
            "by": revision.by,
            "reason": revision.reason,
            "source": revision.source,
            "changes": changes,
        },
        relations=[] if state["retracted"] else list(state["relations"]),
    )


def _recorded(revision: Revision) -> datetime:
    assert revision.recorded_at is not None, "a stored revision has a record time"
    return revision.recorded_at


# The same instants recur in every state an occurrence's revisions derive.
@lru_cache(maxsize=4096)
def _instant(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")
