"""Query parameters shared by the view endpoints: instants, cursors, filters."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import Depends, Header, Query
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import QueryParams

from api.deps import StoriesDep
from domain.errors import FieldError, ValidationFailed
from domain.kinds import KIND_PATTERN, KINDS
from domain.values import as_utc
from projections.stories import StoryReader
from projections.timeline import Cursor, TimelineQuery

# The instants the time parameters take, as a pattern the OpenAPI document states and
# parse_instant checks: a calendar date (years 1 to 9999), optionally with a time to the
# minute, second or fraction of one, optionally with a zone (none means UTC).
_YEAR = r"(?:000[1-9]|00[1-9][0-9]|0[1-9][0-9]{2}|[1-9][0-9]{3})"
_MONTH_DAY = (
    r"(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])"
    r"|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)"
    r"|02-(?:0[1-9]|1[0-9]|2[0-8]))"
)
_LEAP_YEAR = r"(?:[0-9]{2}(?:0[48]|[2468][048]|[13579][26])|(?:0[48]|[2468][048]|[13579][26])00)"
DATE_FORM = rf"(?:{_YEAR}-{_MONTH_DAY}|{_LEAP_YEAR}-02-29)"
_TIME_FORM = r"T(?:[01][0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9](?:\.[0-9]{1,9})?)?"
_ZONE_FORM = r"(?:[Zz]|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])?"
INSTANT_PATTERN = rf"^{DATE_FORM}(?:{_TIME_FORM}{_ZONE_FORM})?$"
_INSTANT = re.compile(INSTANT_PATTERN)
_DATE = re.compile(rf"^{DATE_FORM}$")
# An optional time parameter may also be sent empty (`as_of=`): it then means "absent".
OPTIONAL_INSTANT_PATTERN = rf"^(?:{INSTANT_PATTERN[1:-1]})?$"

# A bare date means the start of its day, its end, or (for `since`, an as-of time from which
# changes count) the last instant before it starts, so that the day's own reports count.
Edge = Literal["start", "end", "before"]


def parse_instant(text: str, field: str, date_means: Edge) -> datetime:
    """An ISO 8601 instant of the form INSTANT_PATTERN; a bare date means a moment of that day (UTC).

    Times without a zone are taken as UTC.
    """
    try:
        if not _INSTANT.fullmatch(text):
            raise ValueError(text)
        if _DATE.fullmatch(text):
            day = date.fromisoformat(text)
            if date_means == "end":
                return datetime.combine(day, time.max, UTC)
            start = datetime.combine(day, time.min, UTC)
            return start if date_means == "start" or day == date.min else start - timedelta(microseconds=1)
        moment = datetime.fromisoformat(text.replace("z", "Z"))
    except ValueError:
        raise ValidationFailed.single(
            field,
            f"{text[:100]!r} is not an ISO 8601 date or date-time (e.g. 2014-05-19 or 2014-05-19T10:00Z)",
        ) from None
    try:
        return as_utc(moment)
    except ValueError as error:
        raise ValidationFailed.single(field, str(error)) from None


def optional_instant(text: str | None, field: str, date_means: Edge) -> datetime | None:
    """An instant, or None when the parameter is absent or empty (`as_of=`)."""
    return parse_instant(text, field, date_means) if text else None


def instant_query(description: str, *, required: bool = False, alias: str | None = None) -> Any:
    """A time query parameter, its accepted forms stated in the OpenAPI document."""
    pattern = INSTANT_PATTERN if required else OPTIONAL_INSTANT_PATTERN
    return Query(
        alias=alias,
        description=f"{description}; an ISO 8601 date or date-time, e.g. 2014-05-19 or 2014-05-19T10:00Z",
        json_schema_extra={"pattern": pattern},
    )


# A cursor names the last entry of a page by its place in timeline order: its start and
# first report time (microseconds since 0001-01-01 UTC) and its id. Any text of this form is a
# place in that order, so the OpenAPI document can state the form and every such cursor works.
CURSOR_PATTERN = r"^(?:[0-9]{1,18}\.[0-9]{1,18}\.[0-9a-f]{32})?$"
_CURSOR = re.compile(CURSOR_PATTERN)
_EPOCH = datetime.min.replace(tzinfo=UTC)
_LAST_MICROSECOND = (datetime.max.replace(tzinfo=UTC) - _EPOCH) // timedelta(microseconds=1)


def _microseconds(moment: datetime) -> str:
    return str((moment - _EPOCH) // timedelta(microseconds=1))


def _moment(text: str) -> datetime:
    return _EPOCH + timedelta(microseconds=min(int(text), _LAST_MICROSECOND))


def encode_cursor(after: Cursor) -> str:
    start, reported, identifier = after
    return f"{_microseconds(start)}.{_microseconds(reported)}.{identifier.hex}"


def decode_cursor(text: str) -> Cursor:
    if not _CURSOR.fullmatch(text):
        raise ValidationFailed.single("cursor", "is not a cursor this API returned (next_cursor)")
    start, reported, identifier = text.split(".")
    return (_moment(start), _moment(reported), UUID(identifier))


# `kind` is repeated or comma-separated: each value is one kind or several joined by commas.
# The pattern states the form; which kinds exist (built in or added) the server checks.
_KIND_NAME = "(?:" + KIND_PATTERN[1:-1] + ")"
KIND_LIST_PATTERN = rf"^(?:{_KIND_NAME}(?:,{_KIND_NAME})*)?$"
_KIND_LIST = re.compile(KIND_LIST_PATTERN)
_BUILT_IN_KINDS = frozenset(KINDS)


async def _kinds(values: list[str], stories: StoryReader) -> tuple[str, ...]:
    errors = [
        FieldError("kind", f"{value[:100]!r} must be kinds joined by commas, with no spaces")
        for value in values
        if not _KIND_LIST.fullmatch(value)
    ]
    kinds = tuple(kind for value in values for kind in value.split(",") if kind)
    others = {kind for kind in kinds if kind not in _BUILT_IN_KINDS}
    if others and not errors:  # only a filter naming an added kind asks the catalogue
        added = {row["kind"] for row in await run_in_threadpool(stories.added_kinds)}
        errors += [
            FieldError("kind", f"{kind[:100]!r} is not a kind; see GET /v1/kinds")
            for kind in sorted(others - added)
        ]
    if errors:
        raise ValidationFailed(errors)
    return kinds


async def as_of_params(
    as_of: Annotated[
        str | None, instant_query("report time: the view as reported by then (a date means its end)")
    ] = None,
    recorded_as_of: Annotated[
        str | None, instant_query("record time: the view as this system held it then (a date means its end)")
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
        str | None,
        instant_query("occurred on or after, by span overlap (a date means its start)", alias="from"),
    ] = None,
    to: Annotated[
        str | None, instant_query("occurred on or before, by span overlap (a date means its end)")
    ] = None,
    kind: Annotated[
        list[str],
        Query(
            description="kinds (GET /v1/kinds), repeated or joined by commas: kind=attack,protest",
            json_schema_extra={"items": {"type": "string", "pattern": KIND_LIST_PATTERN}},
        ),
    ] = [],  # noqa: B006
    include_retracted: bool = False,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    cursor: Annotated[
        str | None,
        Query(description="next_cursor of the previous page", json_schema_extra={"pattern": CURSOR_PATTERN}),
    ] = None,
    *,
    stories: StoriesDep,
) -> TimelineQuery:
    start = optional_instant(from_, "from", "start")
    end = optional_instant(to, "to", "end")
    if start is not None and end is not None and end < start:
        raise ValidationFailed.single("to", "is before from")
    return replace(
        at,
        start=start,
        end=end,
        kinds=await _kinds(kind, stories),
        include_retracted=include_retracted,
        limit=limit,
        after=decode_cursor(cursor) if cursor else None,
    )


TimelineParams = Annotated[TimelineQuery, Depends(timeline_params)]

# The forms of `limit` and `include_retracted` that FastAPI's validation surely accepts;
# any other form is left to it, so that its answer (a value or a 422) stays its own.
_PLAIN_LIMIT = re.compile(r"^(?:[1-9][0-9]{0,2}|1000)$")
_PLAIN_FLAGS = {"true": True, "false": False}


async def plain_timeline_query(query: QueryParams, stories: StoryReader) -> TimelineQuery | None:
    """What TimelineParams gives for these query parameters, or None where FastAPI must
    validate a value first. Run after the app's parameter checks (no unknown or repeated ones)."""
    limit, flag = query.get("limit", "100"), query.get("include_retracted", "false")
    if not _PLAIN_LIMIT.fullmatch(limit) or flag not in _PLAIN_FLAGS:
        return None
    at = await as_of_params(query.get("as_of"), query.get("recorded_as_of"))
    return await timeline_params(
        at,
        query.get("from"),
        query.get("to"),
        query.getlist("kind"),
        _PLAIN_FLAGS[flag],
        int(limit),
        query.get("cursor"),
        stories=stories,
    )


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
# What If-Match may name: any version (`*`), or one version as an ETag (`"3"`, weak `W/"3"`) or bare.
IF_MATCH_PATTERN = r'^(?:\*|(?:W/)?"[0-9]+"|[0-9]+)?$'
IF_MATCH = re.compile(IF_MATCH_PATTERN)
IfMatch = Annotated[
    str | None,
    Header(
        alias="If-Match",
        description='the version the write expects, as an ETag: "3"',
        json_schema_extra={"pattern": IF_MATCH_PATTERN},
    ),
]
