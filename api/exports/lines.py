"""NDJSON that `newsline import` reads back: its stories, then one line per revision in record order.

A story line is `{"story": {slug, title, description}, "by": ...}`, `by`
naming who opened the story.

An occurrence line is the POST /v1/occurrences body with its `id`,
`reported_at` and `by`; a revision line names its `revision` and
`occurrence_id` with the body of its endpoint. Each line carries an
`idempotency_key` made of the occurrence id and version, so importing the
same export twice writes nothing the second time.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from projections.timeline import RecordedRevision


def line(revision: RecordedRevision) -> dict[str, Any]:
    identity = str(revision.occurrence_id)
    common: dict[str, Any] = {
        "reported_at": revision.reported_at.isoformat(),
        "by": revision.by,
        "idempotency_key": f"newsline-export:{identity}:{revision.version}",
    }
    if revision.type == "reported":
        return {"id": identity, **revision.body, **common}
    body: dict[str, Any] = {"revision": revision.type, "occurrence_id": identity}
    if revision.type == "amended":
        body |= {**revision.body["patch"], "reason": revision.reason}
    elif revision.type == "linked":
        body |= revision.body["relation"]
    else:
        body["reason"] = revision.reason
    if revision.source is not None:
        body["source"] = revision.source
    return body | common


def story_slugs(revisions: list[RecordedRevision]) -> list[str]:
    """Every story the revisions file an occurrence under, in first-seen order."""
    slugs: dict[str, None] = {}
    for revision in revisions:
        named = revision.body.get("stories") or revision.body.get("patch", {}).get("stories") or []
        slugs.update(dict.fromkeys(named))
    return list(slugs)


def render(revisions: list[RecordedRevision], stories: list[dict[str, Any]]) -> Iterator[str]:
    """Story lines first, so that the occurrences filed under them can be."""
    for story in stories:
        entry = {key: story[key] for key in ("slug", "title", "description")}
        yield (
            json.dumps({"story": entry, "by": story["created_by"]}, ensure_ascii=False, sort_keys=True) + "\n"
        )
    for revision in revisions:
        yield json.dumps(line(revision), ensure_ascii=False, sort_keys=True) + "\n"
