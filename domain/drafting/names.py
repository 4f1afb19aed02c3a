"""Actors and places: first the entities already known, then capitalised names.

The known entities come through `EntityDirectory`, so the drafter stays free of
storage: the API hands it the entities view, a test a list. A known person is
also found by surname ("Mr Putin" is Vladimir Putin once he is known).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

# Capitalised words that open sentences or titles rather than name anyone.
_NOT_NAMES = frozenset(
    [
        "a",
        "an",
        "the",
        "but",
        "and",
        "or",
        "in",
        "on",
        "at",
        "of",
        "for",
        "to",
        "from",
        "by",
        "with",
        "as",
        "after",
        "before",
        "earlier",
        "later",
        "this",
        "that",
        "these",
        "those",
        "it",
        "its",
        "he",
        "she",
        "they",
        "we",
        "our",
        "their",
        "his",
        "her",
        "there",
        "here",
        "then",
        "when",
        "while",
        "if",
        "so",
        "no",
        "not",
        "yet",
        "also",
        "still",
        "however",
        "meanwhile",
        "now",
        "today",
        "tomorrow",
        "yesterday",
        "on",
        "unfortunately",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "spring",
        "summer",
        "autumn",
        "winter",
        "mr",
        "mrs",
        "ms",
        "dr",
        "president",
        "prime",
        "minister",
        "secretary",
        "general",
        "foreign",
        "defence",
        "defense",
        "chief",
        "senior",
        "official",
        "officials",
        "spokesman",
        "spokeswoman",
        "said",
        "says",
        "according",
    ]
)
_TITLES = re.compile(
    r"^(?:(?:Mr|Mrs|Ms|Dr|President|Prime Minister|Foreign Minister|Defence Minister|Secretary[- ]General"
    r"|Secretary General|Secretary of State|General|Chancellor|King|Queen|Pope|Senator|Governor"
    r"|Minister|Premier|Ambassador|UN|NATO)\.?\s+)+"
)
_NAME = re.compile(r"\b[A-Z][\w'\u2019-]*(?:\s+(?:of|de|von|van|al|bin|the)?\s*[A-Z][\w'\u2019-]*)*")
_DATELINE = re.compile(
    r"^[A-Z][A-Z .'-]+(?:,\s*[A-Z][\w .'-]+)?\s*(?:\([^)]{1,30}\)\s*)?[\u2014\u2013-]{1,2}\s"
)
_PLACE_BEFORE = re.compile(
    r"\b(?:in|near|at|into|across|outside|inside|around|between|of|to|from|towards|over|through|visited"
    r"|provinces? of|regions? of)"
    r"\s+(?:the\s+)?$",
    re.IGNORECASE,
)
_DEMONYM = re.compile(r"(?:ian|ean|ese|ish|can|qi|ni|li|(?:east|west|north|south)ern)$", re.IGNORECASE)
# Title words: a name written after them starts after the last one ("US President Donald Trump").
_TITLE_WORDS = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "dr",
        "president",
        "prime",
        "minister",
        "secretary",
        "general",
        "chancellor",
        "king",
        "queen",
        "pope",
        "senator",
        "governor",
        "premier",
        "ambassador",
        "executive",
        "chief",
        "leader",
        "commander",
        "spokesman",
        "spokeswoman",
        "envoy",
        "foreign",
        "defence",
        "defense",
        "state",
        "of",
    ]
)
_TRAILING_NOISE = frozenset(["said", "says", "told", "added", "the", "and", "of", "in", "on", "at"])
# A sentence's first word is a name only when a verb follows it ("Iran fired", not "Hundreds of").
_VERB_AFTER = re.compile(
    r"^\s+(?:\w+ly\s+)?(?:said|says|has|had|have|is|was|were|will|would|wants|calls|holds|denies|accuses|urges"
    r"|\w+ed)\b"
)


@dataclass(frozen=True)
class KnownEntity:
    name: str
    is_place: bool = False


class EntityDirectory(Protocol):
    """The entities a draft may name, as the store knows them."""

    def known_entities(self) -> Iterable[KnownEntity]: ...


@dataclass(frozen=True)
class NoEntities:
    def known_entities(self) -> Iterable[KnownEntity]:
        return ()


@dataclass(frozen=True)
class Name:
    name: str
    start: int
    end: int
    is_place: bool


class NameFinder:
    """Finds the names of one article, learning full names as it reads ("Anders Fogh
    Rasmussen" first, then "Mr Rasmussen")."""

    def __init__(self, known: Iterable[KnownEntity], article: str) -> None:
        self._known = {entity.name: entity for entity in known}
        self._by_surname: dict[str, KnownEntity] = {}
        for entity in self._known.values():
            self._learn(entity)
        self._lower_words = set(re.findall(r"\b[a-z]+\b", article))
        self._mid_sentence = set(re.findall(r"[a-z,;:]\s+([A-Z][\w'\u2019-]+)", article))
        self._known_pattern = self._compile()

    def _learn(self, entity: KnownEntity) -> None:
        parts = entity.name.split()
        if len(parts) >= 2 and not entity.is_place and len(parts[-1]) > 3:
            self._by_surname.setdefault(parts[-1], entity)

    def _compile(self) -> re.Pattern[str] | None:
        names = sorted(self._known, key=len, reverse=True)
        if not names:
            return None
        return re.compile(r"\b(?:" + "|".join(re.escape(n) for n in names) + r")\b")

    def find(self, text: str, offset: int = 0) -> list[Name]:
        found: list[Name] = []
        taken: list[tuple[int, int]] = []
        if self._known_pattern is not None:
            for match in self._known_pattern.finditer(text):
                entity = self._known[match.group()]
                found.append(Name(entity.name, offset + match.start(), offset + match.end(), entity.is_place))
                taken.append(match.span())
        last_place_end = -10
        dateline = _DATELINE.match(text)
        if dateline:  # "MINSK, Belarus (AP) — …": where it was filed, not who acted
            taken.append((0, dateline.end()))
        for match in _NAME.finditer(text):
            if any(a < match.end() and match.start() < b for a, b in taken):
                continue
            if match.start() > 0 and text[match.start() - 1] in "-'\u2019":
                continue  # "pro-Moscow", "They've"
            name = self._clean(
                match.group(),
                at_start=match.start() == 0 or text[: match.start()].rstrip().endswith(('"', "“", ".")),
                after=text[match.end() : match.end() + 30],
            )
            if name is None:
                continue
            begin = match.start() + match.group().index(name)
            known = self._resolve(name)
            listed = re.fullmatch(r"\s*(?:,|,?\s*and)\s*", text[last_place_end:begin]) is not None
            cited = re.search(r"according to (?:the\s+)?$", text[:begin], re.IGNORECASE)
            is_place = (
                known.is_place
                if known
                else (listed or bool(_PLACE_BEFORE.search(text[:begin])))
                and not self._is_org(name)
                and not cited
            )
            if is_place:
                last_place_end = begin + len(name)
            found.append(
                Name(known.name if known else name, offset + begin, offset + begin + len(name), is_place)
            )
            if known is None and len(name.split()) >= 2 and not is_place:
                self._learn(KnownEntity(name))
        return sorted(found, key=lambda n: n.start)

    def _clean(self, raw: str, *, at_start: bool, after: str = "") -> str | None:
        words = raw.split()
        titled = [i for i, w in enumerate(words) if w.lower().strip(".") in _TITLE_WORDS]
        if titled and titled[-1] + 1 < len(words):
            words = words[titled[-1] + 1 :]  # "Chief Executive Carrie Lam" → "Carrie Lam"
        words = [re.sub(r"['\u2019]s$", "", w) for w in words]
        while words and words[0].lower() in _NOT_NAMES:
            words = words[1:]
        while words and words[-1].lower() in _TRAILING_NOISE:
            words = words[:-1]
        if not words or len(words) > 6:
            return None
        name = " ".join(words)
        if re.search(r"['\u2019](?:ve|ll|re|d|m)$", name) or re.fullmatch(r"[A-Z][a-z]+-[a-z][\w-]*", name):
            return None  # "We've", "Russian-speaking"
        if name in self._known or self._resolve(name) is not None:
            return name
        demonym = _DEMONYM.search(words[-1]) and not words[-1].isupper() and len(words[-1]) > 4
        if demonym and (len(words) == 1 or re.match(r"^\s+[a-z]", after)):
            return None  # "Russian troops", "North Korean leader": an adjective, not an actor
        if len(words) == 1:
            word = words[0]
            if word.isupper():
                return name
            if word.lower() in self._lower_words or word.lower() in _NOT_NAMES:
                return None  # a common word that happens to be capitalised here
            listing = re.match(r"^(?:,|\s+and)\s+[A-Z]", after)  # "Armenia, Azerbaijan and Russia"
            elsewhere = word in self._mid_sentence  # "Hamas" opens this sentence but not every one
            verb_follows = _VERB_AFTER.match(after) or listing
            if at_start and not elsewhere and (word.endswith(("ers", "ing", "ly")) or not verb_follows):
                return None
        return name

    def canonical(self, who: str) -> str:
        """A speaker's name as the article names them in full ("Mr Rasmussen" → "Anders Fogh
        Rasmussen"); other speakers ("the defence ministry") as written."""
        stripped = self._clean(who, at_start=False) or _TITLES.sub("", who).strip()
        known = self._resolve(stripped) if stripped else None
        if known is not None:
            return known.name
        for name in sorted(
            {*self._known, *(e.name for e in self._by_surname.values())}, key=len, reverse=True
        ):
            if name in who and len(name.split()) >= 2:
                return name
        return who

    def _resolve(self, name: str) -> KnownEntity | None:
        if name in self._known:
            return self._known[name]
        return self._by_surname.get(name.split()[-1]) if len(name.split()) == 1 else None

    @staticmethod
    def _is_org(name: str) -> bool:
        return name.isupper() or bool(
            re.search(r"\b(?:Ministry|Council|Party|Army|Office|Agency|Union)\b", name)
        )
