"""The global event log, in record order."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import AppDep, Reader
from api.schemas.catalogue import EventPage
from api.schemas.problems import problems
from domain.event_log import read_log

router = APIRouter(prefix="/v1/events", tags=["events"], responses=problems(401, 422))


@router.get("", response_model=EventPage)
def event_log(
    app: AppDep,
    _: Reader,
    after: Annotated[int, Query(ge=0, le=2**62, description="position to read after")] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> EventPage:
    """Events after a position; `next` is the position to ask after next time."""
    entries = read_log(app, after, limit)
    items = [
        {
            "position": entry.position,
            "occurrence_id": None if entry.is_story else entry.aggregate_id,
            "story_id": entry.aggregate_id if entry.is_story else None,
            "type": entry.type,
            "version": entry.version,
            "recorded_at": entry.recorded_at,
            "data": entry.data,
        }
        for entry in entries
    ]
    return EventPage.model_validate({"items": items, "next": entries[-1].position if entries else after})
