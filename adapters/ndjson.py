"""The NDJSON line format: what `newsline import` reads and the NDJSON export writes.

A line is one of:
- a story: `{"story": {"slug": ..., "title": ..., "description": ...}}`;
- an added kind: `{"added_kind": {"kind": ..., "description": ..., "cameo": ..., "plover": ...}}`;
- a new occurrence: the body of POST /v1/occurrences, plus an optional
  `reported_at`, an optional `id` that keeps the occurrence's id from another
  Newsline, and an optional `idempotency_key`;
- a revision of an occurrence:
  `{"revision": "amended"|"linked"|"retracted", "occurrence_id": ..., ...}`
  with the body of the matching endpoint, `reported_at` and `source`.
Any line may name its writer in `by` (recorded with the revision; `import`
otherwise). A line without an `idempotency_key` that is neither a story, a
kind nor an occurrence with a known id gets one derived from its content, so the same
line is one write however often it is read.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import orjson

from domain.commands import (
    AddKind,
    AmendOccurrence,
    Command,
    CreateStory,
    LinkOccurrence,
    OccurrenceCommand,
    ReportOccurrence,
    Request,
    RetractOccurrence,
    json_digest,
)

IMPORT_PRINCIPAL = "import"

# What a line states besides the body of its endpoint: a report's and a revision's.
_REPORT_ENVELOPE = frozenset(("by", "revision", "reported_at", "id"))
_REVISION_ENVELOPE = frozenset(("by", "revision", "reported_at", "occurrence_id"))


class NotALine(ValueError):
    """The text is not a JSON object, so it is no line at all."""


@dataclass(frozen=True)
class Line:
    """An occurrence line: its command, and who asks with which key."""

    command: OccurrenceCommand
    request: Request


@dataclass(frozen=True)
class StoryLine:
    """A story line: a story already there is kept if the line states it alike."""

    story: dict[str, Any]
    request: Request

    def command(self) -> CreateStory:
        return CreateStory.from_body(self.story)

    def states(self, title: str, description: str | None) -> bool:
        return (self.story.get("title"), self.story.get("description")) == (title, description)


@dataclass(frozen=True)
class KindLine:
    """An added kind's line: a kind already there is kept if the line states it alike."""

    command: AddKind
    request: Request


def read(text: str) -> Line | StoryLine | KindLine:
    """The line's command; NotALine, or the error of the rule the line breaks."""
    try:
        item = _parse(text)
    except ValueError as error:
        raise NotALine(f"not JSON ({error})") from None
    if not isinstance(item, dict):
        raise NotALine("a line must be a JSON object")
    key = item.pop("idempotency_key", None)
    if key is None and "story" not in item and "added_kind" not in item and "id" not in item:
        key = "import:" + json_digest(item)
    by = item.get("by") or IMPORT_PRINCIPAL
    if not isinstance(by, str):
        raise ValueError("by must be a string")
    request = Request(by=by, idempotency_key=key, document_0_2=item)
    if "story" in item:
        if not isinstance(item["story"], dict):
            raise ValueError("story must be an object with slug, title and description")
        return StoryLine(item["story"], request)
    if "added_kind" in item:
        if not isinstance(item["added_kind"], dict):
            raise ValueError("added_kind must be an object with kind, description, cameo and plover")
        return KindLine(AddKind.from_body(item["added_kind"]), request)
    return Line(_command(item), request)


def _parse(text: str) -> Any:
    """The line's JSON: by orjson, several times quicker; by the standard library where
    orjson refuses what it takes (NaN, integers beyond 64 bits), and for its error messages."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


def _command(item: dict[str, Any]) -> OccurrenceCommand:
    revision = item.get("revision")
    reported_at = _instant(item.get("reported_at"))
    envelope = _REPORT_ENVELOPE if revision is None else _REVISION_ENVELOPE
    body = {name: value for name, value in item.items() if name not in envelope}
    if revision is None:
        known_id = item.get("id")
        occurrence_id = None if known_id is None else UUID(str(known_id))
        return ReportOccurrence.from_body(body, reported_at, occurrence_id)
    occurrence_id = UUID(str(item["occurrence_id"]))
    if revision == "amended":
        return AmendOccurrence.from_body(occurrence_id, body, reported_at)
    if revision == "linked":
        return LinkOccurrence.from_body(occurrence_id, body, reported_at)
    if revision == "retracted":
        return RetractOccurrence.from_body(occurrence_id, body, reported_at)
    raise ValueError(f"unknown revision {revision!r}: use amended, linked or retracted")


def _instant(value: Any) -> datetime | None:
    return None if value is None else datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def write(command: Command, by: str, idempotency_key: str | None = None) -> str:
    """The line that states the command, as `read` takes it back."""
    if isinstance(command, CreateStory):
        return _text({"story": command.body(), "by": by})
    if isinstance(command, AddKind):
        return _text({"added_kind": command.body(), "by": by})
    line: dict[str, Any]
    if isinstance(command, ReportOccurrence):
        line = {**command.fields}
        if command.occurrence_id is not None:
            line["id"] = str(command.occurrence_id)
    else:
        line = {"revision": _REVISIONS[type(command)], "occurrence_id": str(command.occurrence_id)}
        if isinstance(command, AmendOccurrence):
            line |= {**command.patch, "reason": command.reason}
        elif isinstance(command, LinkOccurrence):
            line |= command.relation
        else:
            line["reason"] = command.reason
        if command.source is not None:
            line["source"] = command.source
    if command.reported_at is not None:
        line["reported_at"] = command.reported_at.isoformat()
    line["by"] = by
    if idempotency_key is not None:
        line["idempotency_key"] = idempotency_key
    return _text(line)


_REVISIONS = {AmendOccurrence: "amended", LinkOccurrence: "linked", RetractOccurrence: "retracted"}


def _text(line: dict[str, Any]) -> str:
    return json.dumps(line, ensure_ascii=False, sort_keys=True) + "\n"
