"""Sentences and clauses of an article, with their character offsets.

Sentences come from pysbd (rule-based sentence boundary detection, which knows
"Mr.", "U.S." and quotes). A sentence is cut into clauses where a second event
starts: ", but", ";", "when", "because", "after"/"before" followed by a clause of
its own ("after Russia annexed…", not "after the end of the exercises"), a
relative ", which", and a speaker going on (", adding that", ", noting").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import pysbd

# Words that start a second clause, and what joins it to the one before.
_CUTS = re.compile(
    r"(?=[,;\s])(?:(?P<adding>,?\s+(?:adding|noting|saying|and (?:added|cautioned|warned|said|noted))"
    r"(?:\s+that)?\s+)"
    r"|(?P<apposed>,\s+(?=(?:demanding|calling for|urging|accusing"
    r"|a (?:charge|claim|move|step|report|decision)s?\b)))"
    r"|(?P<also>\s+and\s+(?=(?:also\s+)?(?:urged|accused|denied|called on|warned|demanded|threatened"
    r"|rejected|condemned)\b))"
    r"|(?P<but>,?\s+but\s+|;\s+|,?\s+while\s+"
    r"|,\s+and\s+(?=(?:[\w-]+\s+){1,3}?(?:also\s+)?(?:\w+ed|were|was|are|is|will|have|has|had|said)\b))"
    r"|(?P<when>\s+when\s+)"
    r"|(?P<because>\s+because\s+)"
    r"|(?P<which>,\s+which\s+)"
    r"|(?P<what>\s+what\s+(?=(?:the\s+)?[\w'-]+(?:\s+[\w'-]+)?\s+(?:said|says|called|calls)\b))"
    r"|(?P<after>\s+(?P<amount>(?:(?:almost|nearly|about|around|some|just|more than|less than|only)\s+)?"
    r"(?:(?:a|an|one|two|three|four|five|six|seven|eight|nine|ten|a few|several|\d+)\s+)?"
    r"(?:days?|weeks?|months?|hours?)\s+)?(?P<order>after|before)\s+"
    r"(?=(?:\S+\s+){0,5}?(?:was|were|is|are|has|had|have|will|\w+ed)\b|(?:it|he|she|they|we)\s+\w+)))",
    re.IGNORECASE,
)
# Where a sentence may end inside a paragraph: end punctuation, then the start of another.
_BOUNDARY = re.compile(r"[.!?][\"'\u201d\u2019)]*\s+[\"\u201c(]?[A-Z0-9]")
_HEADLINE_END = re.compile(r"[.!?\"'”\u2019)]\s*$")


@dataclass(frozen=True)
class Piece:
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Clause(Piece):
    """Part of a sentence; `link` says how it joins the clause before it
    ("" for the first, "after" with `amount` for "almost a week after …")."""

    link: str = ""
    amount: str = ""
    order: str = ""


@lru_cache(maxsize=1)
def _segmenter() -> pysbd.Segmenter:
    return pysbd.Segmenter(language="en", clean=False, char_span=True)


def sentences(text: str) -> list[Piece]:
    """The article's sentences, paragraph by paragraph; headlines and crossheads (a short
    paragraph that does not end as a sentence does) are left out: the body tells it again."""
    found = []
    for paragraph in re.finditer(r"[^\n]+(?:\n(?!\s*\n)[^\n]+)*", text):
        body = paragraph.group()
        if not _HEADLINE_END.search(body) and len(body.split()) < 20:
            continue
        if not _BOUNDARY.search(body):  # one sentence (most news paragraphs): pysbd has nothing to decide
            lead = len(body) - len(body.lstrip())
            found.append(
                Piece(paragraph.start() + lead, paragraph.start() + lead + len(body.strip()), body.strip())
            )
            continue
        for span in _segmenter().segment(body):
            stripped = span.sent.strip()
            if not stripped:
                continue
            start = paragraph.start() + span.start + (len(span.sent) - len(span.sent.lstrip()))
            found.append(Piece(start, start + len(stripped), stripped))
    return found


def clauses(sentence: Piece) -> list[Clause]:
    """The sentence cut where a second event starts; outside quotes only."""
    text = sentence.text
    quoted = quote_ranges(text)
    pieces: list[Clause] = []
    begin, link, amount, order = 0, "", "", ""
    for cut in _CUTS.finditer(text):
        if any(a <= cut.start() < b for a, b in quoted) or cut.start() - begin < 3:
            continue
        pieces.append(_clause(sentence, begin, cut.start(), link, amount, order))
        begin, link = cut.end(), str(cut.lastgroup if cut.lastgroup != "order" else "after")
        link = {"also": "adding", "apposed": "which"}.get(link, link)
        if cut.group("after"):
            link, amount, order = "after", (cut.group("amount") or "").strip(), cut.group("order").lower()
        else:
            amount, order = "", ""
    pieces.append(_clause(sentence, begin, len(text), link, amount, order))
    return [piece for piece in pieces if piece.text]


def _clause(sentence: Piece, begin: int, end: int, link: str, amount: str, order: str) -> Clause:
    raw = sentence.text[begin:end]
    lead = len(raw) - len(raw.lstrip(" ,;"))
    body = raw.strip(" ,;")
    return Clause(
        sentence.start + begin + lead, sentence.start + begin + lead + len(body), body, link, amount, order
    )


def quote_ranges(text: str) -> list[tuple[int, int]]:
    """Where the text is quoted (straight or curly double quotes), inner offsets."""
    return [(m.start() + 1, m.end() - 1) for m in re.finditer(r"[\"“][^\"“”]*[\"”]", text)]


def quotes(text: str) -> list[str]:
    return [text[a:b].strip(" ,.") for a, b in quote_ranges(text) if len(text[a:b].split()) >= 2]
