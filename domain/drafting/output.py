"""Candidates to drafts: titles, sources, confidence and the relations among them."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from domain.drafting.attribution import REPORTING, attribution
from domain.drafting.calendar import Span
from domain.drafting.candidate import Candidate, Draft
from domain.drafting.relations import Drafted, suggest

_TRAILING_SAID = re.compile(
    rf"[,\"\u201d]\s*[^,\"\u201c\u201d]{{2,80}}?\s+(?:has\s+|had\s+|also\s+)?{REPORTING}\b[^\"\u201c\u201d]{{0,40}}$"
)


def build_drafts(
    candidates: list[Candidate],
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


def _title(candidate: Candidate) -> str:
    """The clause, without its trailing attribution ("…, the Kremlin said"); a quote is
    titled with its speaker ("NATO: We have not seen any withdrawal")."""
    text = re.sub(r"\s+", " ", candidate.clause.text).strip(" ,;")
    att = attribution(text)
    if att is not None and att.trailing and att.verb_start > 0:
        said = _TRAILING_SAID.search(text)
        if said is not None and said.start() > 0:
            quoted = text.lstrip().startswith(('"', "\u201c"))
            text = text[: said.start()].strip(' ,;"\u201c\u201d')
            if quoted and candidate.speaker:
                text = f"{candidate.speaker}: {text}"
    text = text.rstrip(".")
    text = re.sub(r"^(?:but|and|however|meanwhile|earlier|later),?\s+", "", text, flags=re.IGNORECASE)
    if len(text) > 160:
        text = text[:160].rsplit(" ", 1)[0] + "…"
    return (text[:1].upper() + text[1:]) or candidate.kind


def _source(candidate: Candidate, given: Mapping[str, Any]) -> dict[str, Any]:
    source = {k: v for k, v in given.items() if v is not None}
    if candidate.speaker:
        if source.get("name") and "outlet" not in source:
            source["outlet"] = source["name"]
        source["name"] = candidate.speaker
    source.setdefault("name", "Article narrative")
    if candidate.quote:
        source["quote"] = candidate.quote
    return source


def _confidence(candidate: Candidate, span: Span) -> float:
    score = 0.45 + (0.2 if candidate.trigger.text else 0.0)
    score += 0.15 if candidate.own_time else 0.0
    score += 0.1 if candidate.speaker else 0.0
    score += 0.05 if candidate.actors else 0.0
    score -= 0.15 if span.uncertain else 0.0
    return round(min(max(score, 0.05), 0.95), 2)
