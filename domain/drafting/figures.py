"""Figures: numbers with what they count ("seven soldiers were killed" → killed: 7).

A count of people followed by what befell them is named after the outcome
(killed, injured, arrested, missing, displaced); any other count is named after
its noun ("around 40,000 troops" → troops: 40000). Years, dates and spans of
time are not figures.
"""

from __future__ import annotations

import re

from domain.drafting.numbers import with_digits

_OUTCOMES = {
    "killed": "killed",
    "dead": "killed",
    "died": "killed",
    "shot dead": "killed",
    "injured": "injured",
    "wounded": "injured",
    "hurt": "injured",
    "arrested": "arrested",
    "detained": "arrested",
    "missing": "missing",
    "displaced": "displaced",
    "evacuated": "evacuated",
}
_OUTCOME = "|".join(sorted(_OUTCOMES, key=len, reverse=True))
_NOT_COUNTED = frozenset(
    [
        "years",
        "year",
        "days",
        "day",
        "weeks",
        "week",
        "months",
        "month",
        "hours",
        "hour",
        "minutes",
        "times",
        "percent",
        "per",
        "cent",
        "am",
        "pm",
    ]
)
_FUNCTION_WORDS = frozenset(
    [
        "of",
        "the",
        "a",
        "an",
        "and",
        "or",
        "in",
        "on",
        "at",
        "to",
        "for",
        "by",
        "with",
        "from",
        "as",
        "than",
        "that",
        "which",
        "who",
    ]
)
_APPROX = (
    r"(?:(?:around|about|some|nearly|almost|at least|more than|over|up to|roughly|an estimated"
    r"|approximately)\s+)?"
)
_COUNT = re.compile(
    rf"{_APPROX}\b(?P<n>\d+(?:\.\d+)?)\s+(?P<adj>(?:[A-Za-z-]+\s+){{0,2}}?)(?P<noun>[a-z]+)\b"
    r"(?P<after>(?:\s+(?:were|was|have been|had been|are|been|also|reportedly|later)){0,3}"
    rf"\s+(?:{_OUTCOME})\b)?"
)
_VERB_FIRST = re.compile(rf"\b(?P<outcome>killed|injured|wounded|arrested|detained)\s+{_APPROX}(?P<n>\d+)\b")
_ONE = re.compile(
    r"\b(?:a|an|one)\s+(?:[A-Za-z-]+\s+)?(?P<noun>soldier|civilian|person|man|woman|child|officer|policeman"
    r"|journalist|protester|serviceman)"
    rf"\s+(?:was|has been|had been)\s+(?:\w+\s+)?(?P<outcome>{_OUTCOME})\b",
    re.IGNORECASE,
)
_NUMBERING = re.compile(
    rf"\b(?P<noun>[a-z]+s)\b(?:,?\s+which\b[^.]{{0,40}}?)?\s+numbers?(?:ing)?\s+{_APPROX}(?P<n>\d+)\b"
)
_COUNT_OUTCOME = re.compile(
    r"\b(?P<n>\d+(?:\.\d+)?)\s+(?:[A-Za-z-]+\s+){0,3}?"
    rf"(?:and\s+{_APPROX}(?P<m>\d+(?:\.\d+)?)\s+(?:[A-Za-z-]+\s+){{0,3}}?)?"
    r"(?:were|was|have been|had been|are)\s+"
    r"(?:[a-z]+ly\s+|also\s+)?"
    rf"(?P<outcome>{_OUTCOME})\b"
)


def figures(text: str, context: str = "") -> dict[str, int | float]:
    """The figures stated in `text`; `context` is the text just before it (for
    "…troops, which NATO estimates number around 40,000")."""
    digits = with_digits(text)
    found: dict[str, int | float] = {}
    for match in _ONE.finditer(digits):
        found.setdefault(_OUTCOMES[match["outcome"].lower()], 1)
    for match in _VERB_FIRST.finditer(digits):
        found.setdefault(_OUTCOMES[match["outcome"]], _number(match["n"]))
    used: set[int] = set()
    for match in _COUNT_OUTCOME.finditer(digits):
        total = float(match["n"]) + (float(match["m"]) if match["m"] else 0.0)
        found.setdefault(_OUTCOMES[match["outcome"]], _number(str(total)))  # "40 soldiers and 10 civilians"
        used.update((match.start("n"), match.start("m")))
    for match in _VERB_FIRST.finditer(digits):
        used.add(match.start("n"))
    for match in _COUNT.finditer(digits):
        noun = match["noun"]
        if match.start("n") in used or digits[: match.start("n")].lower().endswith("the "):
            continue  # "the two men": the men already told of, not a count
        value = _number(match["n"])
        if noun in _NOT_COUNTED or noun in _FUNCTION_WORDS or _looks_like_year(match["n"], noun):
            continue
        if match["after"]:
            outcome = next(o for o in sorted(_OUTCOMES, key=len, reverse=True) if match["after"].endswith(o))
            found.setdefault(_OUTCOMES[outcome], value)
        elif noun in _OUTCOMES:
            found.setdefault(_OUTCOMES[noun], value)
        else:
            found.setdefault(noun, value)
    joined = with_digits(context[-80:] + " " + text) if context else digits
    for match in _NUMBERING.finditer(joined):
        if match["noun"] not in _NOT_COUNTED:
            found.setdefault(match["noun"], _number(match["n"]))
    # A figure's name is at most 100 characters (domain.values.FigureName); no English noun is near that.
    return {name: value for name, value in found.items() if value <= _LARGEST and len(name) <= 40}


# The largest figure an occurrence holds (domain.values.MAX_FIGURE).
_LARGEST = 1e15


def _number(text: str) -> int | float:
    value = float(text)
    return int(value) if value.is_integer() else value


def _looks_like_year(number: str, noun: str) -> bool:
    return len(number) == 4 and number.startswith(("19", "20")) and not noun.endswith("s")
