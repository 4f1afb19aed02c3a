"""Projection versions: which version of its projection built a view's rows.

A view's tracking table holds, beside its positions, the row
`newsline:version`: the version of the projection its rows were derived by
(`View.version` in the code). A release whose projection derives other rows
from the same events raises its view's version; `newsline rebuild --online`
builds the views anew with it and records it at the switch
(projections.blue_green). Until then the new release's runners apply
nothing, and after it the old release's do not: a runner reads the recorded
version in the statement that locks its position (`View.commit`), and its
process stops claiming the view's shards (projections.claims).
"""

from __future__ import annotations

from psycopg.sql import SQL, Composed, Identifier, Literal

# The tracking row that holds the version (its notification_id column).
VERSION_ROW = "newsline:version"
# Every view made before versions were recorded was built by version 1.
FIRST = 1


class OtherVersion(RuntimeError):
    """The view's rows were built by another version of its projection than this process runs."""


def stamp(tracking: Identifier, position_row: str, version: int) -> Composed:
    """Record the version of a view that has none: this code's if the view is new
    (no position yet), else FIRST. Runs before the view's position row is made."""
    return SQL(
        "INSERT INTO {0} SELECT {1}, CASE WHEN EXISTS (SELECT FROM {0} WHERE application_name = {2})"
        " THEN {3} ELSE {4} END ON CONFLICT DO NOTHING"
    ).format(tracking, Literal(VERSION_ROW), Literal(position_row), Literal(FIRST), Literal(version))


def held(tracking: Identifier) -> Composed:
    """The recorded version, as a scalar subquery of the commit's statement."""
    return SQL("(SELECT v.notification_id FROM {0} v WHERE v.application_name = {1})").format(
        tracking, Literal(VERSION_ROW)
    )


def select(tracking: Identifier) -> Composed:
    """The recorded version, alone: one row, FIRST where there is no version row
    (a view made before versions were recorded)."""
    return SQL("SELECT coalesce({0}, {1}) AS version").format(held(tracking), Literal(FIRST))


def record(tracking: Identifier, version: int) -> Composed:
    """Set the recorded version (the switch of an online rebuild)."""
    return SQL(
        "INSERT INTO {0} VALUES ({1}, {2}) ON CONFLICT (application_name)"
        " DO UPDATE SET notification_id = excluded.notification_id"
    ).format(tracking, Literal(VERSION_ROW), Literal(version))


def check(view_name: str, recorded: int | None, running: int) -> None:
    """Refuse to apply a batch to rows of a version other than `running`."""
    if recorded is None or recorded == running:  # (no row: the view is being made)
        return
    if recorded > running:
        raise OtherVersion(
            f"the {view_name} view was rebuilt by a newer Newsline (projection version {recorded}); this"
            f" process runs version {running} and applies nothing to it: upgrade it"
        )
    raise OtherVersion(
        f"the {view_name} view holds projection version {recorded}; this process runs version"
        f" {running} and applies it once `newsline rebuild --online` has built it"
    )
