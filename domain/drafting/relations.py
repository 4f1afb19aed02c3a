"""Relations suggested among the drafts of one article.

- A denial `disputes` the claim-like draft it answers: the one whose words it shares most,
  else the claim told just before it.
- Two denials (or two claims) from different speakers that share their words: the later
  `corroborates` the earlier.
- An attack within the span of fighting drafted from the same text is `part_of` it; of two
  attacks, the later `follows` the earlier.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

_ANSWERED = frozenset(("claim", "order_issued", "troop_movement", "military_exercise"))
_VIOLENT = frozenset(("attack", "armed_clash", "offensive_launched"))
_STOP = frozenset(
    [
        "there",
        "their",
        "these",
        "those",
        "which",
        "would",
        "could",
        "should",
        "about",
        "after",
        "before",
        "since",
        "while",
        "where",
    ]
)


@dataclass(frozen=True)
class Drafted:
    """What the relation rules read of a draft."""

    kind: str
    text: str
    speaker: str | None
    first: date
    last: date


def _words(text: str) -> set[str]:
    return {w[:6] for w in re.findall(r"[a-z]{5,}", text.lower()) if w not in _STOP}


def suggest(drafts: list[Drafted]) -> list[list[tuple[str, int]]]:
    words = [_words(d.text) for d in drafts]
    found: list[list[tuple[str, int]]] = [[] for _ in drafts]
    for index, draft in enumerate(drafts):
        if draft.kind == "denial":
            best = _closest(index, drafts, words, _ANSWERED)
            if best is None:
                best = _closest(index, drafts, words, frozenset(("statement", "accusation")))
            if best is None:  # no shared words: the claim told just before it
                best = next(
                    (j for j in range(index - 1, max(index - 4, -1), -1) if drafts[j].kind in _ANSWERED),
                    None,
                )
            if best is not None:
                found[index].append(("disputes", best))
        if draft.kind in ("denial", "claim"):
            earlier = [
                j
                for j in range(index)
                if drafts[j].kind == draft.kind
                and drafts[j].speaker != draft.speaker
                and len(words[j] & words[index]) >= 2
            ]
            if earlier:
                found[index].append(("corroborates", earlier[-1]))
        if draft.kind == "attack":
            clash = next(
                (
                    j
                    for j, d in enumerate(drafts)
                    if d.kind == "armed_clash" and d.first <= draft.first and draft.last <= d.last
                ),
                None,
            )
            if clash is not None:
                found[index].append(("part_of", clash))
            before = [
                j for j, d in enumerate(drafts) if j != index and d.kind == "attack" and d.last < draft.first
            ]
            if before:
                found[index].append(("follows", max(before, key=lambda j: drafts[j].last)))
    return found


def _closest(index: int, drafts: list[Drafted], words: list[set[str]], kinds: frozenset[str]) -> int | None:
    scored = [
        (len(words[index] & words[j]), -abs(index - j), j)
        for j, d in enumerate(drafts)
        if j != index and d.kind in kinds and d.speaker != drafts[index].speaker
    ]
    scored = [s for s in scored if s[0] >= 1]
    return max(scored)[2] if scored else None
