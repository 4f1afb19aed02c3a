"""The timeline of all occurrences."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from api.answers import timeline_answer
from api.deps import Reader, StoriesDep, TimelineDep
from api.exports import RESPONSES, ExportFormat, export_response
from api.params import TimelineParams
from api.schemas.occurrences import TimelinePublic
from api.schemas.problems import problems

router = APIRouter(prefix="/v1/timeline", tags=["timelines"], responses=problems(401, 422))


@router.get("", response_model=TimelinePublic, responses=RESPONSES)
def timeline(
    timeline: TimelineDep, stories: StoriesDep, query: TimelineParams, _: Reader, export: ExportFormat
) -> TimelinePublic | Response:
    """Every occurrence in valid-time order, as of any report and record time."""
    if export:
        return export_response(timeline, stories, query, export, "Newsline timeline", "timeline")
    return timeline_answer(timeline.timeline(query))
