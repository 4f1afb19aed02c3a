"""Value types of an occurrence, validated once for every way in (API, seed, import).

Events store the plain JSON form of these values (`model_dump(mode="json")`),
so the stored contract does not depend on these classes.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime
from functools import lru_cache
from typing import Annotated, Any, Literal
from uuid import UUID

import orjson
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    StringConstraints,
    ValidationError,
    WithJsonSchema,
    model_validator,
)
from slugify import slugify

from domain.errors import FieldError, ValidationFailed
from domain.kinds import CAMEO_PATTERN, KIND_MAX_LENGTH, KIND_PATTERN, PLOVER_PATTERN
from domain.occurred import InvalidOccurred, parse_occurred

RelationType = Literal["disputes", "corroborates", "responds_to", "follows", "part_of"]
Role = Literal["agent", "target", "mentioned"]
Reliability = Literal["A", "B", "C", "D", "E", "F"]

# Figures are counts and amounts; beyond this, or below zero, a number is almost surely a typo.
MAX_FIGURE = 1e15
# Nothing an occurrence holds is nested deeper than a few levels; deeper input is refused
# before any recursive code (validation, hashing, storage) walks it.
MAX_DEPTH = 16


def as_utc(moment: datetime) -> datetime:
    """An instant in UTC; a time without a zone is taken as UTC.

    ValueError when the zone offset carries it past year 1 or 9999.
    """
    try:
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    except OverflowError:
        raise ValueError("is out of the range of instants Newsline can store (years 1 to 9999)") from None


@lru_cache(maxsize=65536)
def entity_id(name: str) -> str:
    """The entity id of a name: its slug (`"Vladimir Putin"` -> `vladimir-putin`)."""
    return str(slugify(name))


def _has_slug(name: str) -> str:
    if not entity_id(name):
        raise ValueError("must contain at least one letter or digit")
    return name


def _valid_edtf(text: str) -> str:
    try:
        return parse_occurred(text).edtf
    except InvalidOccurred as error:
        raise ValueError(str(error)) from None


def _figure(value: Any) -> int | float:
    # A JSON true/false or "3" is not a figure, although Python would coerce them.
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("must be a number")
    if not math.isfinite(value) or not 0 <= value <= MAX_FIGURE:
        raise ValueError(f"must be a number from 0 to {MAX_FIGURE:.0e}")
    return value


Title = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300, pattern=r"^[^\n\r]*$")
]
Summary = Annotated[str, StringConstraints(max_length=5000)]
Name = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), AfterValidator(_has_slug)
]
Slug = Annotated[str, StringConstraints(min_length=1, max_length=100, pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$")]
# A kind's form; whether it is one (built in or added) the service checks.
KindName = Annotated[str, StringConstraints(max_length=KIND_MAX_LENGTH, pattern=KIND_PATTERN)]
Edtf = Annotated[str, StringConstraints(strip_whitespace=True, max_length=100), AfterValidator(_valid_edtf)]
FigureName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
FigureValue = Annotated[
    int | float,
    PlainValidator(_figure),
    WithJsonSchema({"type": "number", "minimum": 0, "maximum": MAX_FIGURE}),
]


# Control characters (but tab and newlines) and lone surrogates cannot be stored
# as PostgreSQL text or encoded as UTF-8; refuse them at the door.
_UNSTORABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def check_storable(value: Any) -> None:
    """Refuse text PostgreSQL cannot store, or nesting deeper than MAX_DEPTH, naming where (ValueError)."""
    if not _plainly_storable(value) and _needs_refusal(value):
        _refuse(value)


# What orjson writes for a character _UNSTORABLE names (it escapes control
# characters but tab and newlines as \b, \f or \u00XX, writes DEL as it is,
# and refuses lone surrogates). A backslash typed before a `b` matches too,
# which only sends the value down the slower, exact path.
_ESCAPED_UNSTORABLE = (b"\\u00", b"\\b", b"\\f", b"\x7f")


def _plainly_storable(value: Any) -> bool:
    """A quick yes for the usual value, in one pass of orjson's C code; False means "look closer"."""
    try:
        text = orjson.dumps(value)
    except (TypeError, orjson.JSONEncodeError):
        return False
    # At most MAX_DEPTH opening brackets cannot nest deeper than MAX_DEPTH.
    if text.count(b"{") + text.count(b"[") > MAX_DEPTH:
        return False
    return not any(marker in text for marker in _ESCAPED_UNSTORABLE)


def _needs_refusal(value: Any) -> bool:
    # A loop, not recursion, for speed.
    pending = [(value, 0)]
    while pending:
        item, depth = pending.pop()
        kind = type(item)
        if kind is str:
            if _UNSTORABLE.search(item):
                return True
        elif kind is dict or kind is list:
            if depth >= MAX_DEPTH:
                return True
            children = [*item, *item.values()] if kind is dict else item
            pending.extend((child, depth + 1) for child in children)
    return False


def _refuse(value: Any, path: tuple[str, ...] = ()) -> None:
    """Raise the ValueError that names where `value` breaks a rule."""
    if len(path) > MAX_DEPTH:
        raise ValueError(f"{'.'.join(path[:3])}… is nested more than {MAX_DEPTH} levels deep")
    if isinstance(value, str):
        if _UNSTORABLE.search(value):
            where = ".".join(path) or "text"
            raise ValueError(f"{where} contains a control character or invalid Unicode")
    elif isinstance(value, dict):
        for key, item in value.items():
            _refuse(key, (*path, f"{key!s:.50}"))
            _refuse(item, (*path, f"{key!s:.50}"))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _refuse(item, (*path, str(index)))


