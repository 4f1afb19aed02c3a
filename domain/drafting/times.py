"""Time expressions in a sentence, resolved against the publication day.

Resolution depends on tense ("said on Tuesday" is the Tuesday before, "is due to
meet on Thursday" the Thursday after), so each expression is resolved with the
tense of the words just before it. Expressions anchored to another event of the
text ("days ahead of the vote") are returned unresolved with their anchor; the
drafter resolves them once every other time of the article is known.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Literal

import dateparser

from domain.drafting.calendar import SEASONS, Span, add_months, month_end, season_span, week_span
from domain.drafting.numbers import small_number

Tense = Literal["past", "future"]

_MONTHS = {
    name: index
    for index, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sept", "sep"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
# Month names are capitalised in English: "may" lower-case is the verb.
_MONTH = (
    r"(?:January|February|March|April|May|June|July|August|September|October|November|December"
    r"|Jan\.?|Feb\.?|Mar\.?|Apr\.?|Jun\.?|Jul\.?|Aug\.?|Sept?\.?|Oct\.?|Nov\.?|Dec\.?)(?![a-z])"
)
_WEEKDAY = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
_DAY = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?"
_YEAR = r"(?:1[89]\d\d|20\d\d)"
_AMOUNT = (
    r"(?:(?:almost|nearly|about|around|some|just|only|more than|less than|over|barely|at least)\s+)?"
    r"(?:(?:a|an|one|two|three|four|five|six|seven|eight|nine|ten|a few|several|a couple of|\d+)\s+)?"
    r"(?:days?|weeks?|months?|years?|hours?)"
)
_SEASON = r"(?:spring|summer|autumn|winter)"

_FORMS = [
    ("day_month", rf"\b{_DAY} {_MONTH}(?:,? {_YEAR})?\b"),
    ("month_day", rf"\b{_MONTH} {_DAY}(?:,? {_YEAR})?\b(?![:.]\d)"),
    (
        "part_month",
        rf"\b(?:(?i:early|mid|late)[- ]|(?i:the )?(?i:end|beginning|start|middle) of ){_MONTH}(?: {_YEAR})?",
    ),
    ("month_year", rf"\b{_MONTH} {_YEAR}\b"),
    (
        "month",
        rf"\b(?:(?i:in|since|during|until|by|from|of|last|next|this|early|late)\s+){_MONTH}(?:,?\s+{_YEAR})?",
    ),
    (
        "bare_month",
        r"\b(?:January|February|March|April|June|July|August|September|October|November|December)\b",
    ),
    ("season", rf"\b(?:(?i:in the|this|last|next|in|the)\s+)?(?i:{_SEASON})(?:\s+(?:of\s+)?{_YEAR})?\b"),
    (
        "weekday",
        rf"\b(?:(?i:last|next|this|on|by|until|since)\s+)?{_WEEKDAY}(?:\s+(?i:morning|afternoon|evening|night))?",
    ),
    ("anchored", rf"(?i:\b{_AMOUNT}\s+(?:after|before|ahead of|earlier than|later than|prior to)\b)"),
    (
        "relative_shift",
        rf"(?i:\b{_AMOUNT}\s+(?:earlier|later|ago)\b"
        r"|\bthe (?:next|following|previous) (?:day|week|month)\b|\bthe day (?:before|after)(?=[,.;]|$))",
    ),
    (
        "duration",
        r"(?i:\b(?:days|weeks|months|years) of\b|\bin recent (?:days|weeks|months)\b"
        r"|\bin the past (?:few )?(?:days|weeks|months)\b)",
    ),
    (
        "period",
        r"(?i:\b(?:last|next|this|the past|the coming|earlier this|later this)\s+"
        r"(?:week|month|year|weekend)\b|\b(?:at|over) the weekend\b)",
    ),
    (
        "relative_day",
        r"(?i:\b(?:today|tonight|yesterday|tomorrow|last night|overnight|this (?:morning|afternoon|evening)"
        r"|earlier today|later today|earlier|(?:over|in) the (?:past|last) (?:24|48) hours)\b)",
    ),
    ("year", rf"\b(?:(?i:in|since|during|by|until|of|from|early|late)\s+){_YEAR}\b"),
    (
        "vague",
        r"(?i:\b(?:in the past|recently|soon|in the coming (?:days|weeks|months)|at some point|previously"
        r"|over the next few days)\b)",
    ),
]
# Tried only where a word starts (eight times quicker than letting every form fail at every word end).
_PATTERN = re.compile("(?<!\\w)(?=\\w)(?:" + "|".join(f"(?P<{name}>{regex})" for name, regex in _FORMS) + ")")

_FUTURE = re.compile(
    r"\b(?:will|'ll|shall|due to|is to|are to|set to|plans? to|planned|scheduled|expected to|going to|"
    r"holds|meets|begins|starts|opens|arrives|travels|next|upcoming|coming|would hold|would meet)\b"
)


@dataclass(frozen=True)
class Mention:
    """A time expression: its text, where it is, what form it has, and its span of days
    (None while it awaits its anchor, or when it cannot be resolved)."""

    text: str
    start: int
    end: int
    form: str
    span: Span | None
    shift_days: float = 0.0  # for anchored forms: days from the anchor, signed
    anchor: str = ""  # the words naming the anchor ("a crucial presidential vote")

    @property
    def resolved(self) -> bool:
        return self.span is not None

    @property
    def awaits_anchor(self) -> bool:
        return self.form in ("anchored", "relative_shift") and self.span is None and self.shift_days != 0


def tense_before(text: str, position: int) -> Tense:
    """The tense of the words leading up to `position` (at most the clause start)."""
    window = text[max(0, position - 60) : position].lower()
    return "future" if _FUTURE.search(window) else "past"


def find(text: str, published: date, clause_tense: Tense | None = None, offset: int = 0) -> list[Mention]:
    """The time expressions of `text` (a sentence starting at `offset` of the article)."""
    found = []
    for match in _PATTERN.finditer(text):
        form = str(match.lastgroup)
        tense = tense_before(text, match.start())
        if clause_tense == "future" and tense == "past" and not _past_words(text[: match.start()]):
            tense = "future"
        try:
            span, shift, anchor = _resolve(form, match.group(), published, tense, text[match.end() :])
        except (ValueError, OverflowError):  # a date past the calendar's ends (year 1 or 9999)
            span, shift, anchor = None, 0.0, ""
        found.append(
            Mention(match.group(), offset + match.start(), offset + match.end(), form, span, shift, anchor)
        )
    return found


def _past_words(text: str) -> bool:
    return bool(re.search(r"\b(?:said|was|were|had|did|\w+ed)\b", text[-40:]))


def _resolve(
    form: str, text: str, published: date, tense: Tense, rest: str
) -> tuple[Span | None, float, str]:
    lower = text.lower()
    if form in ("anchored", "relative_shift"):
        return _shift(lower, rest, published)
    span = _RESOLVERS[form](lower, text, published, tense)
    if span is not None and lower.startswith("since ") and span.first <= published:
        span = Span(span.first, published, span.first_grain, "day")  # "since November": until now
    return span, 0.0, ""


def amount_days(lower: str) -> tuple[float, bool]:
    """The days an amount of time names ("almost a week": 6), and whether it was given exactly."""
    unit = next((u for u in ("hour", "day", "week", "month", "year") if u in lower), "day")
    days = {"hour": 0.0, "day": 1.0, "week": 7.0, "month": 30.0, "year": 365.0}[unit]
    count_match = re.search(
        r"\b(a|an|one|two|three|four|five|six|seven|eight|nine|ten|a few|several|a couple of|\d+)\s+\w+",
        lower,
    )
    count = small_number(count_match.group(1)) if count_match else 3.0  # bare "days", "weeks": a few
    if lower.startswith("the "):  # "the next day", "the day before"
        count = 1.0
    amount = count * days
    if lower.startswith(("almost", "nearly", "just", "barely", "less than")):
        amount -= 1 if unit != "hour" else 0
    elif lower.startswith(("more than", "over")):
        amount += 1
    return amount, unit == "day" and count_match is not None and not lower.startswith(
        ("about", "around", "some")
    )


def _shift(lower: str, rest: str, published: date) -> tuple[Span | None, float, str]:
    """An amount of time before or after something: "almost a week after", "two days ago"."""
    amount, exact = amount_days(lower)
    sign = 1.0 if re.search(r"\b(?:after|later|later than|next|following)\b", lower) else -1.0
    if lower.endswith("ago"):
        return Span.day(published - timedelta(days=round(amount)), approximate=not exact), 0.0, ""
    told_before = lower.endswith(("earlier", "later")) or lower.startswith("the ")
    anchor = "" if told_before else rest.strip()
    return None, sign * max(amount, 0.5), re.split(r"[,;.]|\band\b", anchor)[0].strip()


def _day_month(lower: str, text: str, published: date, tense: Tense) -> Span | None:
    parsed = _parse(text.replace(".", ""), tense, published)
    if parsed is None:
        return None
    a_year_on = (parsed.year - 1, parsed.month, parsed.day) == (
        published.year,
        published.month,
        published.day,
    )
    if tense == "future" and a_year_on and not re.search(_YEAR, text):
        parsed = published  # "on 19 May" said on 19 May is that day, not the next year's
    return Span.day(parsed)


@lru_cache(maxsize=4096)
def _parse(text: str, prefer: str, published: date) -> date | None:
    base = datetime(published.year, published.month, published.day, 12)
    settings = {"RELATIVE_BASE": base, "PREFER_DATES_FROM": prefer, "REQUIRE_PARTS": ["day", "month"]}
    parsed = dateparser.parse(text, languages=["en"], settings=settings)
    return parsed.date() if parsed else None


def _month_number(lower: str) -> int:
    return next(number for name, number in _MONTHS.items() if re.search(rf"\b{name}\b", lower))


def _year_in(text: str) -> int | None:
    found = re.search(_YEAR, text)
    return int(found.group()) if found else None


def _month_year(month: int, published: date, tense: Tense, lower: str) -> int:
    if "last " in lower:
        return published.year if month < published.month else published.year - 1
    if "next " in lower:
        return published.year if month > published.month else published.year + 1
    if tense == "future":
        return published.year if month >= published.month else published.year + 1
    return published.year if month <= published.month else published.year - 1


def _month(lower: str, text: str, published: date, tense: Tense) -> Span | None:
    month = _month_number(lower)
    year = _year_in(text) or _month_year(month, published, tense, lower)
    span = Span.month(year, month)
    if tense == "past" and span.first <= published < span.last and not _year_in(text):
        return span.until(published)
    return span


def _part_month(lower: str, text: str, published: date, tense: Tense) -> Span | None:
    month = _month_number(lower.replace("mid", " "))
    year = _year_in(text) or _month_year(month, published, tense, lower)
    last_day = month_end(year, month).day
    first, last = (1, 10) if re.search(r"early|beginning|start", lower) else (21, last_day)
    if re.search(r"mid|middle", lower):
        first, last = 11, 20
    return Span.days(date(year, month, first), date(year, month, last), approximate=True)


def _season(lower: str, text: str, published: date, tense: Tense) -> Span | None:
    name = next(s for s in SEASONS if s in lower)
    year = _year_in(text)
    if year is not None:
        return season_span(name, year)
    current = season_span(
        name, published.year if published.month >= 3 or name != "winter" else published.year - 1
    )
    if current.first <= published <= current.last:
        if "last" in lower:
            return season_span(name, current.first.year - 1)
        if "next" in lower:
            return season_span(name, current.first.year + 1)
        return current.until(published) if tense == "past" else current
    if tense == "past" or "last" in lower:
        return current if current.last < published else season_span(name, current.first.year - 1)
    return current if current.first > published else season_span(name, current.first.year + 1)


def _weekday(lower: str, text: str, published: date, tense: Tense) -> Span | None:
    wanted = next(i for i, name in enumerate(_WEEKDAYS) if name in lower)
    if "last " in lower or (tense == "past" and "next " not in lower):
        back = (published.weekday() - wanted) % 7
        back = back or (7 if "last " in lower else 0)
        return Span.day(published - timedelta(days=back))
    ahead = (wanted - published.weekday()) % 7 or 7
    return Span.day(published + timedelta(days=ahead))


def _relative_day(lower: str, text: str, published: date, tense: Tense) -> Span | None:
    if "yesterday" in lower or "last night" in lower:
        return Span.day(published - timedelta(days=1))
    if "tomorrow" in lower:
        return Span.day(published + timedelta(days=1))
    if "overnight" in lower or "hours" in lower:
        return Span.days(published - timedelta(days=1), published)
    return Span.day(published)


def _period(lower: str, text: str, published: date, tense: Tense) -> Span | None:
    step = -1 if re.search(r"last|past", lower) else 1 if re.search(r"next|coming", lower) else 0
    if "weekend" in lower:
        saturday = published + timedelta(days=(5 - published.weekday()) % 7)
        if step < 0 or (step == 0 and tense == "past"):
            saturday -= timedelta(days=7) if saturday > published else timedelta(0)
        return Span.days(saturday, saturday + timedelta(days=1))
    if "week" in lower:
        return week_span(published + timedelta(days=7 * step))
    if "month" in lower:
        first = add_months(published, step)
        return Span.month(first.year, first.month)
    return Span.year(published.year + step)


def _duration(lower: str, text: str, published: date, tense: Tense) -> Span | None:
    """ "weeks of fighting", "in recent months": a span of that order ending on the day of the report."""
    if "day" in lower:
        return Span.days(published - timedelta(days=7), published, approximate=True)
    back = 28 if "week" in lower else 90 if "month" in lower else 730
    start = published - timedelta(days=back)
    return Span(date(start.year, start.month, 1), published, "month", "day")


def _year(lower: str, text: str, published: date, tense: Tense) -> Span | None:
    year = _year_in(text)
    return Span.year(year) if year else None


def _vague(lower: str, text: str, published: date, tense: Tense) -> Span | None:
    return None


_RESOLVERS = {
    "day_month": _day_month,
    "month_day": _day_month,
    "part_month": _part_month,
    "month_year": _month,
    "month": _month,
    "bare_month": _month,
    "season": _season,
    "weekday": _weekday,
    "duration": _duration,
    "period": _period,
    "relative_day": _relative_day,
    "year": _year,
    "vague": _vague,
}
