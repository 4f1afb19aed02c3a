"""`newsline draft`: an article's drafts as `newsline import` lines.

Each draft is a report line with an id derived from the article and the draft's
place in it (so importing the same output twice writes once), followed by a
"linked" line for each relation the drafts suggest among themselves.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from datetime import datetime
from uuid import UUID, uuid5

from adapters import ndjson
from domain.commands import LinkOccurrence, ReportOccurrence
from domain.drafting import Drafter

DRAFT_PRINCIPAL = "draft"
_NAMESPACE = UUID("6f1d0c1e-3a51-4c1e-9a55-2d7a0e1f4b90")


def draft_lines(
    text: str, published_at: datetime, source: str | None = None, stories: Sequence[str] = ()
) -> Iterator[str]:
    drafts = Drafter().draft(text, published_at, {"name": source} if source else None, stories)
    digest = hashlib.sha256(f"{published_at.isoformat()}\n{text}".encode()).hexdigest()
    ids = [uuid5(_NAMESPACE, f"{digest}:{index}") for index in range(len(drafts))]
    for draft, occurrence_id in zip(drafts, ids, strict=True):
        body = {k: v for k, v in draft.occurrence.items() if k != "reported_at"}
        command = ReportOccurrence.from_body(body, published_at, occurrence_id)
        yield ndjson.write(command, DRAFT_PRINCIPAL)
    for draft, occurrence_id in zip(drafts, ids, strict=True):
        for relation in draft.relations:
            body = {"type": relation["type"], "target": str(ids[relation["draft"]])}
            yield ndjson.write(LinkOccurrence.from_body(occurrence_id, body, published_at), DRAFT_PRINCIPAL)
