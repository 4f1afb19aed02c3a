"""What the drafter builds as it reads: a candidate per clause, and the drafts it hands out."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from domain.drafting.calendar import Span
from domain.drafting.kinds import Trigger
from domain.drafting.text import Clause, Piece
from domain.drafting.times import Mention


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
class Candidate:
    """A clause that reports an occurrence, with everything read from it so far."""

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
    sentence_clauses: list[Clause] = field(default_factory=list)
