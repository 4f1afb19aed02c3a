"""Valid time: EDTF strings resolve to the span as written, qualifiers as flags."""

from datetime import UTC, datetime

import edtf
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.occurred import InvalidOccurred, parse_occurred


def at(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "start", "end", "precision"),
    [
        ("2014-05-19", at(2014, 5, 19), at(2014, 5, 19, 23, 59, 59), "day"),
        ("2014-04", at(2014, 4, 1), at(2014, 4, 30, 23, 59, 59), "month"),
        ("2014", at(2014, 1, 1), at(2014, 12, 31, 23, 59, 59), "year"),
        ("2014-05-19T04:30:00Z", at(2014, 5, 19, 4, 30), at(2014, 5, 19, 4, 30), "second"),
        ("2014-05-19T04:30Z", at(2014, 5, 19, 4, 30), at(2014, 5, 19, 4, 30, 59), "minute"),
        ("2014-05-19T06:30:00+02:00", at(2014, 5, 19, 4, 30), at(2014, 5, 19, 4, 30), "second"),
        ("2014-21", at(2014, 3, 1), at(2014, 5, 31, 23, 59, 59), "season"),
        ("2014-24", at(2014, 12, 1), at(2015, 2, 28, 23, 59, 59), "season"),
        ("201X", at(2010, 1, 1), at(2019, 12, 31, 23, 59, 59), "year"),
        ("2016-02", at(2016, 2, 1), at(2016, 2, 29, 23, 59, 59), "month"),
    ],
)
def test_span_is_the_date_as_written(text: str, start: datetime, end: datetime, precision: str) -> None:
    occurred = parse_occurred(text)
    assert (occurred.start, occurred.end, occurred.precision) == (start, end, precision)
    assert occurred.edtf == text


def test_interval_spans_both_ends_at_the_coarser_precision() -> None:
    occurred = parse_occurred("2014-04/2014-05-19")
    assert occurred.start == at(2014, 4, 1)
    assert occurred.end == at(2014, 5, 19, 23, 59, 59)
    assert occurred.precision == "month"


@pytest.mark.parametrize(
    ("text", "approximate", "uncertain"),
    [("2014-04~", True, False), ("2014-04?", False, True), ("2014-04%", True, True)],
)
def test_qualifiers_set_flags_and_never_widen_the_span(text: str, approximate: bool, uncertain: bool) -> None:
    occurred = parse_occurred(text)
    assert (occurred.approximate, occurred.uncertain) == (approximate, uncertain)
    assert (occurred.start, occurred.end) == (at(2014, 4, 1), at(2014, 4, 30, 23, 59, 59))


def test_a_qualified_interval_end_flags_the_whole_interval() -> None:
    occurred = parse_occurred("2014-04-11/2014-04-20~")
    assert occurred.approximate and not occurred.uncertain
    assert (occurred.start, occurred.end) == (at(2014, 4, 11), at(2014, 4, 20, 23, 59, 59))


@pytest.mark.parametrize(
    "text",
    [
        "",
        "yesterday",
        "2014-13",
        "2014-02-30",
        "2014-04/..",
        "../2014",
        "2014-05-20/2014-05-19",
        "2014-04-?11",
    ],
)
def test_rejects_what_cannot_be_placed_on_a_timeline(text: str) -> None:
    with pytest.raises(InvalidOccurred):
        parse_occurred(text)


def _plain_date() -> st.SearchStrategy[str]:
    two = st.integers(0, 35).map(lambda n: f"{n:02d}")
    return st.builds(
        lambda year, month, day, qualifier: year + month + day + qualifier,
        st.integers(0, 9999).map(lambda n: f"{n:04d}"),
        st.sampled_from(["", "-"]).flatmap(lambda dash: two.map(lambda m: dash + m) if dash else st.just("")),
        st.one_of(st.just(""), two.map(lambda d: "-" + d)),
        st.sampled_from(["", "~", "?", "%"]),
    ).filter(lambda text: not (text[4:5] == "" and "-" in text[5:]))


@settings(max_examples=300, deadline=None)
@given(st.one_of(_plain_date(), st.tuples(_plain_date(), _plain_date()).map("/".join)))
def test_plain_dates_skip_the_grammar_but_not_its_verdict(text: str) -> None:
    """Plain dates are checked without the EDTF grammar; the verdict must not change."""

    def accepted(check: object) -> bool:
        try:
            check()  # type: ignore[operator]
        except Exception:
            return False
        return True

    grammar_and_span = accepted(lambda: edtf.parse_edtf(text)) and accepted(
        lambda: parse_occurred(text, checked=True)
    )
    assert accepted(lambda: parse_occurred(text)) == grammar_and_span
