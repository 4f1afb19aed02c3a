"""`newsline import`: stories, occurrences and revisions from NDJSON, one per line.

A line is one of:
- a story: `{"story": {"slug": ..., "title": ..., "description": ...}}`;
- a new occurrence: the body of POST /v1/occurrences, plus an optional
  `reported_at`, an optional `id` that keeps the occurrence's id from another
  Newsline, and an optional `idempotency_key`;
- a revision of an occurrence:
  `{"revision": "amended"|"linked"|"retracted", "occurrence_id": ..., ...}`
  with the body of the matching endpoint, `reported_at` and `source`.
Any line may name its writer in `by` (recorded with the revision; `import`
otherwise).

Lines are written in batches, each batch in one transaction, and a bad line
is reported with its number while the good ones are kept. Importing the same
file twice writes nothing the second time: a story or an occurrence with a
known id is compared with what is stored, and any other line without an
`idempotency_key` gets one derived from its content.
"""

from __future__ import annotations

import gc
import hashlib
import json
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError

from domain.errors import Conflict, NewslineError
from domain.idempotency import IdempotencyKey
from domain.service import NewslineApplication, Request, Written, occurrence_id_for_key
from domain.story import Story
from newsline.aggregates import load_aggregates

IMPORT_PRINCIPAL = "import"

# Lines per transaction: large enough to amortise the commit and the lookups.
BATCH_LINES = 1000
# Aggregates remembered between batches, so revisions find their occurrence
# without a query; bounded so that memory stays flat.
KNOWN_LIMIT = 100_000

_LINE_ERRORS = (NewslineError, ValueError, KeyError, TypeError)
# Where a parsed line keeps its key and content digest (no field is named so).
_KEY, _DIGEST = " key", " digest"


@dataclass
class ImportReport:
    written: int = 0
    replayed: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)
    last_position: int | None = None


@dataclass(frozen=True)
class _Line:
    number: int
    text: str


def import_file(
    app: NewslineApplication,
    path: Path,
    *,
    batch_lines: int = BATCH_LINES,
    progress: Callable[[int], None] = lambda done: None,
) -> ImportReport:
    """Import every line of `path`; `progress` is told the bytes read so far."""
    report = ImportReport()
    known: OrderedDict[UUID, Aggregate | None] = OrderedDict()
    try:
        for lines, done in _batches(path, batch_lines, report):
            saved = _import_batch(app, lines, known)
            if saved is None:  # a concurrent writer got in the way: one line at a time
                known.clear()
                saved = [_outcome(app, line) for line in lines], None
            outcomes, position = saved
            for number, outcome in outcomes:
                _tally(report, number, outcome)
            report.last_position = position or report.last_position
            while len(known) > KNOWN_LIMIT:
                known.popitem(last=False)
            # What outlives a batch (mostly the aggregates remembered) leaves the
            # garbage collector's sight: otherwise each full collection walks all
            # of them again, and a million-line import spends a fifth of its time
            # there, more the longer it runs. They hold no reference cycles, so
            # reference counting still frees them when they are forgotten.
            gc.freeze()
            progress(done)
    finally:
        gc.unfreeze()
    return report


def _batches(path: Path, size: int, report: ImportReport) -> Iterator[tuple[list[_Line], int]]:
    batch: list[_Line] = []
    done = 0
    with path.open("rb") as file:
        for number, raw in enumerate(file, start=1):
            done += len(raw)
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as error:
                report.errors.append((number, f"not UTF-8 ({error.reason} at byte {error.start})"))
                continue
            if text.strip():
                batch.append(_Line(number, text))
            if len(batch) == size:
                yield batch, done
                batch = []
    yield batch, done


