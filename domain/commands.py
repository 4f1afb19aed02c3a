"""The writes Newsline takes: one value each, whichever way it comes in.

Each command is built by its `from_body`, the one place its rules are
checked, from the JSON that an HTTP body, an import line or the seed states.
A body the HTTP layer has read arrives as one of the domain's body models
(`domain.bodies`), whose fields are checked already; only the rules beyond a
single field are checked then.

`fingerprint()` recognises the same request sent again with the same
Idempotency-Key: the SHA-256 of the operation and the command's canonical
JSON body (as its HTTP endpoint takes it, every optional key stated). Keys
written by version 0.2 hold other digests; `domain.idempotency` accepts them.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from typing import Any
from uuid import UUID

import orjson
from pydantic import TypeAdapter

from domain.bodies import (
    AmendmentBody,
    RelationBody,
    RetractionBody,
    amendment_patch,
    occurrence_fields,
    storable_reason,
)
from domain.values import (
    KindFields,
    OccurrenceFields,
    RelationType,
    Source,
    StoryFields,
    validated_kind,
    validated_patch,
    validated_reason,
    validated_source,
    validated_story,
)

_INSTANT: TypeAdapter[datetime | None] = TypeAdapter(datetime | None)


def json_digest(document: Any) -> str:
    """The SHA-256 of a JSON document as `json.dumps` writes it with sorted keys.

    Version 0.2 fingerprinted requests so: over HTTP the operation and the body
    as sent; a seed write by its seed item; an import line without its
    idempotency_key, from which the import still derives a line's content key.
    """
    return hashlib.sha256(json.dumps(document, sort_keys=True, default=str).encode()).hexdigest()


class _Fingerprinted:
    """A command recognised by its operation and its canonical body."""

    def operation(self) -> str:
        raise NotImplementedError

    def body(self) -> dict[str, Any]:
        """The command as the JSON body its HTTP endpoint takes, every optional key stated."""
        raise NotImplementedError

    def fingerprint(self) -> str:
        """The SHA-256 of the operation and the canonical body, with sorted keys."""
        return self._fingerprint

    @cached_property
    def _fingerprint(self) -> str:
        document = {"operation": self.operation(), "body": self.body()}
        return hashlib.sha256(orjson.dumps(document, option=orjson.OPT_SORT_KEYS)).hexdigest()


def instant_json(moment: datetime | None) -> str | None:
    """An instant in the JSON form the HTTP bodies give it (`2014-05-19T08:00:00Z`)."""
    if moment is not None and moment.tzinfo is UTC:
        # pydantic's form of a UTC instant, without the cost of its serializer
        # (every keyed write fingerprints one).
        return moment.isoformat()[:-6] + "Z"
    return _INSTANT.dump_python(moment, mode="json")  # type: ignore[no-any-return]


def _source(source: Mapping[str, Any] | Source | None) -> dict[str, Any] | None:
    if isinstance(source, Source):
        return source.model_dump(mode="json")
    return validated_source(source)


@dataclass(frozen=True)
class Request:
    """Who asks, and the Idempotency-Key that recognises the request if it is sent again.

    `document_0_2` is the document version 0.2 fingerprinted for the request
    where that is not the command's body (see `json_digest`).
    """

    by: str
    idempotency_key: str | None = None
    document_0_2: Any = None


@dataclass(frozen=True)
class ReportOccurrence(_Fingerprinted):
    """Report a new occurrence; `occurrence_id` keeps a known id (an import from another Newsline)."""

    fields: dict[str, Any]
    reported_at: datetime | None = None
    occurrence_id: UUID | None = None

    @classmethod
    def from_body(
        cls,
        body: Mapping[str, Any] | OccurrenceFields,
        reported_at: datetime | None = None,
        occurrence_id: UUID | None = None,
    ) -> ReportOccurrence:
        return cls(occurrence_fields(body), reported_at, occurrence_id)

    def body(self) -> dict[str, Any]:
        body = {**self.fields, "reported_at": instant_json(self.reported_at)}
        if self.occurrence_id is not None:
            body["id"] = str(self.occurrence_id)
        return body

    def operation(self) -> str:
        return "report"


@dataclass(frozen=True)
class AmendOccurrence(_Fingerprinted):
    """Amend an occurrence: a merge patch of its fields, with the reason and its source."""

    occurrence_id: UUID
    patch: dict[str, Any]
    reason: str
    source: dict[str, Any] | None = None
    reported_at: datetime | None = None

    @classmethod
    def from_body(
        cls, occurrence_id: UUID, body: Mapping[str, Any] | AmendmentBody, reported_at: datetime | None = None
    ) -> AmendOccurrence:
        """From a PATCH body: the fields to change, `reason` and `source` (and `reported_at` in a model)."""
        if isinstance(body, AmendmentBody):
            return cls(
                occurrence_id, amendment_patch(body), body.reason, _source(body.source), body.reported_at
            )
        patch = dict(body)
        reason, source = patch.pop("reason", None), patch.pop("source", None)
        checked = validated_patch(patch)
        return cls(occurrence_id, checked, validated_reason(reason), _source(source), reported_at)

    def body(self) -> dict[str, Any]:
        return {
            **self.patch,
            "reason": self.reason,
            "reported_at": instant_json(self.reported_at),
            "source": self.source,
        }

    def operation(self) -> str:
        return f"amend {self.occurrence_id}"


@dataclass(frozen=True)
class LinkOccurrence(_Fingerprinted):
    """Relate an occurrence to another one (it disputes, corroborates, ... the target)."""

    occurrence_id: UUID
    type: RelationType
    target: UUID
    source: dict[str, Any] | None = None
    reported_at: datetime | None = None

    @classmethod
    def from_body(
        cls, occurrence_id: UUID, body: Mapping[str, Any] | RelationBody, reported_at: datetime | None = None
    ) -> LinkOccurrence:
        """From the body of POST .../relations: `type`, `target`, `source` (and `reported_at` in a model)."""
        if isinstance(body, RelationBody):
            return cls(occurrence_id, body.type, body.target, _source(body.source), body.reported_at)
        relation_type, target = body["type"], UUID(str(body["target"]))
        return cls(occurrence_id, relation_type, target, _source(body.get("source")), reported_at)

    @property
    def relation(self) -> dict[str, Any]:
        return {"type": self.type, "target": str(self.target)}

    def body(self) -> dict[str, Any]:
        return {**self.relation, "reported_at": instant_json(self.reported_at), "source": self.source}

    def operation(self) -> str:
        return f"link {self.occurrence_id}"


@dataclass(frozen=True)
class RetractOccurrence(_Fingerprinted):
    """Withdraw an occurrence's report; it stays in the log, marked retracted."""

    occurrence_id: UUID
    reason: str
    source: dict[str, Any] | None = None
    reported_at: datetime | None = None

    @classmethod
    def from_body(
        cls,
        occurrence_id: UUID,
        body: Mapping[str, Any] | RetractionBody,
        reported_at: datetime | None = None,
    ) -> RetractOccurrence:
        """From the body of POST .../retraction: `reason`, `source` (and `reported_at` in a model)."""
        if isinstance(body, RetractionBody):
            reason = storable_reason(body.reason)
            return cls(occurrence_id, reason, _source(body.source), body.reported_at)
        reason = validated_reason(body.get("reason"))
        return cls(occurrence_id, reason, _source(body.get("source")), reported_at)

    def body(self) -> dict[str, Any]:
        return {"reason": self.reason, "reported_at": instant_json(self.reported_at), "source": self.source}

    def operation(self) -> str:
        return f"retract {self.occurrence_id}"


