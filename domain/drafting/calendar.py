"""Spans of days and their EDTF form: what a resolved time expression names."""

from __future__ import annotations

import calendar
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Literal

Grain = Literal["day", "month", "season", "year"]

# Meteorological seasons of the northern hemisphere, as EDTF level 1 numbers them.
SEASONS = {"spring": (21, 3), "summer": (22, 6), "autumn": (23, 9), "fall": (23, 9), "winter": (24, 12)}


def month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class Span:
    """Days from `first` to `last`, each end written at its own grain, with EDTF qualifiers."""

    first: date
    last: date
    first_grain: Grain = "day"
    last_grain: Grain = "day"
    approximate: bool = False
    uncertain: bool = False
    uncertain_end: bool = False  # only the end is in doubt (a span still running when reported)
    season: int | None = None  # the EDTF season number when the span is a whole season

    @classmethod
    def day(cls, day: date, *, approximate: bool = False, uncertain: bool = False) -> Span:
        return cls(day, day, approximate=approximate, uncertain=uncertain)

    @classmethod
    def month(cls, year: int, month: int) -> Span:
        return cls(date(year, month, 1), month_end(year, month), "month", "month")

    @classmethod
    def year(cls, year: int) -> Span:
        return cls(date(year, 1, 1), date(year, 12, 31), "year", "year")

    @classmethod
    def days(cls, first: date, last: date, *, approximate: bool = False) -> Span:
        return cls(first, last, approximate=approximate)

    def approx(self) -> Span:
        return replace(self, approximate=True)

    def doubtful(self) -> Span:
        return replace(self, uncertain=True)

    def until(self, last: date) -> Span:
        """The same start, cut at `last` (a span still running on that day), its end in doubt."""
        return replace(self, last=last, last_grain="day", uncertain_end=True, season=None)

    def edtf(self) -> str:
        mark = "%" if self.approximate and self.uncertain else "~" if self.approximate else ""
        mark = mark or ("?" if self.uncertain else "")
        if self.season is not None and not mark:
            return f"{self.first.year:04d}-{self.season}"
        left, right = _written(self.first, self.first_grain), _written(self.last, self.last_grain)
        whole = self._whole(left, right)
        if whole is not None:
            return whole + (mark or ("?" if self.uncertain_end else ""))
        end_mark = mark or ("?" if self.uncertain_end else "")
        return f"{left}{mark}/{right}{end_mark}"

    def _whole(self, left: str, right: str) -> str | None:
        """The span as one date when it is exactly one day, month or year."""
        if left != right:
            return None
        if self.first_grain == "day" and self.first == self.last:
            return left
        if self.first_grain == "month" and (self.first.day, self.last) == (
            1,
            month_end(self.first.year, self.first.month),
        ):
            return left
        if self.first_grain == "year" and (self.first, self.last) == (
            date(self.first.year, 1, 1),
            date(self.first.year, 12, 31),
        ):
            return left
        return None


def _written(day: date, grain: Grain) -> str:
    if grain in ("month", "season"):
        return f"{day.year:04d}-{day.month:02d}"
    if grain == "year":
        return f"{day.year:04d}"
    return day.isoformat()


def season_span(name: str, year: int) -> Span:
    number, first_month = SEASONS[name]
    first = date(year, first_month, 1)
    last = add_months(first, 3) - timedelta(days=1)
    return Span(first, last, "month", "month", season=number)


def week_span(day: date) -> Span:
    monday = day - timedelta(days=day.weekday())
    return Span.days(monday, monday + timedelta(days=6))
