"""The times a draft gets once the whole article is read: anchored ones, and those its clause
does not tell."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date

from domain.drafting import anchors
from domain.drafting.calendar import Span
from domain.drafting.candidate import Candidate
from domain.drafting.kinds import tense_of

_PERFECT = re.compile(r"\b(?:has|have)\s+(?:been\s+)?\w+(?:ed|en|wn)\b")


def resolve_anchored(candidates: list[Candidate], published: date) -> None:
    for index, candidate in enumerate(candidates):
        mention = candidate.mention
        if candidate.step_back is not None:
            earlier = [c.span for c in candidates[:index] if c.sentence == candidate.sentence and c.span]
            told = [m.span for m in candidate.sentence_times if m.span and m.start < candidate.clause.start]
            base = earlier[-1] if earlier else told[-1] if told else Span.day(published)
            candidate.span = anchors.before_by(base, *candidate.step_back)
            continue
        if mention is None or not mention.awaits_anchor:
            continue
        if not mention.anchor:  # "a week later": after the last time told before it
            previous = next((c.span for c in reversed(candidates[:index]) if c.own_time and c.span), None)
            if previous is not None:
                candidate.span = anchors.shifted(previous, mention.shift_days, published, reported_done=False)
            continue
        words = anchors.anchor_words(mention.anchor)
        target = next(
            (
                c.span
                for c in candidates
                if c is not candidate and c.own_time and c.span and anchors.names_anchor(c.clause.text, words)
            ),
            None,
        )
        if target is not None:
            done = tense_of(candidate.clause.text) == "past"
            candidate.span = anchors.shifted(target, mention.shift_days, published, reported_done=done)


def fill_defaults(candidates: list[Candidate], published: date) -> None:
    for candidate in candidates:
        if candidate.span is not None:
            continue
        sibling = next(
            (
                c
                for c in candidates
                if c.sentence == candidate.sentence and c is not candidate and c.own_time and c.span
            ),
            None,
        )
        if sibling is not None and sibling.span is not None:
            if _PERFECT.search(candidate.clause.text) and sibling.clause.link == "after":
                candidate.span = replace(
                    sibling.span, last=published, last_grain="day", uncertain_end=True, season=None
                )
                continue
            parallel = {candidate.clause.link, sibling.clause.link} <= {"", "but", "adding", "when", "which"}
            if parallel and sibling.span.first == sibling.span.last:
                candidate.span = sibling.span.approx()
                continue
        if candidate.span is not None:
            continue
        told = _told_in_sentence(candidate)
        if told is not None and not candidate.speech:
            candidate.span = told
            continue
        if candidate.mention is None and candidate.speech:
            candidate.span = Span.day(published)  # words reported without a date: said for this report
        else:
            candidate.span = Span.day(published).doubtful()


def _told_in_sentence(candidate: Candidate) -> Span | None:
    """The time another clause of the sentence tells: the same day when that clause says when the
    deed happened ("… were killed when a bomber blew himself up on Tuesday"), else about then."""
    clause = candidate.clause
    others = [
        m
        for m in candidate.sentence_times
        if m.span is not None and not clause.start <= m.start < clause.end and m.form != "vague"
    ]
    if not others:
        return None
    nearest = min(others, key=lambda m: abs(m.start - clause.start))
    holder = next((c for c in candidate.sentence_clauses if c.start <= nearest.start < c.end), None)
    assert nearest.span is not None
    if holder is not None and holder.link == "when" and holder.start >= clause.end:
        return nearest.span
    return nearest.span.approx()
