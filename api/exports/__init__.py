"""Timeline exports: the same timeline as TimelineJS3, CSV, iCalendar or NDJSON.

Chosen with `format=` on the timeline endpoints, or by an `Accept` header that
names exactly one export's media type. An export carries every matching
occurrence (it reads the view page by page), as of the requested report and
record time.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import Depends, Header, Query
from fastapi.responses import JSONResponse, Response

from api.exports import calendar, lines, table, timelinejs
from api.schemas.occurrences import OccurrencePublic
from domain.kinds import KINDS
from projections.stories import StoryReader
from projections.timeline import TimelineQuery, TimelineReader

Format = Literal["json", "timelinejs", "csv", "ics", "ndjson"]

MEDIA_TYPES = {
    "timelinejs": "application/vnd.timelinejs+json",
    "csv": "text/csv",
    "ics": "text/calendar",
    "ndjson": "application/x-ndjson",
}
_BY_MEDIA_TYPE = {media_type: name for name, media_type in MEDIA_TYPES.items()}
_PAGE = 1000
BUILT_IN_KINDS = frozenset(KINDS)

# For the OpenAPI document of the timeline endpoints.
RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "the timeline, or an export of it (`format=` or `Accept`)",
        "content": {media_type: {} for media_type in MEDIA_TYPES.values()},
    }
}


async def export_format(
    fmt: Annotated[
        Format | None,
        Query(
            alias="format",
            description="json (default, paged), or an export of every match: timelinejs, csv, ics, ndjson",
        ),
    ] = None,
    accept: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> Format | None:
    """The export asked for, by `format=` or else by an Accept header naming one export."""
    if fmt is not None:
        return None if fmt == "json" else fmt
    if accept:
        named = {part.split(";")[0].strip().lower() for part in accept.split(",")}
        chosen = [_BY_MEDIA_TYPE[media_type] for media_type in named if media_type in _BY_MEDIA_TYPE]
        if len(chosen) == 1:
            choice: Format = chosen[0]  # type: ignore[assignment]
            return choice
    return None


ExportFormat = Annotated[Format | None, Depends(export_format)]


def every_entry(timeline: TimelineReader, query: TimelineQuery) -> list[dict[str, Any]]:
    """Every matching entry in timeline order, in its public JSON form."""
    entries: list[dict[str, Any]] = []
    query = replace(query, limit=_PAGE, after=None)
    while True:
        page = timeline.timeline(query)
        entries += [OccurrencePublic.model_validate(item).model_dump(mode="json") for item in page.items]
        if page.next_after is None:
            return entries
        query = replace(query, after=page.next_after)


def export_response(
    timeline: TimelineReader,
    stories: StoryReader,
    query: TimelineQuery,
    export: Format,
    title: str,
    name: str,
) -> Response:
    """The export of a timeline as of the query's report and record times."""
    if export == "timelinejs":
        body = timelinejs.render(every_entry(timeline, query), title)
        return JSONResponse(body, media_type=MEDIA_TYPES["timelinejs"])
    if export == "ndjson":
        # Retracted occurrences too: their history is part of what is exported.
        entries = every_entry(timeline, replace(query, include_retracted=True))
        revisions = timeline.recorded_revisions(
            (UUID(entry["id"]) for entry in entries), query.as_of, query.recorded_as_of
        )
        catalogue = [story for slug in lines.story_slugs(revisions) if (story := stories.story(slug))]
        # The catalogue is asked only when an entry has a kind beyond the built-in ones.
        used = lines.kind_names(revisions) - BUILT_IN_KINDS
        kinds = [kind for kind in stories.added_kinds() if kind["kind"] in used] if used else []
        content: str | bytes = "".join(lines.render(revisions, catalogue, kinds))
    elif export == "csv":
        content = table.render(every_entry(timeline, query), stories.added_kinds())
    else:
        content = calendar.render(every_entry(timeline, query), title)
    extension = {"csv": "csv", "ics": "ics", "ndjson": "ndjson"}[export]
    disposition = {"Content-Disposition": f'attachment; filename="{name}.{extension}"'}
    return Response(content, media_type=MEDIA_TYPES[export], headers=disposition)
