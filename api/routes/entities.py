"""Entities: the people, organisations and places occurrences name."""

from __future__ import annotations

from dataclasses import asdict, replace
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from api.answers import timeline_answer
from api.deps import Reader, StoriesDep, TimelineDep
from api.exports import RESPONSES, ExportFormat, export_response
from api.params import TimelineParams
from api.schemas.catalogue import EntityList
from api.schemas.occurrences import TimelinePublic
from api.schemas.problems import problems
from domain.errors import EntityNotFound

router = APIRouter(prefix="/v1/entities", tags=["entities"], responses=problems(401, 404, 422))


@router.get("", response_model=EntityList)
def list_entities(
    timeline: TimelineDep,
    _: Reader,
    q: Annotated[str | None, Query(max_length=200, description="part of the name")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    cursor: str | None = None,
) -> EntityList:
    """Entities by id, with how many current occurrences name each."""
    rows = timeline.entities(limit + 1, after=cursor, text=q)
    next_cursor = rows[limit - 1].id if len(rows) > limit else None
    return EntityList.model_validate(
        {"items": [asdict(row) for row in rows[:limit]], "next_cursor": next_cursor}
    )


@router.get("/{entity_id}/timeline", response_model=TimelinePublic, responses=RESPONSES)
def entity_timeline(
    entity_id: str,
    timeline: TimelineDep,
    stories: StoriesDep,
    query: TimelineParams,
    _: Reader,
    export: ExportFormat,
) -> TimelinePublic | Response:
    """The occurrences that name the entity, in valid-time order."""
    entity = timeline.entity(entity_id)
    if entity is None:
        raise EntityNotFound(entity_id)
    if export:
        query = replace(query, entity=entity_id)
        return export_response(timeline, stories, query, export, entity.name, entity_id)
    return timeline_answer(timeline.timeline(replace(query, entity=entity_id)))
