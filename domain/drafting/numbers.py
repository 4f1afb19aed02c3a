"""Numbers written in words ("seven", "forty thousand"), read with text2num."""

from __future__ import annotations

import re

from text_to_num import alpha2digit

_SMALL = {"a": 1, "an": 1, "a couple of": 2, "a few": 3, "several": 4}


def small_number(text: str) -> float:
    """A count as it precedes a unit: "a", "two", "a few", "12"."""
    text = text.lower().strip()
    if text in _SMALL:
        return float(_SMALL[text])
    if text.isdigit():
        return float(text)
    converted = alpha2digit(text, "en", threshold=0)
    return float(converted) if converted.isdigit() else 3.0


def with_digits(text: str) -> str:
    """The text with number words as digits and thousands separators dropped ("40,000" → "40000").

    text2num leaves "one" alone in most places (it is as often a pronoun); a sentence's
    "A soldier was killed" is read by the figures rules instead.
    """
    text = alpha2digit(text, "en", threshold=1)
    return re.sub(r"(?<=\d),(?=\d{3}\b)", "", text)