def _import_batch(
    app: NewslineApplication, lines: Sequence[_Line], known: OrderedDict[UUID, Aggregate | None]
) -> tuple[list[tuple[int, Written | str]], int | None] | None:
    """Write a batch in one transaction: each line's outcome, and the batch's position."""
    items = [(line.number, _parse(line.text)) for line in lines]
    wanted = {id_ for _, item in items if isinstance(item, dict) for id_ in _ids_read(item)}
    known.update(load_aggregates(app, [id_ for id_ in wanted if id_ not in known]))
    outcomes: list[tuple[int, Written | str]] = []
    with app.batch(known) as batch:
        for number, item in items:
            outcomes.append((number, _apply(app, item) if isinstance(item, dict) else item))
    try:
        position = app.save_batch(batch)
    except IntegrityError:
        return None
    return outcomes, position


def _outcome(app: NewslineApplication, line: _Line) -> tuple[int, Written | str]:
    item = _parse(line.text)
    return line.number, _apply(app, item) if isinstance(item, dict) else item


def _tally(report: ImportReport, number: int, outcome: Written | str) -> None:
    if isinstance(outcome, str):
        report.errors.append((number, outcome))
    elif outcome.replayed:
        report.replayed += 1
    else:
        report.written += 1
        report.last_position = outcome.position or report.last_position


def _parse(text: str) -> dict[str, Any] | str:
    try:
        item = json.loads(text)
    except ValueError as error:
        return f"not JSON ({error})"
    if not isinstance(item, dict):
        return "a line must be a JSON object"
    key = item.pop("idempotency_key", None)
    digest = _digest(item)
    if key is None and "story" not in item and "id" not in item:
        # A content key makes the line idempotent (the same line is one write).
        key = "import:" + digest
    item[_KEY], item[_DIGEST] = key, digest
    return item


def _digest(item: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(item, sort_keys=True).encode()).hexdigest()


def _ids_read(item: dict[str, Any]) -> Iterator[UUID]:
    """The aggregates a line will read, to fetch a whole batch's in one query."""
    try:
        if isinstance(item.get("story"), dict):
            yield Story.create_id(str(item["story"].get("slug")))
            return
        key = item.get(_KEY)
        if isinstance(key, str):
            yield IdempotencyKey.create_id(key)
            if "revision" not in item:  # a report's id may come from its key
                yield occurrence_id_for_key(key)
        for name in ("id", "occurrence_id", "target"):
            if item.get(name) is not None:
                yield UUID(str(item[name]))
        for relation in item.get("relations") or []:
            yield UUID(str(relation["target"]))
        for slug in item.get("stories") or []:
            yield Story.create_id(str(slug))
    except (ValueError, TypeError, KeyError, AttributeError):
        return  # the line is malformed; writing it reports how


def _apply(app: NewslineApplication, item: dict[str, Any]) -> Written | str:
    try:
        return _import_line(app, item)
    except _LINE_ERRORS as error:
        return f"{type(error).__name__}: {error}"


def _instant(value: Any) -> datetime | None:
    return None if value is None else datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def _import_line(app: NewslineApplication, item: dict[str, Any]) -> Written:
    key, digest = item.pop(_KEY), item.pop(_DIGEST)
    by = item.pop("by", None) or IMPORT_PRINCIPAL
    if not isinstance(by, str):
        raise ValueError("by must be a string")
    request = Request(by=by, idempotency_key=key, request_hash=digest)
    if "story" in item:
        return _import_story(app, item["story"], request)
    revision = item.pop("revision", None)
    reported_at = _instant(item.pop("reported_at", None))
    if revision is None:
        known_id = item.pop("id", None)
        occurrence_id = None if known_id is None else UUID(str(known_id))
        return app.report_occurrence(item, reported_at, request, occurrence_id)
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


def _import_story(app: NewslineApplication, data: Any, request: Request) -> Written:
    if not isinstance(data, dict):
        raise ValueError("story must be an object with slug, title and description")
    existing = app.find_story(str(data.get("slug")))
    if existing is None:
        return app.create_story(data, request)
    if (existing.title, existing.description) == (data.get("title"), data.get("description")):
        return Written(existing.id, existing.version, None, replayed=True)
    raise Conflict(f"story {existing.slug!r} already exists with another title or description")