class _Part(BaseModel):
    """A value nested in a `_Value`, whose text the `_Value` checks."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class _Value(_Part):
    """A value validated on its own: all the text in it is checked once, here."""

    @model_validator(mode="before")
    @classmethod
    def _only_storable_text(cls, data: Any) -> Any:
        check_storable(data)
        return data


class Actor(_Part):
    name: Name
    role: Role = "mentioned"


class Source(_Value):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
    article_url: Annotated[str, StringConstraints(max_length=2000, pattern=r"^https?://\S+$")] | None = None
    outlet: Annotated[str, StringConstraints(max_length=300)] | None = None
    quote: Annotated[str, StringConstraints(max_length=5000)] | None = None
    reliability: Reliability | None = None


class Relation(_Part):
    type: RelationType
    target: UUID


class OccurrenceFields(_Value):
    """Everything a client states about an occurrence when reporting it."""

    kind: KindName
    title: Title
    summary: Summary | None = None
    occurred: Edtf
    actors: list[Actor] = Field(default_factory=list, max_length=100)
    places: list[Name] = Field(default_factory=list, max_length=100)
    figures: dict[FigureName, FigureValue] = Field(default_factory=dict, max_length=100)
    source: Source
    stories: list[Slug] = Field(default_factory=list, max_length=50)
    relations: list[Relation] = Field(default_factory=list, max_length=100)


class FieldsPatch(_Value):
    """The fields an amendment may change; `null` clears an optional field."""

    kind: KindName | None = None
    title: Title | None = None
    summary: Summary | None = None
    occurred: Edtf | None = None
    actors: list[Actor] | None = Field(default=None, max_length=100)
    places: list[Name] | None = Field(default=None, max_length=100)
    figures: dict[FigureName, FigureValue | None] | None = Field(default=None, max_length=100)
    stories: list[Slug] | None = Field(default=None, max_length=50)


REQUIRED_FIELDS = ("kind", "title", "occurred")
PATCHABLE_FIELDS = tuple(FieldsPatch.model_fields)


def validated_fields(data: dict[str, Any]) -> dict[str, Any]:
    """Validate a report's fields; answer their canonical JSON form."""
    fields = validate(OccurrenceFields, data, prefix="")
    check_unique_relations(fields["relations"])
    return fields


def check_fields(data: dict[str, Any]) -> None:
    """Refuse what `validated_fields` refuses, with the same errors, without
    writing out the canonical form (an amendment checks the whole it makes)."""
    try:
        fields = OccurrenceFields.model_validate(data)
    except ValidationError as error:
        raise _failure(error, prefix="") from None
    check_unique_relations([{"type": item.type, "target": item.target} for item in fields.relations])


def validated_patch(patch: dict[str, Any]) -> dict[str, Any]:
    """Validate a merge patch of fields; answer only the keys it sets."""
    unknown = [key for key in patch if key not in PATCHABLE_FIELDS]
    errors = [FieldError(key, _unpatchable_reason(key)) for key in unknown] + [
        FieldError(key, "cannot be removed") for key in REQUIRED_FIELDS if key in patch and patch[key] is None
    ]
    if errors:
        raise ValidationFailed(errors)
    if not patch:
        raise ValidationFailed.single("patch", "names no field to change")
    model = validate(FieldsPatch, patch, prefix="", exclude_unset=True)
    return model


def validated_source(data: Any, field: str = "source") -> dict[str, Any] | None:
    if data is None:
        return None
    return validate(Source, data, prefix=f"{field}.")


def _unpatchable_reason(key: str) -> str:
    if key == "relations":
        return "relations are added with POST /v1/occurrences/{id}/relations"
    if key in ("source", "reported_at", "reason"):
        return "belongs to the revision, not to the patch of fields"
    return "is not a field of an occurrence that can be changed"


def check_unique_relations(relations: list[dict[str, Any]]) -> None:
    seen = set()
    for index, relation in enumerate(relations):
        pair = (relation["type"], relation["target"])
        if pair in seen:
            raise ValidationFailed.single(f"relations.{index}", "is listed twice")
        seen.add(pair)


def validate(
    model: type[BaseModel], data: Any, *, prefix: str, exclude_unset: bool = False
) -> dict[str, Any]:
    try:
        value = model.model_validate(data)
    except ValidationError as error:
        raise _failure(error, prefix) from None
    return value.model_dump(mode="json", exclude_unset=exclude_unset)


def _failure(error: ValidationError, prefix: str) -> ValidationFailed:
    return ValidationFailed(
        [
            FieldError(prefix + ".".join(str(part) for part in item["loc"]) or "body", item["msg"])
            for item in error.errors()
        ]
    )


class StoryFields(_Value):
    slug: Slug
    title: Title
    description: Summary | None = None


class KindFields(_Value):
    """A kind a newsroom adds: its slug, what it covers, and its codes where it has them."""

    kind: KindName
    description: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
    cameo: Annotated[str, StringConstraints(pattern=CAMEO_PATTERN)] | None = None
    plover: Annotated[str, StringConstraints(max_length=32, pattern=PLOVER_PATTERN)] | None = None


def validated_kind(data: dict[str, Any]) -> dict[str, Any]:
    return validate(KindFields, data, prefix="")


Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]


class StorableReason(_Value):
    """A reason whose text is checked (its length is `Reason`'s)."""

    reason: str


class _ReasonHolder(StorableReason):
    reason: Reason


def validated_story(data: dict[str, Any]) -> dict[str, Any]:
    return validate(StoryFields, data, prefix="")


def validated_reason(reason: Any) -> str:
    return str(validate(_ReasonHolder, {"reason": reason}, prefix="")["reason"])
