"""The bodies of the writes, read field by field, and the rules beyond a single field.

The HTTP schemas extend these models (and `OccurrenceFields`, `FieldsPatch`,
`StoryFields` in `domain.values`), so a body the HTTP layer accepted has
already passed every rule a single field states. The functions here check
the rest, once: a date's calendar (the schemas state only its form, as a
pattern the OpenAPI document carries), a relation listed twice, a patch that
changes nothing or removes a required field, a retraction reason's text.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from pydantic import AfterValidator, BaseModel, ConfigDict, TypeAdapter, ValidationError

from domain.errors import FieldError, ValidationFailed
from domain.values import (
    REQUIRED_FIELDS,
    Edtf,
    FieldsPatch,
    OccurrenceFields,
    Reason,
    RelationType,
    Source,
    StorableReason,
    as_utc,
    check_unique_relations,
    validate,
    validated_fields,
)

# An instant; one given without a zone is taken as UTC.
Instant = Annotated[datetime, AfterValidator(as_utc)]

_EDTF: TypeAdapter[str] = TypeAdapter(Edtf)
_OCCURRENCE_FIELDS = set(OccurrenceFields.model_fields)
_PATCHABLE_FIELDS = set(FieldsPatch.model_fields)


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AmendmentBody(FieldsPatch):
    # A merge patch of fields, with the reason, time and source of the amendment.
    reason: Reason
    reported_at: Instant | None = None
    source: Source | None = None


class RetractionBody(_Body):
    # Its fields are read one by one; the reason's text is checked by `storable_reason`.
    reason: Reason
    reported_at: Instant | None = None
    source: Source | None = None


class RelationBody(_Body):
    type: RelationType
    target: UUID
    reported_at: Instant | None = None
    source: Source | None = None


def occurrence_fields(body: Any) -> dict[str, Any]:
    """A report's fields in their canonical JSON form, from JSON or from a model read at the door."""
    if not isinstance(body, OccurrenceFields):
        return validated_fields(body)
    fields = body.model_dump(mode="json", include=_OCCURRENCE_FIELDS)
    fields["occurred"] = _calendar_date(fields["occurred"])
    check_unique_relations(fields["relations"])
    return fields


def amendment_patch(body: AmendmentBody) -> dict[str, Any]:
    """The merge patch of an amendment read at the door: only the keys it sets."""
    patch = body.model_dump(mode="json", include=_PATCHABLE_FIELDS, exclude_unset=True)
    errors = [
        FieldError(key, "cannot be removed") for key in REQUIRED_FIELDS if key in patch and patch[key] is None
    ]
    if errors:
        raise ValidationFailed(errors)
    if not patch:
        raise ValidationFailed.single("patch", "names no field to change")
    if patch.get("occurred") is not None:
        patch["occurred"] = _calendar_date(patch["occurred"])
    return patch


def storable_reason(reason: str) -> str:
    """A reason whose length was checked, once its text is known storable."""
    return str(validate(StorableReason, {"reason": reason}, prefix="")["reason"])


def _calendar_date(text: str) -> str:
    try:
        return _EDTF.validate_python(text)
    except ValidationError as error:
        raise ValidationFailed([FieldError("occurred", item["msg"]) for item in error.errors()]) from None
