"""The drafter: an article and its publication time in, draft occurrences out.

It reads the article clause by clause; a clause with a trigger word becomes a draft
whose kind, time, actors, places, figures and source come from that clause (and its
sentence), resolved against the publication day. Pure: no storage, no network.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any

from domain.drafting import times
from domain.drafting.attribution import Attribution, attribution
from domain.drafting.candidate import Candidate, Draft
from domain.drafting.figures import figures
from domain.drafting.kinds import Trigger, choose, tense_of, triggers
from domain.drafting.merging import merge_in_sentence, merge_references
from domain.drafting.names import EntityDirectory, NameFinder, NoEntities
from domain.drafting.output import build_drafts
from domain.drafting.text import Clause, Piece, clauses, quote_ranges, quotes, sentences
from domain.drafting.times import Mention
from domain.drafting.timing import fill_defaults, resolve_anchored
from domain.drafting.vocabulary import Vocabulary

__all__ = ["Draft", "Drafter"]

_PRONOUN_SUBJECT = re.compile(r"^(?:[^,]{0,80},\s+)?(?:he|she)\s+(?!is due|was due)", re.IGNORECASE)


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
        candidates: list[Candidate] = []
        last_speaker: str | None = None
        for index, sentence in enumerate(sentences(text)):
            found, last_speaker = self._sentence(index, sentence, published, finder, last_speaker)
            candidates.extend(found)
        candidates = merge_references(candidates)
        with contextlib.suppress(ValueError, OverflowError):  # past the calendar's ends: left unresolved
            resolve_anchored(candidates, published)
        fill_defaults(candidates, published)
        return build_drafts(candidates, text, published_at, source or {}, list(stories))

    def _sentence(
        self, index: int, sentence: Piece, published: date, finder: NameFinder, last_speaker: str | None
    ) -> tuple[list[Candidate], str | None]:
        parts = clauses(sentence)
        said = [attribution(part.text) for part in parts]
        names = finder.find(sentence.text, sentence.start)
        mentions = times.find(sentence.text, published, tense_of(sentence.text), sentence.start)
        carried = last_speaker if _carries_speaker(sentence.text) else None
        found: list[Candidate] = []
        speaker = None
        subject: str | None = None
        for number, (part, att) in enumerate(zip(parts, said, strict=True)):
            # "…, the ministry said" speaks for the clauses before it, not for those after
            trailing = next((a for a in said[number:] if a is not None and a.trailing), None)
            default = (
                (finder.canonical(trailing.who) if trailing.who else last_speaker) if trailing else carried
            )
            if att is not None:
                speaker = finder.canonical(att.who) if att.who else last_speaker
            elif part.link != "adding" or speaker is None:
                speaker = default
            candidate = self._clause(index, sentence, part, att, speaker, mentions, names)
            if candidate is not None:
                if part.link == "adding" and subject and all(a["role"] != "agent" for a in candidate.actors):
                    candidate.actors.insert(
                        0, {"name": subject, "role": "agent"}
                    )  # "X declared …, and urged"
                found.append(candidate)
            last_speaker = speaker or last_speaker
            subject = next(
                (n.name for n in names if part.start <= n.start < part.end and not n.is_place), subject
            )
        found = merge_in_sentence(found)
        for candidate in found:
            candidate.sentence_clauses = parts
        if len(found) == 1:  # the sentence tells one event: its places are that event's
            found[0].places.extend(n.name for n in names if n.is_place and n.name not in found[0].places)
        return found, last_speaker

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
    ) -> Candidate | None:
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
        candidate = Candidate(
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
            sentence_clauses=[],
        )
        candidate.mention = _pick_time(own, part, trigger, att, speech, sentence)
        if candidate.mention is not None and candidate.mention.span is not None:
            candidate.span, candidate.own_time = candidate.mention.span, True
        if part.link == "after" and part.amount:
            candidate.step_back = (times.amount_days(part.amount.lower())[0], part.order)
        before = sentence.text[: part.start - sentence.start]
        candidate.figures = figures(part.text, before if part.link == "which" else "")
        candidate.actors, candidate.places = _roles(part, trigger, att, speech, names)
        if speech and candidate.speaker is None and att is None:  # "Khamenei denied …": who denies says it
            candidate.speaker = next((a["name"] for a in candidate.actors if a["role"] == "agent"), None)
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
    if speech and att is not None and att.trailing:
        # "Turnout was the lowest since 1969, the ministry said": the times of what was said are
        # not when it was said; "On Tuesday, …, he said" and "…, he said on Tuesday" are.
        pivot = part.start + att.verb_start
        usable = [m for m in usable if m.form == "anchored" or m.start >= pivot or m.start - part.start < 15]
    elif speech:
        pivot = part.start + (att.verb_start if att is not None else trigger.start)
        usable = [m for m in usable if m.form == "anchored" or m.start <= pivot + 25]
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
