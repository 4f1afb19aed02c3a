"""The drafter: an article and its publication time in, draft occurrences out.

It reads the article clause by clause; a clause with a trigger word becomes a draft
whose kind, time, actors, places, figures and source come from that clause (and its
sentence), resolved against the publication day. Pure: no storage, no network.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from typing import Any

from domain.drafting import anchors, times
from domain.drafting.attribution import Attribution, attribution
from domain.drafting.calendar import Span
from domain.drafting.figures import figures
from domain.drafting.kinds import Trigger, choose, tense_of, triggers
from domain.drafting.names import EntityDirectory, NameFinder, NoEntities
from domain.drafting.relations import Drafted, suggest
from domain.drafting.text import Clause, Piece, clauses, quote_ranges, quotes, sentences
from domain.drafting.times import Mention
from domain.drafting.vocabulary import Vocabulary

_PERFECT = re.compile(r"\b(?:has|have)\s+(?:been\s+)?\w+(?:ed|en|wn)\b")
_DEFINITE = re.compile(r"\bthe\s+(?:[\w-]+\s+)?$")
_PRONOUN_SUBJECT = re.compile(r"^(?:[^,]{0,80},\s+)?(?:he|she)\s+(?!is due|was due)", re.IGNORECASE)


@dataclass(frozen=True)
class Draft:
    """One occurrence the article reports, as `POST /v1/occurrences` takes it, with where it
    came from, the time expression behind `occurred`, a confidence and suggested relations."""

    occurrence: dict[str, Any]
    evidence: dict[str, Any]
    time: dict[str, str] | None
    confidence: float
    relations: list[dict[str, Any]]

    def as_json(self) -> dict[str, Any]:
        return {
            "occurrence": self.occurrence,
            "evidence": self.evidence,
            "time": self.time,
            "confidence": self.confidence,
            "relations": self.relations,
        }


@dataclass
class _Candidate:
    kind: str
    sentence: int
    clause: Clause
    summary: Piece
    trigger: Trigger
    speech: bool
    speaker: str | None
    mention: Mention | None = None
    span: Span | None = None
    own_time: bool = False
    figures: dict[str, int | float] = field(default_factory=dict)
    actors: list[dict[str, str]] = field(default_factory=list)
    places: list[str] = field(default_factory=list)
    quote: str | None = None
    step_back: tuple[float, str] | None = None  # "<amount> after": days before the clause it follows
    evidence: tuple[int, int] = (0, 0)
    triggers: list[Trigger] = field(default_factory=list)
    sentence_times: list[Mention] = field(default_factory=list)


class Drafter:
    """Drafts occurrences from article text with a given vocabulary of kinds and a directory
    of the entities already known."""

    def __init__(self, vocabulary: Vocabulary | None = None, directory: EntityDirectory | None = None):
        self._vocabulary = vocabulary or Vocabulary.built_in()
        self._directory = directory or NoEntities()

    def draft(
        self,
        text: str,
        published_at: datetime,
        source: Mapping[str, Any] | None = None,
        stories: Sequence[str] = (),
    ) -> list[Draft]:
        published = published_at.astimezone(UTC).date() if published_at.tzinfo else published_at.date()
        finder = NameFinder(self._directory.known_entities(), text)
        candidates: list[_Candidate] = []
        last_speaker: str | None = None
        for index, sentence in enumerate(sentences(text)):
            found, last_speaker = self._sentence(index, sentence, published, finder, last_speaker)
            candidates.extend(found)
        candidates = _merge_references(candidates)
        _resolve_anchored(candidates, published)
        _fill_defaults(candidates, published)
        return _drafts(candidates, text, published_at, source or {}, list(stories))

    def _sentence(
        self, index: int, sentence: Piece, published: date, finder: NameFinder, last_speaker: str | None
    ) -> tuple[list[_Candidate], str | None]:
        parts = clauses(sentence)
        said = [attribution(part.text) for part in parts]
        names = finder.find(sentence.text, sentence.start)
        mentions = times.find(sentence.text, published, tense_of(sentence.text), sentence.start)
        trailing = next((a for a in said if a is not None and a.trailing), None)
        carried = last_speaker if _carries_speaker(sentence.text) else None
        default = (finder.canonical(trailing.who) if trailing.who else last_speaker) if trailing else carried
        found: list[_Candidate] = []
        speaker = None
        for part, att in zip(parts, said, strict=True):
            if att is not None:
                speaker = finder.canonical(att.who) if att.who else last_speaker
            elif part.link != "adding" or speaker is None:
                speaker = default
            candidate = self._clause(index, sentence, part, att, speaker, mentions, names)
            if candidate is not None:
                found.append(candidate)
            last_speaker = speaker or last_speaker
        return _merge_in_sentence(found), last_speaker

    @staticmethod
    def _is_name(names: list[Any], speaker: str) -> bool:
        """Whether the speaker is someone the text names (not "the official")."""
        return any(n.name == speaker for n in names)

    def _clause(
        self,
        index: int,
        sentence: Piece,
        part: Clause,
        att: Attribution | None,
        speaker: str | None,
        mentions: list[Mention],
        names: list[Any],
    ) -> _Candidate | None:
        own = [m for m in mentions if part.start <= m.start < part.end]
        masked = [(m.end - part.start, m.end - part.start + len(m.anchor)) for m in own if m.anchor]
        said_before = att.verb_start if att is not None and not att.trailing else None
        if part.link == "adding":
            said_before = 0
        speaking = att is not None or part.link == "adding" or part.text.lstrip().startswith(('"', "“"))
        found = triggers(self._vocabulary, part.text, masked)
        trigger = choose(
            self._vocabulary,
            found,
            said_before=said_before,
            speaking=speaking and part.link not in ("after", "because", "when"),
            text=part.text,
        )
        if trigger is None:
            return None
        kind = trigger.kind if trigger.kind in self._vocabulary.kinds else self._vocabulary.fallback
        speech = kind in self._vocabulary.speech_kinds
        candidate = _Candidate(
            kind=kind,
            sentence=index,
            clause=part,
            summary=sentence,
            trigger=trigger,
            speech=speech,
            speaker=speaker,
            evidence=(part.start, part.end),
            triggers=found,
            sentence_times=mentions,
        )
        candidate.mention = _pick_time(own, part, trigger, att, speech, sentence)
        if candidate.mention is not None and candidate.mention.span is not None:
            candidate.span, candidate.own_time = candidate.mention.span, True
        if part.link == "after" and part.amount:
            candidate.step_back = (times.amount_days(part.amount.lower())[0], part.order)
        before = sentence.text[: part.start - sentence.start]
        candidate.figures = figures(part.text, before if part.link == "which" else "")
        candidate.actors, candidate.places = _roles(part, trigger, att, speech, names)
        named = speech and candidate.speaker and self._is_name(names, candidate.speaker)
        if named and all(a["name"] != candidate.speaker for a in candidate.actors):
            candidate.actors.insert(0, {"name": str(candidate.speaker), "role": "agent"})
        candidate.quote = _quote(part, sentence)
        return candidate


def _carries_speaker(text: str) -> bool:
    """A quote on its own, or "he urged …", goes on with the last speaker."""
    return text.lstrip().startswith(('"', "“")) or bool(_PRONOUN_SUBJECT.match(text))


def _pick_time(
    own: list[Mention], part: Clause, trigger: Trigger, att: Attribution | None, speech: bool, sentence: Piece
) -> Mention | None:
    quoted = [(sentence.start + a, sentence.start + b) for a, b in quote_ranges(sentence.text)]
    usable = [m for m in own if not any(a <= m.start < b for a, b in quoted)]
    if speech:
        pivot = part.start + (att.verb_start if att is not None else trigger.start)
        usable = [
            m
            for m in usable
            if m.form == "anchored"
            or m.start <= pivot + 25
            or (att is not None and att.trailing and m.start >= pivot)
        ]
    if not usable:
        return None
    at = part.start + trigger.start
    return min(usable, key=lambda m: (not (m.resolved or m.awaits_anchor), abs(m.start - at)))


def _roles(
    part: Clause, trigger: Trigger, att: Attribution | None, speech: bool, names: list[Any]
) -> tuple[list[dict[str, str]], list[str]]:
    inside = [n for n in names if part.start <= n.start < part.end]
    pivot = part.start + (
        att.verb_start if speech and att is not None and not att.trailing else trigger.start
    )
    leading = speech and att is not None and not att.trailing
    passive = not leading and bool(
        re.search(r"\b(?:was|were|been|being)\s+(?:\w+ly\s+)?$", part.text[: trigger.start])
    )
    by_agent = part.text.find(" by ", trigger.end)
    said_at = part.start + att.verb_start if att is not None and att.trailing else None
    actors: dict[str, str] = {}
    places: list[str] = []
    for name in inside:
        if name.is_place:
            if name.name not in places:
                places.append(name.name)
            continue
        if said_at is not None and name.start >= said_at - 40 and name.start > part.start + trigger.end:
            role = "agent" if speech else "mentioned"
        elif passive:
            role = "agent" if by_agent >= 0 and name.start >= part.start + by_agent else "target"
        else:
            role = "agent" if name.start < pivot else "target"
        actors.setdefault(name.name, role)
    return [{"name": n, "role": r} for n, r in actors.items()], places


def _quote(part: Clause, sentence: Piece) -> str | None:
    said = quotes(part.text) or quotes(sentence.text)
    return " … ".join(said)[:5000] if said else None


def _merge_in_sentence(found: list[_Candidate]) -> list[_Candidate]:
    """Clauses of one sentence that name the same kind of deed at the same time are one draft."""
    kept: list[_Candidate] = []
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


def _absorb(into: _Candidate, other: _Candidate) -> None:
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


def _merge_references(candidates: list[_Candidate]) -> list[_Candidate]:
    """ "The pre-dawn attack" two sentences on is the attack already drafted; a quote that goes on
    without a new speaker is the same statement."""
    kept: list[_Candidate] = []
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
            if _DEFINITE.search(candidate.clause.text[: t.start])
        )
        continued = candidate.speech and candidate.clause.text.lstrip().startswith(('"', "“"))
        continued = continued and attribution(candidate.clause.text) is None
        if earlier is not None and (definite or continued):
            _absorb(earlier, candidate)
            continue
        kept.append(candidate)
    return kept


def _resolve_anchored(candidates: list[_Candidate], published: date) -> None:
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


def _fill_defaults(candidates: list[_Candidate], published: date) -> None:
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
            parallel = {candidate.clause.link, sibling.clause.link} <= {"", "but", "adding", "when"}
            if parallel and sibling.span.first == sibling.span.last:
                candidate.span = sibling.span.approx()
                continue
        if candidate.span is not None:
            continue
        if candidate.mention is None and candidate.speech:
            candidate.span = Span.day(published)  # words reported without a date: said for this report
        else:
            candidate.span = Span.day(published).doubtful()


def _drafts(
    candidates: list[_Candidate],
    text: str,
    published_at: datetime,
    source: Mapping[str, Any],
    stories: list[str],
) -> list[Draft]:
    ordered = sorted(candidates, key=lambda c: c.evidence)
    spans = [c.span or Span.day(published_at.date()) for c in ordered]
    related = suggest(
        [
            Drafted(c.kind, c.clause.text, c.speaker, s.first, s.last)
            for c, s in zip(ordered, spans, strict=True)
        ]
    )
    reported_at = (
        published_at.astimezone(UTC).isoformat().replace("+00:00", "Z")
        if published_at.tzinfo
        else published_at.isoformat() + "Z"
    )
    drafts = []
    for candidate, span, relations in zip(ordered, spans, related, strict=True):
        start, end = candidate.evidence
        occurrence = {
            "kind": candidate.kind,
            "title": _title(candidate),
            "summary": candidate.summary.text[:5000],
            "occurred": span.edtf(),
            "actors": candidate.actors,
            "places": candidate.places,
            "figures": candidate.figures,
            "source": _source(candidate, source),
            "reported_at": reported_at,
            "stories": stories,
        }
        mention = candidate.mention
        drafts.append(
            Draft(
                occurrence=occurrence,
                evidence={"start": start, "end": end, "text": text[start:end]},
                time={"text": mention.text, "edtf": span.edtf()} if mention is not None else None,
                confidence=_confidence(candidate, span),
                relations=[{"type": kind, "draft": target} for kind, target in relations],
            )
        )
    return drafts


def _title(candidate: _Candidate) -> str:
    text = re.sub(r"\s+", " ", candidate.clause.text).strip(" ,;")
    text = re.sub(r"^(?:but|and|so|however|meanwhile|earlier|later),?\s+", "", text, flags=re.IGNORECASE)
    if len(text) > 160:
        text = text[:160].rsplit(" ", 1)[0] + "…"
    return (text[:1].upper() + text[1:]) or candidate.kind


def _source(candidate: _Candidate, given: Mapping[str, Any]) -> dict[str, Any]:
    source = {k: v for k, v in given.items() if v is not None}
    if candidate.speaker:
        if source.get("name") and "outlet" not in source:
            source["outlet"] = source["name"]
        source["name"] = candidate.speaker
    source.setdefault("name", "Article narrative")
    if candidate.quote:
        source["quote"] = candidate.quote
    return source


def _confidence(candidate: _Candidate, span: Span) -> float:
    score = 0.45 + (0.2 if candidate.trigger.text else 0.0)
    score += 0.15 if candidate.own_time else 0.0
    score += 0.1 if candidate.speaker else 0.0
    score += 0.05 if candidate.actors else 0.0
    score -= 0.15 if span.uncertain else 0.0
    return round(min(max(score, 0.05), 0.95), 2)
