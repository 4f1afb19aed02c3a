"""Planning a batch of revisions: the rows it adds and the stored rows it closes (no database access).

A new revision re-derives its occurrence's states from just before its place
in the fold order (usually the last two) and closes the rows it supersedes in
record time; nothing is deleted, so every as-of read is one indexed query.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import orjson

from domain.fold import Revision, fold_order
from domain.values import entity_id
from projections.timeline.rows import StateRow, derive_rows, first_changed


@dataclass(frozen=True)
class PositionedRevision:
    position: int
    occurrence_id: UUID
    revision: Revision


# The rows go to the database by COPY, whose text format takes each value as
# text: JSON and arrays are written as text here rather than handed to
# psycopg's (Python) JSON and list adapters, the larger part of a row's cost.


def _json(value: Any) -> str:
    # orjson encodes the view rows several times faster than the standard library.
    # Sorted keys: a `json` column keeps the text as written, and a state's
    # dicts come in different key orders depending on whether its revisions
    # were read back from the view or came with the batch.
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()


def _text_array(items: list[str]) -> str:
    """A text[] literal: every element quoted, its quotes and backslashes escaped."""
    if not items:
        return "{}"
    joined = '","'.join(items)
    if "\\" in joined or joined.count('"') != 2 * (len(items) - 1):  # some element needs escaping
        quoted = (item.replace("\\", "\\\\").replace('"', '\\"') for item in items)
        joined = '","'.join(quoted)
    return '{"' + joined + '"}'


# Open ends, written as PostgreSQL's own 'infinity' (COPY's text format).
_INFINITY = "infinity"


@dataclass
class _Made:
    """A state row a batch derived, open in record time until a later revision changes it."""

    occurrence_id: UUID
    row: StateRow
    since: datetime
    until: datetime | str = _INFINITY


class Batch:
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
        latest = max((r.recorded_at for r in earlier if r.recorded_at is not None), default=None)
        for item in new:
            revision = _after_previous(latest, item.revision)
            self.revisions.append(_revision_row(occurrence_id, revision, item.position))
            start = first_changed(known, revision)
            known.append(revision)
            latest = moment = _recorded(revision)
            superseded: dict[int, StateRow] = {}
            for index in sorted(index for index in open_rows if index >= start):
                made = open_rows.pop(index)
                if made is not None:
                    made.until = moment
                    superseded[index] = made.row
                    continue
                self.closing_states.append((occurrence_id, index, moment))
                # The first closing of a report time wins: that is the state holding its edges.
                self.closing_edges.setdefault((occurrence_id, stored[index].reported_at), moment)
            rows = derive_rows(occurrence_id, known, start, superseded)
            for row in rows:
                open_rows[row.fold_index] = made = _Made(occurrence_id, row, moment)
                self.made.append(made)
            self._add_entities(rows[-1].view)

    def rows(self) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
        """The state rows and edge rows to insert."""
        states: list[tuple[Any, ...]] = []
        edges: list[tuple[Any, ...]] = []
        # A state kept for a later revision shares its documents with the row
        # it was kept from (all alive here, so their ids stay unique): encoded once.
        encoded: dict[int, tuple[str, ...]] = {}
        for made in self.made:
            row, since, until = made.row, made.since, made.until
            reported_to: datetime | str = row.reported_to or _INFINITY
            texts = encoded.get(id(row.view))
            if texts is None:
                texts = encoded[id(row.view)] = _encoded(row)
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
                    *texts,
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


def _encoded(row: StateRow) -> tuple[str, ...]:
    """A state row's text columns, as COPY takes them."""
    return (
        _text_array(row.stories),
        _text_array(row.actor_ids),
        _text_array(row.place_ids),
        row.search_text,
        _json(row.view),
        _json(row.history),
    )


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


def _after_previous(latest: datetime | None, revision: Revision) -> Revision:
    """Record time is the writer's clock; keep it increasing within an occurrence.

    Two writers whose clocks disagree could otherwise give a revision a record
    time before its predecessor's (`latest`), and an empty record interval.
    """
    if latest is not None and revision.recorded_at is not None and revision.recorded_at <= latest:
        return replace(revision, recorded_at=latest + timedelta(microseconds=1))
    return revision
