"""The occurrence document: the JSON a timeline state stores and the API serves.

`OccurrencePublic` is its one definition. A state stores every field but the
ones that depend on other occurrences (`READ_TIME_FIELDS`); a read adds those
as of its own report and record time (`with_status`), splicing the stored
text rather than decoding it. A field the fold state carries is added by
declaring it here: `stored_document` takes it from the state, and the OpenAPI
document and the story changes follow the model. (States stored before hold
the fields of their time: a new field needs `newsline rebuild`.)
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

import orjson
from pydantic import BaseModel, Field

from domain.occurred import Precision
from domain.values import Actor, KindName, RelationType, Source


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
    kind: KindName
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


# Fields that depend on what other occurrences say as of the read point: joined at read time.
READ_TIME_FIELDS = ("status", "disputed_by", "corroborated_by")
STORED_FIELDS = tuple(name for name in OccurrencePublic.model_fields if name not in READ_TIME_FIELDS)

# What a reader of a story sees change: not identity and bookkeeping, nor what `status` already says.
COMPARED_FIELDS = tuple(
    name
    for name in OccurrencePublic.model_fields
    if name
    not in ("id", "version", "reported_at", "recorded_at", "retraction", "disputed_by", "corroborated_by")
)


def stored_document(state: dict[str, Any], **derived: Any) -> dict[str, Any]:
    """The document a state stores: each field as `derived` gives it, else as the fold state holds it."""
    return {name: derived[name] if name in derived else state.get(name) for name in STORED_FIELDS}


def with_status(stored: str, retracted: bool, disputed_by: list[str], corroborated_by: list[str]) -> str:
    """A stored document with the read-time fields as of the read point, as JSON text.

    The stored text is spliced, not decoded: it never holds these members
    (`STORED_FIELDS`), and PostgreSQL checked it is valid JSON when it was written.
    """
    if retracted:
        status = "retracted"
    elif disputed_by:
        status = "disputed"
    elif corroborated_by:
        status = "corroborated"
    else:
        status = "reported"
    members = orjson.dumps(
        {"status": status, "disputed_by": disputed_by, "corroborated_by": corroborated_by}
    ).decode()
    return f"{stored[:-1]}, {members[1:]}"
