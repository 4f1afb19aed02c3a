"""The kind of a clause, from its trigger words, its tense and whether someone says it.

- A speech act in the clause (a denial, demand, appeal, threat, accusation) is its kind.
- "X said (that) …" about X's own orders, movements, exercises, meetings or deals is X's
  claim; about anything else (an attack, an arrest, an election) it is that deed, sourced
  to X; with no deed in it, a statement.
- Otherwise the first deed named in the clause; a meeting or election still to come is
  scheduled, one that took place is held.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from domain.drafting.times import Tense
from domain.drafting.vocabulary import CLAIMABLE_KINDS, HELD, SCHEDULED, Vocabulary

_SPEECH_PRIORITY = ("denial", "demand", "appeal", "threat", "accusation")
# Words that make what is said a view or an intention rather than an assertion of fact.
_MODAL = re.compile(r"\b(?:would|could|might|may|should|must|hopes?|wants?)\b")
# An assertion of fact: a thing done ("the missiles were launched"), or a count ("1000000 people").
_FACTUAL = re.compile(
    r"\b(?:was|were|had been|has been|have been|had)\s+\w+ed\b"
    r"|\b\d[\d,.]*\s+(?:[a-z]+\s+)?(?:people|troops|soldiers)"
    r"|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|hundred|thousand|million)\s+(?:[a-z]+\s+)?people\b"
)
# A deed named as one that did not (yet) happen: "an impending attack", "a possible offensive".
_UNREAL = re.compile(
    r"\b(?:impending|possible|potential|planned|feared|threatened|would-be|imminent|any)\s+$"
)
_DEFINITE = re.compile(r"\b(?:the|this|that|these)\s+$")
_FUTURE = re.compile(
    r"\b(?:will|due to|due in|due on|are due|is due|is to|are to|set to|plans? to|scheduled|expected to"
    r"|holds|next|upcoming)\b"
)


@dataclass(frozen=True)
class Trigger:
    kind: str
    start: int  # in the clause
    end: int
    text: str


def triggers(vocabulary: Vocabulary, text: str, masked: list[tuple[int, int]]) -> list[Trigger]:
    lower = text.lower()
    found = []
    for match in vocabulary.pattern.finditer(lower):
        if any(a <= match.start() < b for a, b in masked) or _UNREAL.search(
            lower[max(0, match.start() - 30) : match.start()]
        ):
            continue
        found.append(
            Trigger(vocabulary.kind_of(match), match.start(), match.end(), text[match.start() : match.end()])
        )
    return found


def choose(
    vocabulary: Vocabulary, found: list[Trigger], *, said_before: int | None, speaking: bool, text: str
) -> Trigger | None:
    """The trigger that decides the clause's kind, already renamed to that kind; None: no occurrence.

    `said_before`: where a leading reporting verb is ("X said that …"); `speaking`: the clause is
    someone's words (attributed or carried on from the clause before)."""
    speech = [t for t in found if t.kind in vocabulary.speech_kinds]
    for kind in _SPEECH_PRIORITY:
        pick = next((t for t in speech if t.kind == kind), None)
        if pick is not None:
            return pick
    deeds = [t for t in found if t.kind not in vocabulary.speech_kinds]
    if said_before is not None:  # "After the summit, X said …": what X said is the clause,
        # and "X said the expulsions were …" speaks of a deed already told
        deeds = [
            t
            for t in deeds
            if t.start > said_before and not _DEFINITE.search(text[max(0, t.start - 30) : t.start])
        ]
    minor = [t for t in found if t.kind in ("claim", "statement")]
    if minor and deeds and minor[0].start < deeds[0].start:
        return minor[0]  # "welcomed the contacts", "estimates that 40,000 troops were deployed"
    if deeds:
        deed = deeds[0]
        kind = _by_tense(deed.kind, text)
        if said_before is not None and kind in CLAIMABLE_KINDS:
            kind = "statement" if _MODAL.search(text[said_before : deed.start]) else "claim"
        return Trigger(kind, deed.start, deed.end, deed.text)
    if minor:
        return minor[0]
    if speaking:
        at = said_before or 0
        factual = said_before is not None and _FACTUAL.search(text[said_before:])
        return Trigger("claim" if factual else "statement", at, at, "")
    return None


def _by_tense(kind: str, text: str) -> str:
    future = bool(_FUTURE.search(text.lower()))
    if future and kind in SCHEDULED:
        return SCHEDULED[kind]
    if not future and kind in HELD and re.search(r"\b(?:was|were|had)\b", text.lower()):
        return HELD[kind]
    return kind


def tense_of(text: str) -> Tense:
    return "future" if _FUTURE.search(text.lower()) else "past"
