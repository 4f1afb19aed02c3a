"""Property: for any revisions and any (T1, T2), the view answers what a plain fold of the log says.

Revisions arrive with random, out-of-order `reported_at`; the reference here
folds the stored events directly, independently of the projection's code.
The occurrence disputes another, so the other's status checks the relation
rows too, and its history checks that every revision recorded by T2 has
exactly one state, in fold order. Every view names the record time of the
state it shows: read again with `recorded_as_of` set to it, it is the same.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.commands import AmendOccurrence, ReportOccurrence, RetractOccurrence
from domain.errors import Conflict, ValidationFailed
from domain.service import Request
from newsline.bootstrap import Newsline
from tests.unit.test_service import fields

BASE = datetime(2014, 5, 19, tzinfo=UTC)
ALICE = Request(by="alice")

minutes = st.integers(min_value=0, max_value=600)
amendment = st.tuples(
    st.just("amended"),
    minutes,
    st.one_of(
        st.fixed_dictionaries({"title": st.sampled_from(["a", "b", "c"])}),
        st.fixed_dictionaries(
            {
                "figures": st.dictionaries(
                    st.sampled_from(["killed", "injured"]), st.none() | st.integers(0, 9), min_size=1
                )
            }
        ),
    ),
)
retraction = st.tuples(st.just("retracted"), minutes, st.just({}))
revisions = st.lists(st.one_of(amendment, amendment, retraction), max_size=6)


def reference_fold(
    events: list[Any], report_time: datetime | None, record_time: datetime | None
) -> dict[str, Any] | None:
    """A plain fold of stored events, as SPEC §2 words it."""
    chosen = [
        e
        for e in events
        if (record_time is None or e.timestamp <= record_time)
        and (report_time is None or e.reported_at <= report_time)
    ]
    chosen.sort(key=lambda e: (e.reported_at, e.originator_version))
    state: dict[str, Any] | None = None
    for event in chosen:
        name = type(event).__name__
        if name == "Reported":
            state = {
                "title": event.fields["title"],
                "figures": dict(event.fields["figures"]),
                "retracted": False,
            }
        elif name == "Amended" and state is not None:
            patch = event.patch
            if "title" in patch:
                state["title"] = patch["title"]
            for key, value in patch.get("figures", {}).items():
                if value is None:
                    state["figures"].pop(key, None)
                else:
                    state["figures"][key] = value
        elif name == "Retracted" and state is not None:
            state["retracted"] = True
    return state


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    start=st.integers(min_value=0, max_value=60),
    plan=revisions,
    report_offsets=st.lists(st.none() | st.integers(-30, 700), min_size=3, max_size=3),
    record_picks=st.lists(st.none() | st.integers(0, 7), min_size=3, max_size=3),
)
def test_view_equals_a_plain_fold_of_the_log(
    newsline: Newsline,
    start: int,
    plan: list[Any],
    report_offsets: list[int | None],
    record_picks: list[int | None],
) -> None:
    app = newsline.app
    claim = app.report(ReportOccurrence.from_body(fields(kind="claim"), BASE - timedelta(days=1)), ALICE)
    disputes = [{"type": "disputes", "target": str(claim.id)}]
    written = app.report(
        ReportOccurrence.from_body(fields(relations=disputes), BASE + timedelta(minutes=start)), ALICE
    )
    for kind, offset, body in plan:
        at = BASE + timedelta(minutes=offset)
        try:
            if kind == "amended":
                written = app.amend(
                    AmendOccurrence.from_body(written.id, {**body, "reason": "update"}, at), ALICE
                )
            else:
                written = app.retract(
                    RetractOccurrence.from_body(written.id, {"reason": "withdrawn"}, at), ALICE
                )
        except (ValidationFailed, Conflict):
            continue  # refused by the rules: nothing stored, nothing to fold
    assert newsline.wait_for_views(written.position, timeout=20)
    events = list(app.events.get(written.id))
    stamps = sorted(e.timestamp for e in events)
    for report_offset, record_pick in zip(report_offsets, record_picks, strict=True):
        report_time = None if report_offset is None else BASE + timedelta(minutes=report_offset)
        record_time = None if record_pick is None else stamps[min(record_pick, len(stamps) - 1)]
        expected = reference_fold(events, report_time, record_time)
        view = newsline.timeline.reader.occurrence(written.id, report_time, record_time)
        actual = (
            None
            if view is None
            else {
                "title": view["title"],
                "figures": view["figures"],
                "retracted": view["status"] == "retracted",
            }
        )
        assert actual == expected, (report_time, record_time)
        if view is not None:
            retraction = view["retraction"]
            assert (retraction and retraction["reason"]) == ("withdrawn" if expected["retracted"] else None)
            assert reread(newsline, view, report_time) == view, (report_time, record_time)
        disputed = newsline.timeline.reader.occurrence(claim.id, report_time, record_time)
        assert disputed is not None
        # The claim's status comes from the other occurrence, recorded later than its own state.
        assert own_state(reread(newsline, disputed, report_time)) == own_state(disputed)
        disputing = expected is not None and not expected["retracted"]
        assert disputed["disputed_by"] == ([str(written.id)] if disputing else []), (report_time, record_time)
        recorded = [e for e in events if record_time is None or e.timestamp <= record_time]
        recorded.sort(key=lambda e: (e.reported_at, e.originator_version))
        history = newsline.timeline.reader.history(written.id, record_time)
        assert [h["version"] for h in history] == [e.originator_version for e in recorded], record_time


def reread(newsline: Newsline, view: dict[str, Any], report_time: datetime | None) -> dict[str, Any] | None:
    """The view read again as of the same report time and its own `recorded_at`."""
    recorded_at = datetime.fromisoformat(view["recorded_at"])
    return newsline.timeline.reader.occurrence(UUID(view["id"]), report_time, recorded_at)


def own_state(view: dict[str, Any] | None) -> dict[str, Any] | None:
    """A view without what other occurrences' relations derive in it."""
    derived = ("status", "disputed_by", "corroborated_by")
    return None if view is None else {key: value for key, value in view.items() if key not in derived}
