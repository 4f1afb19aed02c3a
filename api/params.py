"""Query parameters shared by the view endpoints: instants, cursors, filters."""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import replace
from datetime import UTC, date, datetime, time
from typing import Annotated, Literal
from uuid import UUID

from fastapi import Depends, Header, Query

from domain.errors import FieldError, ValidationFailed
from domain.kinds import KINDS
from domain.values import as_utc
from projections.timeline_queries import Cursor, TimelineQuery

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
Edge = Literal["start", "end"]


def parse_instant(text: str, field: str, date_means: Edge) -> datetime:
    """An ISO 8601 instant; a bare date means the start or the end of that day (UTC).

    Times without a zone are taken as UTC.
    """
    text = text.strip()
    try:
        if _DATE.match(text):
            day = date.fromisoformat(text)
            if date_means == "start":
                return datetime.combine(day, time.min, UTC)
            return datetime.combine(day, time.max, UTC)
        moment = datetime.fromisoformat(text.replace("z", "Z"))
    except ValueError:
        raise ValidationFailed.single(
            field, f"{text!r} is not an ISO 8601 date or date-time (e.g. 2014-05-19T10:00Z)"
        ) from None
    try:
        return as_utc(moment)
    except ValueError as error:
        raise ValidationFailed.single(field, str(error)) from None


def optional_instant(text: str | None, field: str, date_means: Edge) -> datetime | None:
    """An instant, or None when the parameter is absent or empty (`as_of=`)."""
    return parse_instant(text, field, date_means) if text else None


def encode_cursor(after: Cursor) -> str:
    start, reported, identifier = after
    raw = json.dumps([start.isoformat(), reported.isoformat(), str(identifier)])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(text: str) -> Cursor:
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        start, reported, identifier = json.loads(raw)
        return (datetime.fromisoformat(start), datetime.fromisoformat(reported), UUID(identifier))
    except (ValueError, TypeError, binascii.Error, json.JSONDecodeError):
        raise ValidationFailed.single("cursor", "is not a cursor this API returned") from None


def _kinds(values: list[str]) -> tuple[str, ...]:
    kinds = tuple(kind.strip() for value in values for kind in value.split(",") if kind.strip())
    unknown = [
        FieldError("kind", f"{kind!r} is not a kind; see GET /v1/kinds")
        for kind in kinds
        if kind not in KINDS
    ]
    if unknown:
        raise ValidationFailed(unknown)
    return kinds


async def as_of_params(
    as_of: Annotated[
        str | None, Query(description="report time: the view as reported by then (a date means its end)")
    ] = None,
    recorded_as_of: Annotated[
        str | None, Query(description="record time: the view as this system held it then")
    ] = None,
) -> TimelineQuery:
    return TimelineQuery(
        as_of=optional_instant(as_of, "as_of", "end"),
        recorded_as_of=optional_instant(recorded_as_of, "recorded_as_of", "end"),
    )


AsOf = Annotated[TimelineQuery, Depends(as_of_params)]


async def timeline_params(
    at: AsOf,
    from_: Annotated[
        str | None, Query(alias="from", description="occurred on or after (span overlap)")
    ] = None,
    to: Annotated[str | None, Query(description="occurred on or before (span overlap)")] = None,
    kind: Annotated[list[str], Query(description="kinds, repeated or comma-separated")] = [],  # noqa: B006
    include_retracted: bool = False,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    cursor: Annotated[str | None, Query(description="next_cursor of the previous page")] = None,
) -> TimelineQuery:
    start = optional_instant(from_, "from", "start")
    end = optional_instant(to, "to", "end")
    if start is not None and end is not None and end < start:
        raise ValidationFailed.single("to", "is before from")
    return replace(
        at,
        start=start,
        end=end,
        kinds=_kinds(kind),
        include_retracted=include_retracted,
        limit=limit,
        after=decode_cursor(cursor) if cursor else None,
    )


TimelineParams = Annotated[TimelineQuery, Depends(timeline_params)]


# Headers of the write endpoints.
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=200,
        description="makes a retry safe: the same key and body answer the first answer again",
    ),
]
IfMatch = Annotated[
    str | None,
    Header(alias="If-Match", description='the version the write expects, as an ETag: "3"'),
]
