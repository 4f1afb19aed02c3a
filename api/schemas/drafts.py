"""Bodies of POST /v1/drafts: an article in, draft occurrences out (SPEC §6)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from api.schemas.occurrences import OccurrenceCreate
from domain.bodies import Instant
from domain.values import RelationType, Slug, Source, check_storable

SEED_EXAMPLE = (
    "Mr Putin ordered military forces to return to their permanent bases this morning after drills "
    "in three regions bordering Ukraine, the Kremlin said. He is due to meet UN Secretary-General "
    "Ban Ki-moon in China tomorrow."
)


class DraftRequest(BaseModel):
    """An article and when it was published."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"text": SEED_EXAMPLE, "published_at": "2014-05-19T08:00:00Z", "stories": []}]
        },
    )
    text: Annotated[str, StringConstraints(min_length=1, max_length=100_000)]
    published_at: Instant = Field(description="when the article was published: times are resolved against it")
    source: Source | None = Field(
        default=None, description="the outlet; a speaker the text names replaces its name"
    )
    stories: list[Slug] = Field(default_factory=list, max_length=50)

    @model_validator(mode="before")
    @classmethod
    def _storable(cls, data: Any) -> Any:
        check_storable(data)
        return data


class Evidence(BaseModel):
    start: int
    end: int
    text: str


class TimeFound(BaseModel):
    text: str
    edtf: str


class DraftRelation(BaseModel):
    type: Literal["disputes", "corroborates", "responds_to", "follows", "part_of"]
    draft: int


class DraftPublic(BaseModel):
    occurrence: OccurrenceCreate
    evidence: Evidence
    time: TimeFound | None
    confidence: float = Field(ge=0, le=1)
    relations: list[DraftRelation]


class DraftList(BaseModel):
    items: list[DraftPublic]


_ = RelationType  # the relation types a draft suggests are those an occurrence holds
