"""Properties of the pure domain: EDTF valid time, merge patches and the report-time fold.

Example-based tests sit beside these (test_occurred.py, test_fold.py); the
database-backed as-of property is tests/integration/test_as_of_property.py.
"""

from __future__ import annotations

import calendar
import random
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import example, given, settings
from hypothesis import strategies as st

from domain.fold import Revision, apply_revision, changes_between, fold, fold_order, merge_patch
from domain.occurred import InvalidOccurred, parse_occurred
from domain.values import _needs_refusal, _plainly_storable, check_storable

# --- EDTF valid time ---------------------------------------------------------------------------


@st.composite
def calendar_dates(draw: st.DrawFn) -> tuple[str, datetime, datetime, str]:
    """A level-0 date at year, month or day precision, with the span it names."""
    year = draw(st.integers(1, 9999))
    precision = draw(st.sampled_from(["year", "month", "day"]))
    if precision == "year":
        return (
            f"{year:04d}",
            datetime(year, 1, 1, tzinfo=UTC),
            datetime(year, 12, 31, 23, 59, 59, tzinfo=UTC),
            precision,
        )
    month = draw(st.integers(1, 12))
    last = calendar.monthrange(year, month)[1]
    if precision == "month":
        start = datetime(year, month, 1, tzinfo=UTC)
        return (
            f"{year:04d}-{month:02d}",
            start,
            datetime(year, month, last, 23, 59, 59, tzinfo=UTC),
            precision,
        )
    day = draw(st.integers(1, last))
    start = datetime(year, month, day, tzinfo=UTC)
    return f"{year:04d}-{month:02d}-{day:02d}", start, start.replace(hour=23, minute=59, second=59), precision


@given(calendar_dates(), st.sampled_from(["", "~", "?", "%"]))
def test_a_date_spans_exactly_what_it_names(
    date: tuple[str, datetime, datetime, str], qualifier: str
) -> None:
    text, start, end, precision = date
    occurred = parse_occurred(text + qualifier)
    assert (occurred.start, occurred.end, occurred.precision) == (start, end, precision)
    assert occurred.edtf == text + qualifier
    assert occurred.approximate == (qualifier in "~%" and qualifier != "")
    assert occurred.uncertain == (qualifier in "?%" and qualifier != "")


@given(calendar_dates(), calendar_dates())
def test_an_interval_spans_from_its_first_start_to_its_last_end(
    first: tuple[str, datetime, datetime, str], last: tuple[str, datetime, datetime, str]
) -> None:
    text = f"{first[0]}/{last[0]}"
    if last[2] < first[1]:
        try:
            parse_occurred(text)
        except InvalidOccurred:
            return
        raise AssertionError(f"{text} ends before it starts, yet was accepted")
    occurred = parse_occurred(text)
    assert (occurred.start, occurred.end) == (first[1], last[2])
    order = ("year", "season", "month", "day")
    assert occurred.precision == min(first[3], last[3], key=order.index)


@given(
    st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30)),
    st.integers(-14 * 60 + 1, 14 * 60 - 1) | st.sampled_from([-14 * 60, 14 * 60]),
    st.booleans(),
)
def test_a_time_with_an_offset_is_the_same_instant_in_utc(
    moment: datetime, offset: int, seconds: bool
) -> None:
    moment = moment.replace(microsecond=0, second=moment.second if seconds else 0)
    sign = "-" if offset < 0 else "+"
    # EDTF writes a zero offset as Z (it has no +00:00) and allows nothing beyond ±14:00.
    zone = f"{sign}{abs(offset) // 60:02d}:{abs(offset) % 60:02d}" if offset else "Z"
    text = f"{moment.year:04d}-{moment:%m-%dT%H:%M}" + (f":{moment:%S}" if seconds else "") + zone
    occurred = parse_occurred(text)
    instant = moment.replace(tzinfo=UTC) - timedelta(minutes=offset)
    assert occurred.start == instant
    assert occurred.end == instant + (timedelta(0) if seconds else timedelta(seconds=59))


