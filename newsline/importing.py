"""`newsline import`: occurrences and revisions from an NDJSON file, one per line.

A line is either a new occurrence (the body of POST /v1/occurrences, plus an
optional `idempotency_key` that makes re-imports replay instead of writing),
or a revision of an existing one:
`{"revision": "amended"|"linked"|"retracted", "occurrence_id": ..., ...}`
with the body of the matching endpoint. Bad lines are reported with their
line numbers; the good ones are written.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from uuid import UUID

from domain.errors import NewslineError
from domain.service import NewslineApplication, Request, Written

IMPORT_PRINCIPAL = "import"


@dataclass
class ImportReport:
    written: int = 0
    replayed: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)
    last_position: int | None = None


def import_file(app: NewslineApplication, path: Path) -> ImportReport:
    report = ImportReport()
    for number, line in _lines(path):
        try:
            written = _import_line(app, json.loads(line))
        except (NewslineError, ValueError, KeyError, TypeError) as error:
            report.errors.append((number, f"{type(error).__name__}: {error}"))
            continue
        if written.replayed:
            report.replayed += 1
        else:
            report.written += 1
            report.last_position = written.position or report.last_position
    return report


def _lines(path: Path) -> Iterator[tuple[int, str]]:
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if line.strip():
                yield number, line


def _instant(value: Any) -> datetime | None:
    return None if value is None else datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def _import_line(app: NewslineApplication, item: dict[str, Any]) -> Written:
    if not isinstance(item, dict):
        raise ValueError("a line must be a JSON object")
    key = item.pop("idempotency_key", None)
    digest = hashlib.sha256(json.dumps(item, sort_keys=True).encode()).hexdigest()
    request = Request(by=IMPORT_PRINCIPAL, idempotency_key=key, request_hash=digest)
    revision = item.pop("revision", None)
    reported_at = _instant(item.pop("reported_at", None))
    if revision is None:
        return app.report_occurrence(item, reported_at, request)
    occurrence_id = UUID(str(item.pop("occurrence_id")))
    source = item.pop("source", None)
    if revision == "amended":
        reason = item.pop("reason", None)
        return app.amend_occurrence(occurrence_id, item, reason, reported_at, source, request)
    if revision == "linked":
        return app.link_occurrence(
            occurrence_id, item["type"], UUID(str(item["target"])), reported_at, source, request
        )
    if revision == "retracted":
        return app.retract_occurrence(occurrence_id, item.get("reason"), reported_at, source, request)
    raise ValueError(f"unknown revision {revision!r}: use amended, linked or retracted")
