"""The entities a draft can name, read from the timeline view's entities.

Only the entities whose names share a capitalised word with the article are
read (one query per word, at most `MAX_WORDS`), so a large store costs a
draft little.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from domain.drafting import KnownEntity
from projections.timeline import TimelineReader

MAX_WORDS = 200
PER_WORD = 50


class StoredEntities:
    def __init__(self, timeline: TimelineReader, text: str) -> None:
        self._timeline = timeline
        self._words = list(dict.fromkeys(re.findall(r"\b[A-Z][\w-]{2,}\b", text)))[:MAX_WORDS]

    def known_entities(self) -> Iterable[KnownEntity]:
        seen: dict[str, KnownEntity] = {}
        for word in self._words:
            for row in self._timeline.entities(PER_WORD, text=word):
                if re.search(rf"\b{re.escape(word)}\b", row.name):
                    seen.setdefault(
                        row.name, KnownEntity(row.name, "place" in row.types and "actor" not in row.types)
                    )
        return seen.values()
