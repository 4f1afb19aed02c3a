"""The timeline of all occurrences."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import Reader, TimelineDep
from api.params import TimelineParams, encode_cursor
from api.schemas.occurrences import TimelinePublic
from api.schemas.problems import problems

router = APIRouter(prefix="/v1/timeline", tags=["timelines"], responses=problems(401, 422))


@router.get("", response_model=TimelinePublic)
def timeline(timeline: TimelineDep, query: TimelineParams, _: Reader) -> TimelinePublic:
    """Every occurrence in valid-time order, as of any report and record time."""
    page = timeline.timeline(query)
    cursor = encode_cursor(page.next_after) if page.next_after else None
    return TimelinePublic.model_validate({"items": page.items, "next_cursor": cursor})
