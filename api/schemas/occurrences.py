"""Request and response bodies of the occurrence endpoints."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, WithJsonSchema

from api.params import DATE_FORM
from domain.bodies import AmendmentBody, Instant, RelationBody, RetractionBody
from domain.fold import RevisionType
from domain.values import (
    PATCHABLE_FIELDS,
    REQUIRED_FIELDS,
    OccurrenceFields,
    RelationType,
    Source,
)

# The occurrence document is defined once, beside the view that stores it; the
# response bodies here are made of it.
from projections.timeline.document import OccurrencePublic as OccurrencePublic

# The EDTF (levels 0 and 1) forms `occurred` takes, stated in the OpenAPI document: a year,
# month, season (21-24), calendar day, or day with a time; unspecified digits (201X, 2014-XX);
# a qualifier (~ ? %) on dates; or a closed interval of dates and seasons. An interval must not
# end before it starts, which no pattern can say.
_YEAR = r"(?:000[1-9]|00[1-9][0-9]|0[1-9][0-9]{2}|[1-9][0-9]{3})"
_WINTER_YEAR = r"(?:000[1-9]|00[1-9][0-9]|0[1-9][0-9]{2}|[1-8][0-9]{3}|9[0-8][0-9]{2}|99[0-8][0-9]|999[0-8])"
_MONTH = r"(?:0[1-9]|1[0-2])"
_UNSPECIFIED_YEAR = r"(?:00[1-9]X|0[1-9][0-9]X|[1-9][0-9]{2}X|0[1-9]XX|[1-9][0-9]XX)"
_UNSPECIFIED = rf"(?:{_YEAR}-XX(?:-XX)?|{_YEAR}-{_MONTH}-XX|{_UNSPECIFIED_YEAR})"
_QUALIFIABLE = rf"(?:{DATE_FORM}|{_YEAR}(?:-{_MONTH})?|{_UNSPECIFIED})[~?%]?"  # not in intervals
_SEASON = rf"(?:{_YEAR}-2[1-3]|{_WINTER_YEAR}-24)"
_HOURS = r"(?:[01][0-9]|2[0-3])"
# The offsets the EDTF grammar takes: up to 14:00, and not a zero one.
_OFFSET = r"[+-](?:(?:0[1-9]|1[0-3])(?::[0-5][0-9])?|00:(?:0[1-9]|[1-5][0-9])|14:00)"
_DATE_TIME = rf"{DATE_FORM}T{_HOURS}:[0-5][0-9](?::[0-5][0-9])?(?:Z|{_OFFSET})?"
_INTERVAL_END = rf"(?:(?:{DATE_FORM}|{_YEAR}(?:-{_MONTH})?)[~?%]?|{_SEASON})"
_SINGLE = rf"(?:{_QUALIFIABLE}|{_SEASON}|{_DATE_TIME})"
OCCURRED_PATTERN = rf"^(?:{_SINGLE}|{_INTERVAL_END}/{_INTERVAL_END})$"
_OCCURRED = re.compile(OCCURRED_PATTERN)


def _edtf_form(text: str) -> str:
    if not _OCCURRED.fullmatch(text):
        raise ValueError(
            f"{text[:100]!r} is not an EDTF date (e.g. 2014-05-19, 2014-04, 2014-04-11/2014-04-20, 2014-05~)"
        )
    return text


# The domain checks the calendar and the interval's order; this states and checks the form.
OccurredText = Annotated[
    str,
    StringConstraints(max_length=100),
    AfterValidator(_edtf_form),
    WithJsonSchema({"type": "string", "maxLength": 100, "pattern": OCCURRED_PATTERN}),
]


def _create_schema(schema: dict[str, Any]) -> None:
    schema["examples"] = [_EXAMPLE]
    # Relations hold only a type and a target: a relation listed twice is an item repeated.
    schema["properties"]["relations"]["uniqueItems"] = True


def _patch_schema(schema: dict[str, Any]) -> None:
    schema["examples"] = [
        {"figures": {"killed": 2}, "reason": "toll updated", "reported_at": "2014-05-20T09:00:00Z"}
    ]
    properties = schema["properties"]
    for name in REQUIRED_FIELDS:  # they may be changed, never removed (null)
        options = properties[name].pop("anyOf", None)
        if options:
            properties[name].update(next(option for option in options if option.get("type") != "null"))
    # A patch changes at least one field.
    schema["anyOf"] = [{"required": [name]} for name in PATCHABLE_FIELDS]


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

    model_config = ConfigDict(json_schema_extra=_create_schema)
    occurred: OccurredText
    reported_at: Instant | None = Field(
        default=None, description="when the source published it; default: now"
    )


class OccurrencePatch(AmendmentBody):
    """A JSON Merge Patch of fields, with the reason for the amendment."""

    model_config = ConfigDict(json_schema_extra=_patch_schema)
    occurred: OccurredText | None = None


class RetractionCreate(RetractionBody):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"reason": "report withdrawn by the ministry"}]}
    )


class RelationCreate(RelationBody):
    pass


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
