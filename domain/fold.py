"""The report-time fold of SPEC §2: the state of an occurrence as of any date.

An occurrence's state as of report time T is its revisions reported at or
before T, applied in `reported_at` order (ties in record order). Everything
here is pure: the aggregate, the projections and the tests share it.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

RevisionType = Literal["reported", "amended", "linked", "retracted"]


@dataclass(frozen=True)
class Revision:
    """One revision as stored: what it says, and when it was reported and recorded."""

    version: int
    type: RevisionType
    reported_at: datetime
    by: str
    body: dict[str, Any]
    reason: str | None = None
    source: dict[str, Any] | None = None
    recorded_at: datetime | None = None


@dataclass(frozen=True)
class Change:
    field: str
    old: Any
    new: Any

    def as_json(self) -> dict[str, Any]:
        return {"field": self.field, "old": self.old, "new": self.new}


def fold_key(revision: Revision) -> tuple[datetime, int]:
    """A revision's place in the fold: by reported_at, ties in record order."""
    return (revision.reported_at, revision.version)


def fold_order(revisions: Iterable[Revision]) -> list[Revision]:
    """Revisions in the order of the fold: by reported_at, ties in record order."""
    return sorted(revisions, key=fold_key)


def apply_revision(state: dict[str, Any] | None, revision: Revision) -> dict[str, Any]:
    """The state after one revision. `state` is None before the report."""
    if revision.type == "reported":
        # States share values with revisions; nothing mutates either in place.
        return {**revision.body, "retracted": False}
    if state is None:
        raise ValueError(f"revision {revision.version} folds before the occurrence was reported")
    if revision.type == "amended":
        return apply_patch(state, revision.body["patch"])
    if revision.type == "linked":
        return {**state, "relations": [*state["relations"], revision.body["relation"]]}
    return {**state, "retracted": True}


# What a field holds once a merge patch removed it (`"places": null`).
CLEARED: dict[str, Any] = {"summary": None, "actors": [], "places": [], "figures": {}, "stories": []}


def apply_patch(state: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """A state with an amendment's merge patch applied; removed fields are cleared."""
    patched: dict[str, Any] = merge_patch(state, patch)
    return {**CLEARED, **patched}


def fold(revisions: Iterable[Revision]) -> dict[str, Any] | None:
    """The state after all the given revisions, in fold order."""
    state: dict[str, Any] | None = None
    for revision in fold_order(revisions):
        state = apply_revision(state, revision)
    return state


_SCALARS = (str, int, float, bool)


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7396 JSON Merge Patch: objects merge, null removes, anything else replaces."""
    if not isinstance(patch, dict):
        # Scalars are immutable: copying them (as deepcopy would) returns the same value.
        return patch if isinstance(patch, _SCALARS) else copy.deepcopy(patch)
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def changes_between(old: dict[str, Any] | None, new: dict[str, Any]) -> list[Change]:
    """Every field that differs, dotted for nested objects (`figures.killed`)."""
    return [Change(field, before, after) for field, before, after in _diff(old or {}, new, prefix="")]


def change_documents(old: dict[str, Any] | None, new: dict[str, Any]) -> list[dict[str, Any]]:
    """`changes_between` as the JSON a state's history stores, without the `Change` objects."""
    changes = _diff(old or {}, new, prefix="")
    return [{"field": field, "old": before, "new": after} for field, before, after in changes]


def _diff(old: dict[str, Any], new: dict[str, Any], prefix: str) -> list[tuple[str, Any, Any]]:
    found: list[tuple[str, Any, Any]] = []
    for key in _ordered_keys(old, new):
        before, after = old.get(key), new.get(key)
        if before == after:
            continue
        if isinstance(before, dict) and isinstance(after, dict):
            found += _diff(before, after, prefix=f"{prefix}{key}.")
        else:
            found.append((f"{prefix}{key}", before, after))
    return found


# Changes are listed in the order fields are documented, whatever order the
# stored JSON came back in (PostgreSQL's jsonb reorders keys); nested keys sort.
_FIELDS = ("kind", "title", "summary", "occurred", "actors", "places", "figures", "source", "stories")
_FIELD_ORDER = (*_FIELDS, "relations", "retracted")
_DOCUMENTED = frozenset(_FIELD_ORDER)


def _ordered_keys(old: dict[str, Any], new: dict[str, Any]) -> Sequence[str]:
    keys = old.keys() | new.keys()
    if keys.isdisjoint(_DOCUMENTED):  # a nested object's keys
        return sorted(keys)
    known = [key for key in _FIELD_ORDER if key in keys]
    if len(known) == len(keys):
        return known
    return known + sorted(keys.difference(_FIELD_ORDER))
