"""Valid time: EDTF strings (levels 0-1) resolved to the span they name.

The `edtf` package checks the syntax; the span is computed here because the
package widens dates marked `~`/`?` by whole units, while Newsline keeps the
span as written and carries the qualifiers as flags.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Literal

import edtf

Precision = Literal["year", "season", "month", "day", "minute", "second"]

# Coarsest first: an interval's precision is the coarser of its ends.
_PRECISION_ORDER: tuple[Precision, ...] = ("year", "season", "month", "day", "minute", "second")

# Level-1 seasons: 21 spring, 22 summer, 23 autumn, 24 winter (northern hemisphere).
_SEASON_MONTHS = {21: (3, 5), 22: (6, 8), 23: (9, 11), 24: (12, 2)}

_PART = re.compile(
    r"^(?P<year>\d{2}XX|\d{3}X|\d{4})"
    r"(?:-(?P<month>\d{2}|XX))?"
    r"(?:-(?P<day>\d{2}|XX))?"
    r"(?:T(?P<hour>\d{2}):(?P<minute>\d{2})(?::(?P<second>\d{2}))?"
    r"(?P<tz>Z|[+-]\d{2}(?::?\d{2})?)?)?"
    r"(?P<qualifier>[~?%])?$"
)


# Plain calendar dates and intervals of them (no seasons), the bulk of real input: every string of
# this shape is valid EDTF level 0-1 once its numbers are in range, which
# `_span` checks, so the slow grammar is skipped for them.
_PLAIN_DATE = r"\d{4}(?:-(?:0[1-9]|1[0-2])(?:-(?:0[1-9]|[12]\d|3[01]))?)?[~?%]?"
_PLAIN = re.compile(rf"^{_PLAIN_DATE}(?:/{_PLAIN_DATE})?$")


class InvalidOccurred(ValueError):
    """The string is not an EDTF date Newsline can place on a timeline."""


@dataclass(frozen=True)
class Occurred:
    edtf: str
    start: datetime
    end: datetime
    precision: Precision
    approximate: bool
    uncertain: bool

    def as_json(self) -> dict[str, object]:
        return {
            "edtf": self.edtf,
            "start": self.start.isoformat().replace("+00:00", "Z"),
            "end": self.end.isoformat().replace("+00:00", "Z"),
            "precision": self.precision,
            "approximate": self.approximate,
            "uncertain": self.uncertain,
        }


@lru_cache(maxsize=65536)
def parse_occurred(text: str, *, checked: bool = False) -> Occurred:
    """Parse an EDTF level 0-1 date, date-time or closed interval.

    `checked=True` skips the full EDTF grammar (slow: milliseconds a call) for
    strings that were validated when they were written, as stored events are;
    plain dates skip it always.
    """
    text = text.strip()
    if not text:
        raise InvalidOccurred("must be an EDTF date such as 2014-05-19")
    if not checked and not _PLAIN.match(text):
        _check_syntax(text)
    ends = text.split("/")
    if len(ends) > 2 or any(end in ("", "..") for end in ends):
        raise InvalidOccurred("open or unknown interval ends are not supported; give both dates")
    try:
        first = _parse_part(ends[0])
        last = _parse_part(ends[-1]) if len(ends) == 2 else first
    except OverflowError:  # a zone offset pushed a date past year 1 or 9999
        raise InvalidOccurred("is out of the range of dates Newsline can store (years 1 to 9999)") from None
    if last.end < first.start:
        raise InvalidOccurred("interval ends before it starts")
    precision = min(first.precision, last.precision, key=_PRECISION_ORDER.index)
    return Occurred(
        edtf=text,
        start=first.start,
        end=last.end,
        precision=precision,
        approximate=first.approximate or last.approximate,
        uncertain=first.uncertain or last.uncertain,
    )


def _check_syntax(text: str) -> None:
    # The edtf grammar has no minute-precision times: check those with ":00" added.
    candidate = re.sub(r"(T\d{2}:\d{2})(?=Z|[+-]|[~?%]|/|$)", r"\1:00", text)
    try:
        edtf.parse_edtf(candidate)
    except Exception as error:  # the package raises several unrelated types
        raise InvalidOccurred(
            f"{text!r} is not an EDTF date (e.g. 2014-05-19, 2014-04, 2014-04-11/2014-04-20, 2014-05~)"
        ) from error


def _parse_part(part: str) -> Occurred:
    match = _PART.match(part)
    if match is None:
        raise InvalidOccurred(f"{part!r} uses EDTF features beyond level 1 or outside our range")
    qualifier = match["qualifier"] or ""
    start, end, precision = _span(match)
    return Occurred(
        edtf=part,
        start=start,
        end=end,
        precision=precision,
        approximate=qualifier in ("~", "%"),
        uncertain=qualifier in ("?", "%"),
    )


def _span(match: re.Match[str]) -> tuple[datetime, datetime, Precision]:
    year_text, month_text, day_text = match["year"], match["month"], match["day"]
    if "X" in year_text:
        low, high = int(year_text.replace("X", "0")), int(year_text.replace("X", "9"))
        return _year_span(low, high)
    year = int(year_text)
    if year < 1:
        raise InvalidOccurred("years before 0001 are not supported")
    if month_text is None or month_text == "XX":
        return _year_span(year, year)
    month = int(month_text)
    if month in _SEASON_MONTHS:
        return _season_span(year, month)
    if not 1 <= month <= 12:
        raise InvalidOccurred(f"month {month} does not exist")
    if day_text is None or day_text == "XX":
        last_day = calendar.monthrange(year, month)[1]
        start = datetime(year, month, 1, tzinfo=UTC)
        return start, _end_of_day(datetime(year, month, last_day, tzinfo=UTC)), "month"
    day = int(day_text)
    if not 1 <= day <= calendar.monthrange(year, month)[1]:
        raise InvalidOccurred(f"{year:04d}-{month:02d} has no day {day}")
    if match["hour"] is None:
        start = datetime(year, month, day, tzinfo=UTC)
        return start, _end_of_day(start), "day"
    return _time_span(match, year, month, day)


def _time_span(match: re.Match[str], year: int, month: int, day: int) -> tuple[datetime, datetime, Precision]:
    hour, minute = int(match["hour"]), int(match["minute"])
    second = int(match["second"]) if match["second"] is not None else 0
    if hour > 23 or minute > 59 or second > 59:
        raise InvalidOccurred("time of day out of range")
    offset = _offset(match["tz"])
    moment = datetime(year, month, day, hour, minute, second, tzinfo=UTC) - offset
    if match["second"] is None:
        return moment, moment + timedelta(seconds=59), "minute"
    return moment, moment, "second"


def _offset(tz: str | None) -> timedelta:
    if tz in (None, "Z"):
        return timedelta(0)
    assert tz is not None
    sign = -1 if tz[0] == "-" else 1
    digits = tz[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:] or 0)
    return sign * timedelta(hours=hours, minutes=minutes)


def _year_span(low: int, high: int) -> tuple[datetime, datetime, Precision]:
    if low < 1:
        raise InvalidOccurred("years before 0001 are not supported")
    start = datetime(low, 1, 1, tzinfo=UTC)
    return start, _end_of_day(datetime(high, 12, 31, tzinfo=UTC)), "year"


def _season_span(year: int, season: int) -> tuple[datetime, datetime, Precision]:
    first_month, last_month = _SEASON_MONTHS[season]
    end_year = year + 1 if last_month < first_month else year
    if end_year > 9999:
        raise InvalidOccurred("dates after 9999 are not supported")
    last_day = calendar.monthrange(end_year, last_month)[1]
    start = datetime(year, first_month, 1, tzinfo=UTC)
    return start, _end_of_day(datetime(end_year, last_month, last_day, tzinfo=UTC)), "season"


def _end_of_day(day: datetime) -> datetime:
    return day.replace(hour=23, minute=59, second=59)
