"""A synthetic wire-copy corpus in `newsline import` lines.

Occurrences across thousands of stories and entities, each with 1-6
revisions (amendments, links, retractions) that arrive later in the file,
some of them reported earlier than the revision before them ("late"). The
same seed gives the same corpus, so runs compare.
"""

from __future__ import annotations

import heapq
import json
import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from domain.kinds import KINDS

_SYLLABLES = ("ka", "ro", "vi", "lan", "mer", "do", "sa", "tur", "ne", "pol", "zi", "bar", "os", "len")
_ROLES = ("agent", "target", "mentioned")
_OUTLETS = ("Wire A", "Wire B", "Daily Courier", "Evening Post", "Radio Free", "State TV")
_START = datetime(2010, 1, 1, tzinfo=UTC)
_DAYS = 15 * 365


@dataclass
class Corpus:
    """How big a corpus to make, and where its pieces go."""

    revisions: int
    seed: int = 1
    stories: list[str] = field(default_factory=list)

    def lines(self) -> Iterator[str]:
        """Story lines first, then occurrences with their revisions spread after them."""
        rng = random.Random(self.seed)
        story_count = max(10, self.revisions // 250)
        entity_count = max(100, self.revisions // 100)
        self.stories = [f"story-{index}" for index in range(story_count)]
        actors = [_name(rng) for _ in range(entity_count)]
        places = [_name(rng).title() for _ in range(entity_count // 2)]
        for slug in self.stories:
            yield _dump({"story": {"slug": slug, "title": f"Story {slug}", "description": None}})
        # Revisions waiting for their turn: (emit at step n, order filed, revision).
        pending: list[tuple[int, int, dict[str, object]]] = []
        written: list[str] = []
        emitted = filed = number = 0
        while emitted < self.revisions:
            number += 1
            if pending and pending[0][0] <= number:
                while pending and pending[0][0] <= number and emitted < self.revisions:
                    emitted += 1
                    yield _dump(heapq.heappop(pending)[2])
                continue
            occurrence_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
            reported = _START + timedelta(days=rng.randrange(_DAYS), seconds=rng.randrange(86400))
            body = _occurrence(rng, occurrence_id, reported, actors, places, self.stories)
            emitted += 1
            yield _dump(body)
            revision_times = [reported]
            for _ in range(rng.choices(range(6), weights=(20, 25, 20, 15, 12, 8))[0]):
                revision_times.append(revision_times[-1] + timedelta(hours=rng.uniform(0.5, 72)))
            late = rng.random() < 0.1 and len(revision_times) > 2
            if late:  # the last revision was reported before the one filed ahead of it
                revision_times[-1] = revision_times[1] - timedelta(minutes=rng.randrange(1, 20))
                revision_times[-1] = max(revision_times[-1], reported + timedelta(seconds=1))
            due_at = number
            linked: set[str] = set()
            for index, at in enumerate(revision_times[1:], start=1):
                is_last = index == len(revision_times) - 1
                due_at += rng.randrange(5, 400)  # revisions arrive in the order they were filed
                filed += 1
                revision = _revision(rng, occurrence_id, at, is_last, written, linked)
                heapq.heappush(pending, (due_at, filed, revision))
            written.append(occurrence_id)
            if len(written) > 5000:
                written = written[-5000:]


def _dump(item: dict[str, object]) -> str:
    return json.dumps(item, separators=(",", ":"))


def _name(rng: random.Random) -> str:
    first = "".join(rng.choice(_SYLLABLES) for _ in range(rng.randrange(2, 4)))
    last = "".join(rng.choice(_SYLLABLES) for _ in range(rng.randrange(2, 4)))
    return f"{first.title()} {last.title()}"


def _occurred(rng: random.Random, reported: datetime) -> str:
    day = reported - timedelta(days=rng.randrange(0, 10))
    shape = rng.random()
    if shape < 0.7:
        text = day.strftime("%Y-%m-%d")
    elif shape < 0.85:
        text = day.strftime("%Y-%m")
    elif shape < 0.95:
        other = day + timedelta(days=rng.randrange(1, 6))
        text = f"{day:%Y-%m-%d}/{other:%Y-%m-%d}"
    else:
        text = str(day.year)
    return text + rng.choice(("", "", "", "~", "?"))


def _occurrence(
    rng: random.Random,
    occurrence_id: str,
    reported: datetime,
    actors: list[str],
    places: list[str],
    stories: list[str],
) -> dict[str, object]:
    kind = rng.choice(KINDS)
    figures: dict[str, int] = {}
    if rng.random() < 0.4:
        figures = {"killed": rng.randrange(0, 40), "injured": rng.randrange(0, 100)}
    return {
        "id": occurrence_id,
        "reported_at": reported.isoformat(),
        "kind": kind,
        "title": f"{kind.replace('_', ' ').capitalize()} near {rng.choice(places)}",
        "summary": "Reported by " + rng.choice(_OUTLETS) + "; details are still emerging.",
        "occurred": _occurred(rng, reported),
        "actors": [
            {"name": name, "role": rng.choice(_ROLES)} for name in rng.sample(actors, rng.randrange(1, 4))
        ],
        "places": rng.sample(places, rng.randrange(1, 3)),
        "figures": figures,
        "source": {"name": rng.choice(_OUTLETS), "reliability": rng.choice("ABCDEF")},
        "stories": rng.sample(stories, rng.randrange(1, 3)),
    }


def _revision(
    rng: random.Random, occurrence_id: str, at: datetime, is_last: bool, written: list[str], linked: set[str]
) -> dict[str, object]:
    source = {"name": rng.choice(_OUTLETS)}
    common = {"occurrence_id": occurrence_id, "reported_at": at.isoformat(), "source": source}
    roll = rng.random()
    if is_last and roll < 0.05:
        return {"revision": "retracted", **common, "reason": "the outlet withdrew the report"}
    if roll < 0.25 and written:
        target = rng.choice(written)
        if target != occurrence_id and target not in linked:
            linked.add(target)
            kind = rng.choice(("disputes", "corroborates", "responds_to", "follows"))
            return {"revision": "linked", **common, "type": kind, "target": target}
    patch: dict[str, object] = {"figures": {"killed": rng.randrange(0, 60)}}
    if rng.random() < 0.3:
        patch["title"] = f"Updated: {rng.choice(KINDS).replace('_', ' ')} reported"
    return {"revision": "amended", **common, "reason": "updated figures", **patch}