edtf_like = st.from_regex(
    r"\A-?[0-9XY]{1,5}(-[0-9X]{1,2}){0,2}(T[0-9]{2}:[0-9]{2}(:[0-9]{2})?(Z|[+-][0-9]{2}:?[0-9]{2})?)?[~?%]?(/.*)?\Z"
)


@settings(max_examples=300)
@given(st.one_of(st.text(max_size=40), edtf_like))
@example("9999-12-31T23:59:59-05:00")
@example("0001-01-01T00:00:00+05:00")
@example("9999-24")
def test_any_text_parses_to_an_ordered_span_or_is_refused(text: str) -> None:
    try:
        occurred = parse_occurred(text)
    except InvalidOccurred:
        return
    assert occurred.start <= occurred.end
    assert occurred.start.tzinfo is not None and occurred.start.utcoffset() == timedelta(0)


# --- JSON Merge Patch (RFC 7396) -------------------------------------------------------------

keys = st.sampled_from(["title", "summary", "figures", "killed", "injured", "places"])
scalars = st.one_of(st.integers(-5, 5), st.text(max_size=3), st.booleans())
documents = st.recursive(
    scalars | st.lists(scalars, max_size=3),
    lambda children: st.dictionaries(keys, children, max_size=4),
    max_leaves=12,
)
objects = st.dictionaries(keys, documents, max_size=5)
patches = st.recursive(
    st.none() | scalars | st.lists(scalars, max_size=3),
    lambda children: st.dictionaries(keys, children, max_size=4),
    max_leaves=12,
).filter(lambda patch: isinstance(patch, dict))


def without_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: without_nulls(item) for key, item in value.items() if item is not None}
    return value


@given(objects, patches)
def test_a_patch_sets_what_it_names_removes_its_nulls_and_keeps_the_rest(
    target: dict[str, Any], patch: dict[str, Any]
) -> None:
    result = merge_patch(target, patch)
    for key, value in patch.items():
        if value is None:
            assert key not in result
        elif not isinstance(value, dict):
            assert result[key] == value
    for key in set(target) - set(patch):
        assert result[key] == target[key]


@given(objects, patches)
def test_applying_a_patch_twice_changes_nothing_more(target: dict[str, Any], patch: dict[str, Any]) -> None:
    once = merge_patch(target, patch)
    assert merge_patch(once, patch) == once


@given(patches)
def test_a_patch_on_nothing_is_the_patch_without_its_nulls(patch: dict[str, Any]) -> None:
    assert merge_patch({}, patch) == without_nulls(patch)


@given(objects, patches)
def test_a_patch_leaves_its_inputs_alone(target: dict[str, Any], patch: dict[str, Any]) -> None:
    before = (repr(target), repr(patch))
    merge_patch(target, patch)
    assert (repr(target), repr(patch)) == before


@given(objects, objects)
def test_changes_list_exactly_the_fields_that_differ(old: dict[str, Any], new: dict[str, Any]) -> None:
    changes = changes_between(old, new)
    assert (changes == []) == (old == new)
    for change in changes:
        assert change.old != change.new
        node_old, node_new = old, new
        *parents, leaf = change.field.split(".")
        for part in parents:
            node_old, node_new = node_old.get(part, {}), node_new.get(part, {})
        assert (node_old.get(leaf), node_new.get(leaf)) == (change.old, change.new)


# --- The report-time fold --------------------------------------------------------------------

BASE = datetime(2014, 5, 19, tzinfo=UTC)
REPORT = {"kind": "attack", "title": "t", "summary": None, "figures": {"killed": 1}, "relations": []}
REPORT |= {"actors": [], "places": [], "stories": []}

revision_bodies = st.one_of(
    st.tuples(st.just("amended"), st.fixed_dictionaries({"title": st.sampled_from("abc")})),
    st.tuples(
        st.just("amended"),
        st.fixed_dictionaries(
            {
                "figures": st.dictionaries(
                    st.sampled_from(["killed", "injured"]), st.none() | st.integers(0, 9)
                )
            }
        ),
    ),
    st.tuples(st.just("linked"), st.just({"relation": {"type": "follows", "target": "x"}})),
    st.tuples(st.just("retracted"), st.just({})),
)


