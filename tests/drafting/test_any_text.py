"""Any text drafts without error, and every draft is a report POST /v1/occurrences accepts."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from api.schemas.occurrences import OccurrenceCreate
from domain.drafting import Drafter

WORDS = [
    "Mr",
    "Putin",
    "said",
    "on",
    "7",
    "May",
    "that",
    "troops",
    "killed",
    "seven",
    "soldiers",
    "in",
    "mid-April",
    ",",
    ".",
    '"',
    "'",
    "40,000",
    "tomorrow",
    "yesterday",
    "Sunday",
    "last",
    "week",
    "next",
    "month",
    "spring",
    "2014",
    "Dec",
    "15",
    "almost",
    "a",
    "week",
    "after",
    "days",
    "ahead",
    "of",
    "the",
    "vote",
    "NATO",
    "Kiev",
    "denied",
    "urged",
    "ordered",
    "due",
    "to",
    "meet",
    "election",
    "sanctions",
    "arrested",
    "protest",
    ",",
    "but",
    "when",
    "which",
    "adding",
    "that",
    "A",
    "an",
    "The",
    "He",
    "1999",
    "3",
    "three",
    "thousand",
    "early",
    "late",
    "March",
    "May",
    "June",
    "winter",
    "overnight",
    "?",
    "!",
    "\n\n",
    "29",
    "February",
    "31",
    "April",
    "0",
    "days",
    "after",
    "in",
    "9999",
    "Ms.",
    "U.S.",
    "10000000000000000000",
    "wounded",
]

news_like = st.lists(st.sampled_from(WORDS), max_size=80).map(" ".join)
moments = st.datetimes(
    min_value=datetime(1900, 1, 1), max_value=datetime(2100, 12, 31), timezones=st.just(UTC)
)


@settings(max_examples=500, deadline=None)
@given(text=st.one_of(news_like, st.text(max_size=300)), published=moments)
def test_any_text_drafts_valid_reports(text: str, published: datetime) -> None:
    for draft in Drafter().draft(text, published):
        OccurrenceCreate.model_validate(draft.occurrence)
        evidence = draft.evidence
        assert text[evidence["start"] : evidence["end"]] == evidence["text"]
        assert 0 <= draft.confidence <= 1
        assert all(0 <= r["draft"] < 10_000 for r in draft.relations)
