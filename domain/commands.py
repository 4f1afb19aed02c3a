"""The writes Newsline takes: one value each, whichever way it comes in.

Each command is built by its `from_body`, the one place its rules are
checked, from the JSON that an HTTP body, an import line or the seed states.
A body the HTTP layer has read arrives as one of the domain's body models
(`domain.bodies`), whose fields are checked already; only the rules beyond a
single field are checked then.

`fingerprint()` recognises the same request sent again with the same
Idempotency-Key: the SHA-256 of the operation and the command's canonical
JSON body, as its HTTP endpoint takes it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

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
    OccurrenceFields,
    RelationType,
    Source,
    StoryFields,
    validated_patch,
    validated_reason,
    validated_source,
    validated_story,
)

_INSTANT: TypeAdapter[datetime | None] = TypeAdapter(datetime | None)


def json_digest(document: Any) -> str:
    """The SHA-256 of a JSON document with sorted keys.

    A command's fingerprint is the digest of its operation and canonical body.
    Version 0.2 took the digest of other documents for some requests: the body
    as sent for a PATCH, the item for a seed write, the line (without its
    idempotency_key) for an import, which also derives a line's content key
    from it. A request states that document (`Request.document_0_2`), so that
    keys written by 0.2 still recognise it.
    """
    return hashlib.sha256(json.dumps(document, sort_keys=True, default=str).encode()).hexdigest()


def _fingerprint(operation: str, body: dict[str, Any]) -> str:
    return json_digest({"operation": operation, "body": body})


def instant_json(moment: datetime | None) -> str | None:
    """An instant in the JSON form the HTTP bodies give it (`2014-05-19T08:00:00Z`)."""
    return _INSTANT.dump_python(moment, mode="json")  # type: ignore[no-any-return]


def _source(source: Mapping[str, Any] | Source | None) -> dict[str, Any] | None:
    if isinstance(source, Source):
        return source.model_dump(mode="json")
    return validated_source(source)


@dataclass(frozen=True)
class Request:
    """Who asks, and the Idempotency-Key that recognises the request if it is sent again.

    `document_0_2` is what version 0.2 fingerprinted for the request, where that
    differs from the command's body (see `json_digest`).
    """

    by: str
    idempotency_key: str | None = None
    document_0_2: Any = None


@dataclass(frozen=True)
class ReportOccurrence:
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

    def fingerprint(self) -> str:
        return _fingerprint("report", self.body())


@dataclass(frozen=True)
class AmendOccurrence:
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

    def fingerprint(self) -> str:
        return _fingerprint(f"amend {self.occurrence_id}", self.body())


@dataclass(frozen=True)
class LinkOccurrence:
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

    def fingerprint(self) -> str:
        return _fingerprint(f"link {self.occurrence_id}", self.body())


@dataclass(frozen=True)
class RetractOccurrence:
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

    def fingerprint(self) -> str:
        return _fingerprint(f"retract {self.occurrence_id}", self.body())


@dataclass(frozen=True)
class CreateStory:
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

    def fingerprint(self) -> str:
        return _fingerprint("story", self.body())


Command = ReportOccurrence | AmendOccurrence | LinkOccurrence | RetractOccurrence | CreateStory
Revision = AmendOccurrence | LinkOccurrence | RetractOccurrence
OccurrenceCommand = ReportOccurrence | Revision
