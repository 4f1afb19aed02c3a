"""Clauses that tell the same occurrence become one draft."""

from __future__ import annotations

import re

from domain.drafting.attribution import attribution
from domain.drafting.candidate import Candidate

_DEFINITE = re.compile(r"\bthe\s+(?:[\w-]+\s+)?$")


def merge_in_sentence(found: list[Candidate]) -> list[Candidate]:
    """Clauses of one sentence that name the same kind of deed at the same time are one draft."""
    kept: list[Candidate] = []
    for candidate in found:
        twin = next(
            (
                k
                for k in kept
                if k.kind == candidate.kind
                and not candidate.step_back
                and not (k.own_time and candidate.own_time and k.span != candidate.span)
            ),
            None,
        )
        if twin is None:
            kept.append(candidate)
            continue
        _absorb(twin, candidate)
    return kept


def _absorb(into: Candidate, other: Candidate) -> None:
    if other.own_time and not into.own_time:
        into.mention, into.span, into.own_time = other.mention, other.span, True
    for key, value in other.figures.items():
        into.figures.setdefault(key, value)
    known = {a["name"] for a in into.actors}
    into.actors.extend(a for a in other.actors if a["name"] not in known)
    into.places.extend(p for p in other.places if p not in into.places)
    into.quote = into.quote or other.quote
    into.speaker = into.speaker or other.speaker
    if other.sentence == into.sentence:
        into.evidence = (min(into.evidence[0], other.evidence[0]), max(into.evidence[1], other.evidence[1]))


def merge_references(candidates: list[Candidate]) -> list[Candidate]:
    """ "The pre-dawn attack" two sentences on is the attack already drafted; a quote that goes on
    without a new speaker is the same statement."""
    kept: list[Candidate] = []
    for candidate in candidates:
        earlier = next(
            (
                k
                for k in reversed(kept)
                if k.kind == candidate.kind
                and candidate.sentence - k.sentence in (1, 2)
                and not candidate.own_time
            ),
            None,
        )
        definite = not candidate.speech and any(
            t.kind == candidate.trigger.kind or t.kind == candidate.kind
            for t in candidate.triggers
            if _DEFINITE.search(candidate.clause.text[max(0, t.start - 40) : t.start])
        )
        continued = candidate.speech and candidate.clause.text.lstrip().startswith(('"', "“"))
        continued = continued and attribution(candidate.clause.text) is None
        if earlier is not None and (definite or continued):
            _absorb(earlier, candidate)
            continue
        kept.append(candidate)
    return kept