@dataclass(frozen=True)
class CreateStory(_Fingerprinted):
    """Open a story under a slug that is taken once."""

    slug: str
    title: str
    description: str | None = None

    @classmethod
    def from_body(cls, body: Mapping[str, Any] | StoryFields) -> CreateStory:
        if isinstance(body, StoryFields):
            fields = body.model_dump(mode="json", include=set(StoryFields.model_fields))
        else:
            fields = validated_story(dict(body))
        return cls(fields["slug"], fields["title"], fields["description"])

    def body(self) -> dict[str, Any]:
        return {"slug": self.slug, "title": self.title, "description": self.description}

    def operation(self) -> str:
        return "story"


@dataclass(frozen=True)
class AddKind(_Fingerprinted):
    """Add a kind of occurrence beyond the built-in ones; a kind is added once."""

    kind: str
    description: str
    cameo: str | None = None
    plover: str | None = None

    @classmethod
    def from_body(cls, body: Mapping[str, Any] | KindFields) -> AddKind:
        if isinstance(body, KindFields):
            fields = body.model_dump(mode="json", include=set(KindFields.model_fields))
        else:
            fields = validated_kind(dict(body))
        return cls(fields["kind"], fields["description"], fields["cameo"], fields["plover"])

    def body(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "description": self.description,
            "cameo": self.cameo,
            "plover": self.plover,
        }

    def operation(self) -> str:
        return "kind"


Command = ReportOccurrence | AmendOccurrence | LinkOccurrence | RetractOccurrence | CreateStory | AddKind
Revision = AmendOccurrence | LinkOccurrence | RetractOccurrence
OccurrenceCommand = ReportOccurrence | Revision
