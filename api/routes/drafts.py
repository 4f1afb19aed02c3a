"""Drafts: the occurrences an article reports, for an editor to review (writes nothing)."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import TimelineDep, Writer
from api.entity_directory import StoredEntities
from api.schemas.drafts import DraftList, DraftRequest
from api.schemas.problems import problems
from domain.drafting import Drafter

router = APIRouter(
    prefix="/v1/drafts", tags=["drafts"], responses=problems(400, 401, 403, 413, 415, 422, 429)
)


@router.post("", response_model=DraftList)
def draft_article(body: DraftRequest, timeline: TimelineDep, _: Writer) -> DraftList:
    """Draft the occurrences an article reports, each a body POST /v1/occurrences accepts."""
    drafter = Drafter(directory=StoredEntities(timeline, body.text))
    source = body.source.model_dump(exclude_none=True) if body.source else None
    drafts = drafter.draft(body.text, body.published_at, source, body.stories)
    return DraftList.model_validate({"items": [draft.as_json() for draft in drafts]})
