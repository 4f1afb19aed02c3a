"""Request and response bodies of the occurrence endpoints."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from domain.fold import RevisionType
from domain.kinds import Kind
from domain.occurred import Precision
from domain.values import Actor, FieldsPatch, OccurrenceFields, Reason, RelationType, Source, as_utc

Instant = Annotated[datetime, AfterValidator(as_utc)]

_EXAMPLE: dict[str, Any] = {
    "kind": "attack",
    "title": "Ukrainian soldier killed as rebels shell checkpoint near Slaviansk",
    "occurred": "2014-05-19",
    "actors": [{"name": "Pro-Russian separatists", "role": "agent"}],
    "places": ["Slaviansk"],
    "figures": {"killed": 1, "injured": 3},
    "source": {"name": "Ukrainian defence ministry", "reliability": "C"},
    "reported_at": "2014-05-19T08:00:00Z",
}


class OccurrenceCreate(OccurrenceFields):
    """A new occurrence, as its source reported it."""

    model_config = ConfigDict(json_schema_extra={"examples": [_EXAMPLE]})
    reported_at: Instant | None = Field(
        default=None, description="when the source published it; default: now"
    )


class OccurrencePatch(FieldsPatch):
    """A JSON Merge Patch of fields, with the reason for the amendment."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"figures": {"killed": 2}, "reason": "toll updated", "reported_at": "2014-05-20T09:00:00Z"}
            ]
        }
    )
    reason: Reason
    reported_at: Instant | None = None
    source: Source | None = None

    def fields_patch(self) -> dict[str, Any]:
        revision_keys = {"reason", "reported_at", "source"}
        return {
            key: value
            for key, value in self.model_dump(mode="json", exclude_unset=True).items()
            if key not in revision_keys
        }


class RetractionCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"reason": "report withdrawn by the ministry"}]}
    )
    reason: Reason
    reported_at: Instant | None = None
    source: Source | None = None


class RelationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: RelationType
    target: UUID
    reported_at: Instant | None = None
    source: Source | None = None


class OccurredPublic(BaseModel):
    edtf: str
    start: datetime
    end: datetime
    precision: Precision
    approximate: bool
    uncertain: bool


class RelationPublic(BaseModel):
    type: RelationType
    target: UUID


Status = Literal["reported", "corroborated", "disputed", "retracted"]


class RetractionPublic(BaseModel):
    reason: str = Field(description="why the report was withdrawn")
    reported_at: datetime = Field(description="when the retraction was reported")


class OccurrencePublic(BaseModel):
    """An occurrence as of a point in report time and record time."""

    id: UUID
    version: int = Field(description="the latest revision folded into this state")
    kind: Kind
    title: str
    summary: str | None
    occurred: OccurredPublic
    actors: list[Actor]
    places: list[str]
    figures: dict[str, int | float]
    source: Source
    reported_at: datetime = Field(description="when the occurrence was first reported")
    recorded_at: datetime = Field(
        description="when this state was recorded: the newest record time among the revisions folded"
        " into it, so `recorded_as_of` set to it reads the same state again"
    )
    stories: list[str]
    relations: list[RelationPublic]
    retraction: RetractionPublic | None = Field(
        default=None, description="the retraction, if one was reported by the read point; else null"
    )
    status: Status
    disputed_by: list[UUID]
    corroborated_by: list[UUID]


class TimelinePublic(BaseModel):
    items: list[OccurrencePublic]
    next_cursor: str | None


class RelationChangePublic(BaseModel):
    """A relation as a `relations` change lists it: its target's title beside its id."""

    type: RelationType
    target: UUID
    target_title: str | None = Field(
        description="the target's latest title as of the history's `recorded_as_of`; null if unknown"
    )


_CHANGED_VALUE = "the field's value; for `relations`, a list of relations with their targets' titles"


class ChangePublic(BaseModel):
    field: str
    old: list[RelationChangePublic] | Any = Field(description=_CHANGED_VALUE)
    new: list[RelationChangePublic] | Any = Field(description=_CHANGED_VALUE)


class RevisionPublic(BaseModel):
    version: int
    type: RevisionType
    reported_at: datetime
    recorded_at: datetime
    by: str
    reason: str | None
    source: Source | None
    changes: list[ChangePublic]


class HistoryPublic(BaseModel):
    id: UUID
    revisions: list[RevisionPublic]


class ChangedEntry(BaseModel):
    id: UUID
    changes: list[ChangePublic]


class StoryChangesPublic(BaseModel):
    added: list[OccurrencePublic]
    changed: list[ChangedEntry]
    retracted: list[OccurrencePublic]
