"""Times told against another event of the same article: "days ahead of a crucial presidential
vote", "almost a week after seven soldiers were killed", "a week later"."""

from __future__ import annotations

import re
from datetime import date, timedelta

from domain.drafting.calendar import Span

# Words that name the same kind of event, so "the vote" finds "a presidential election".
_SAME_EVENT = (
    frozenset(("vote", "election", "elections", "poll", "polls", "ballot", "referendum", "runoff")),
    frozenset(("attack", "ambush", "shelling", "assault", "raid", "bombing", "strike", "blast", "explosion")),
    frozenset(("meeting", "talks", "summit", "visit", "meet")),
    frozenset(("offensive", "operation", "campaign", "invasion")),
    frozenset(("exercises", "exercise", "drills", "manoeuvres", "maneuvers")),
    frozenset(("order", "ordered")),
)
_STOP = frozenset(
    [
        "a",
        "an",
        "the",
        "of",
        "in",
        "on",
        "at",
        "to",
        "for",
        "by",
        "crucial",
        "key",
        "aimed",
        "new",
        "first",
        "last",
        "its",
        "their",
        "his",
        "her",
    ]
)


def anchor_words(anchor: str) -> set[str]:
    """The words of an anchor phrase, with the other names of the same kind of event."""
    words = {w for w in re.findall(r"[a-z]+", anchor.lower()) if w not in _STOP and len(w) > 2}
    for group in _SAME_EVENT:
        if words & group:
            words |= group
    return words


def names_anchor(text: str, words: set[str]) -> bool:
    found = set(re.findall(r"[a-z]+", text.lower()))
    heads = {w for w in words if any(w in group for group in _SAME_EVENT)} or words
    return bool(found & heads)


def shifted(anchor: Span, days: float, published: date, *, reported_done: bool) -> Span:
    """The span `days` from the anchor (negative: before it). A deed reported as done that the text
    places days ahead of an event still to come happened by the day of the report."""
    if reported_done and anchor.first > published and anchor.first + timedelta(days=days) <= published:
        return Span.day(published)
    if reported_done and anchor.first > published:
        return Span.day(published)
    base = anchor.first if days < 0 else anchor.last
    return Span.day(base + timedelta(days=round(days)), approximate=True)


def before_by(base: Span, amount_days: float, order: str) -> Span:
    """A clause joined by "<amount> after": the event it names came that long before `base`
    ("days after" something in May is itself in May, roughly)."""
    if (base.last - base.first).days > 2 * amount_days:
        return base.approx()
    if order == "after":
        return Span.day(base.first - timedelta(days=round(amount_days)), approximate=True)
    return Span.day(base.last + timedelta(days=round(amount_days)), approximate=True)
