"""Bodies of the stories, entities, kinds and event-log endpoints."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict

from domain.values import KindFields, StoryFields


class StoryCreate(StoryFields):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "slug": "russian-troops-ukraine-border",
                    "title": "Russian troops on Ukraine's border",
                    "description": "Deployments, exercises and announced withdrawals.",
                }
            ]
        }
    )


class StoryPublic(BaseModel):
    slug: str
    title: str
    description: str | None
    recorded_at: datetime


class StoryList(BaseModel):
    items: list[StoryPublic]
    next_cursor: str | None


class EntityPublic(BaseModel):
    id: str
    name: str
    types: list[Literal["actor", "place"]]
    occurrences: int


class EntityList(BaseModel):
    items: list[EntityPublic]
    next_cursor: str | None


class KindCreate(KindFields):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"kind": "wildfire", "description": "A wildfire, its spread and its containment."},
                {"kind": "court_ruling", "description": "A court's ruling or verdict.", "cameo": "0834"},
            ]
        }
    )


class KindPublic(BaseModel):
    kind: str
    cameo: str | None
    plover: str | None
    description: str
    custom: bool


class KindList(BaseModel):
    items: list[KindPublic]


class EventPublic(BaseModel):
    position: int
    occurrence_id: UUID | None
    story_id: UUID | None = None
    type: str
    version: int
    recorded_at: datetime
    data: dict[str, Any]


class EventPage(BaseModel):
    items: list[EventPublic]
    next: int