@st.composite
def histories(draw: st.DrawFn) -> list[Revision]:
    """A report and its later revisions, in record (version) order, with any report times."""
    report_minute = draw(st.integers(0, 100))
    revisions = [Revision(1, "reported", BASE + timedelta(minutes=report_minute), "alice", REPORT)]
    for version, (kind, body) in enumerate(draw(st.lists(revision_bodies, max_size=8)), start=2):
        minute = draw(st.integers(report_minute, 200))  # never before the report, as the service enforces
        payload = {"patch": body} if kind == "amended" else body
        revisions.append(Revision(version, kind, BASE + timedelta(minutes=minute), "alice", payload))  # type: ignore[arg-type]
    return revisions


def fold_as_of(revisions: list[Revision], moment: datetime) -> dict[str, Any] | None:
    return fold(r for r in revisions if r.reported_at <= moment)


@given(histories(), st.randoms(use_true_random=False))
def test_the_fold_does_not_depend_on_the_order_revisions_arrive_in(
    history: list[Revision], rng: random.Random
) -> None:
    shuffled = list(history)
    rng.shuffle(shuffled)
    assert fold(shuffled) == fold(history)
    assert fold_order(shuffled) == fold_order(history)


@given(histories(), st.integers(-10, 210))
def test_as_of_t_is_the_fold_of_exactly_the_revisions_reported_by_t(
    history: list[Revision], minute: int
) -> None:
    moment = BASE + timedelta(minutes=minute)
    expected: dict[str, Any] | None = None
    for revision in sorted(history, key=lambda r: (r.reported_at, r.version)):
        if revision.reported_at <= moment:
            expected = apply_revision(expected, revision)
    assert fold_as_of(history, moment) == expected
    assert (expected is None) == (moment < history[0].reported_at)


@given(histories())
def test_the_latest_view_is_the_view_as_of_the_last_report_time(history: list[Revision]) -> None:
    last = max(r.reported_at for r in history)
    assert fold_as_of(history, last) == fold(history)
    assert fold_as_of(history, last + timedelta(days=365)) == fold(history)


@given(histories(), st.integers(0, 200))
def test_a_late_revision_changes_only_views_from_its_report_time_on(
    history: list[Revision], minute: int
) -> None:
    """Ingesting a wire copy late never rewrites what had been reported before it."""
    late = Revision(
        len(history) + 1, "amended", BASE + timedelta(minutes=minute), "bob", {"patch": {"title": "late"}}
    )
    if late.reported_at < history[0].reported_at:
        return
    for probe in range(-10, 210, 7):
        moment = BASE + timedelta(minutes=probe)
        if moment < late.reported_at:
            assert fold_as_of([*history, late], moment) == fold_as_of(history, moment)


# Text with the characters PostgreSQL refuses, those orjson escapes, and backslashes.
_TRICKY_TEXT = st.text(
    alphabet=st.sampled_from(
        ["a", " ", "\\", "b", "f", "u", "0", "\t", "\n", "\x00", "\x08", "\x0c", "\x1f", "\x7f"]
    )
    | st.characters(),
    max_size=12,
)
_JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | _TRICKY_TEXT,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(_TRICKY_TEXT, children, max_size=3),
    max_leaves=40,
)


@given(value=_JSONISH)
@settings(max_examples=400)
@example(value={"title": "tab\there"})
@example(value={"title": "nul\x00"})
@example(value=[[[[[[[[[[[[[[[[["deep"]]]]]]]]]]]]]]]]])
def test_text_is_refused_exactly_when_it_cannot_be_stored(value: Any) -> None:
    refused = False
    try:
        check_storable(value)
    except ValueError:
        refused = True
    # The quick path may only ever say yes where the exact walk finds nothing to refuse.
    assert refused == _needs_refusal(value)
    if _plainly_storable(value):
        assert not _needs_refusal(value)
