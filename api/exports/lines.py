"""NDJSON that `newsline import` reads back: the added kinds and stories it uses, then one line
per revision in record order.

Lines are in `adapters.ndjson`'s format: a kind or story line names who
added or opened it in `by`; each revision is the command that records it again, with its
`id` or `occurrence_id`, `reported_at` and `by`, and an `idempotency_key`
made of the occurrence id and version, so importing the same export twice
writes nothing the second time.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from uuid import UUID

from adapters import ndjson
from domain.commands import (
    AddKind,
    AmendOccurrence,
    Command,
    CreateStory,
    LinkOccurrence,
    ReportOccurrence,
    RetractOccurrence,
)
from projections.timeline import RecordedRevision


def command(revision: RecordedRevision) -> Command:
    """The command that records the revision again (a recorded one needs no checking)."""
    occurrence_id, at = revision.occurrence_id, revision.reported_at
    if revision.type == "reported":
        return ReportOccurrence(revision.body, at, occurrence_id)
    if revision.type == "amended":
        return AmendOccurrence(
            occurrence_id, revision.body["patch"], str(revision.reason), revision.source, at
        )
    if revision.type == "linked":
        relation = revision.body["relation"]
        return LinkOccurrence(occurrence_id, relation["type"], UUID(relation["target"]), revision.source, at)
    return RetractOccurrence(occurrence_id, str(revision.reason), revision.source, at)


def story_slugs(revisions: list[RecordedRevision]) -> list[str]:
    """Every story the revisions file an occurrence under, in first-seen order."""
    slugs: dict[str, None] = {}
    for revision in revisions:
        named = revision.body.get("stories") or revision.body.get("patch", {}).get("stories") or []
        slugs.update(dict.fromkeys(named))
    return list(slugs)


def kind_names(revisions: list[RecordedRevision]) -> set[str]:
    """Every kind the revisions give an occurrence."""
    return {kind for revision in revisions if (kind := _kind(revision.body)) is not None}


def _kind(body: dict[str, Any]) -> str | None:
    kind = body.get("kind") or body.get("patch", {}).get("kind")
    return kind if isinstance(kind, str) else None


def render(
    revisions: list[RecordedRevision], stories: list[dict[str, Any]], kinds: list[dict[str, Any]]
) -> Iterator[str]:
    """Kind and story lines first, so that the occurrences of those kinds, filed under them, can be."""
    for kind in kinds:
        added = AddKind(kind["kind"], kind["description"], kind["cameo"], kind["plover"])
        yield ndjson.write(added, kind["added_by"])
    for story in stories:
        created = CreateStory(story["slug"], story["title"], story["description"])
        yield ndjson.write(created, story["created_by"])
    for revision in revisions:
        key = f"newsline-export:{revision.occurrence_id}:{revision.version}"
        yield ndjson.write(command(revision), revision.by, key)
