"""Loading the curated seed occurrences (seeds/occurrences.json).

Every seed occurrence is written with the Idempotency-Key `seed:<key>`, so its
id is stable and a second run replays instead of writing: seeding is
idempotent.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from domain.commands import CreateStory, ReportOccurrence, Request
from domain.errors import Conflict
from domain.service import NewslineApplication, occurrence_id_for_key

SEED_PRINCIPAL = "seed"
DEFAULT_SEED_FILE = Path(__file__).resolve().parent.parent / "seeds" / "occurrences.json"


@dataclass
class SeedReport:
    stories_created: int = 0
    occurrences_created: int = 0
    unchanged: int = 0
    last_position: int | None = None


def seed_key(key: str) -> str:
    return f"seed:{key}"


def occurrence_count(path: Path = DEFAULT_SEED_FILE) -> int:
    return len(json.loads(path.read_text(encoding="utf-8"))["occurrences"])


def load(
    app: NewslineApplication,
    path: Path = DEFAULT_SEED_FILE,
    progress: Callable[[int], None] = lambda done: None,
) -> SeedReport:
    document = json.loads(path.read_text(encoding="utf-8"))
    report = SeedReport()
    for story in document["stories"]:
        _seed_story(app, story, report)
    for done, item in enumerate(document["occurrences"], start=1):
        _seed_occurrence(app, item, report)
        progress(done)
    return report


def _request(key: str, item: dict[str, Any]) -> Request:
    # Version 0.2 fingerprinted a seed write by its seed item as the file states it.
    return Request(by=SEED_PRINCIPAL, idempotency_key=seed_key(key), document_0_2=item)


def _seed_story(app: NewslineApplication, story: dict[str, Any], report: SeedReport) -> None:
    try:
        command = CreateStory.from_body(story)
        written = app.create_story(command, _request(f"story:{story['slug']}", story))
    except Conflict:  # created earlier by someone else: keep theirs
        report.unchanged += 1
        return
    _count(report, written.replayed, written.position, "stories_created")


def _seed_occurrence(app: NewslineApplication, item: dict[str, Any], report: SeedReport) -> None:
    fields = {key: value for key, value in item.items() if key not in ("key", "reported_at")}
    fields["relations"] = [
        {"type": relation["type"], "target": str(occurrence_id_for_key(seed_key(relation["target"])))}
        for relation in item.get("relations", [])
    ]
    command = ReportOccurrence.from_body(fields, datetime.fromisoformat(item["reported_at"]))
    written = app.report(command, _request(item["key"], item))
    _count(report, written.replayed, written.position, "occurrences_created")


def _count(report: SeedReport, replayed: bool, position: int | None, counter: str) -> None:
    if replayed:
        report.unchanged += 1
    else:
        setattr(report, counter, getattr(report, counter) + 1)
        report.last_position = position
