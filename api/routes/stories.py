"""Stories: the catalogue, each story's timeline and what changed in it."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from api.answers import timeline_answer, write_request
from api.deps import (
    AppDep,
    ProgressDep,
    Reader,
    StoriesDep,
    TimelineDep,
    Writer,
    check_parameters,
    get_stories,
    get_timeline,
    require_reader,
)
from api.errors import Problem
from api.exports import RESPONSES, ExportFormat, export_format, export_response
from api.fastpath import FastReadRoute, answered_first_by
from api.params import (
    IdempotencyKey,
    TimelineParams,
    instant_query,
    optional_instant,
    parse_instant,
    plain_timeline_query,
)
from api.positions import HEADER
from api.schemas.catalogue import StoryCreate, StoryList, StoryPublic
from api.schemas.occurrences import StoryChangesPublic, TimelinePublic
from api.schemas.problems import problems
from domain.commands import CreateStory
from domain.errors import StoryNotFound
from projections.stories import StoryReader
from projections.timeline import TimelineQuery, TimelineReader

router = APIRouter(
    prefix="/v1/stories", tags=["stories"], responses=problems(401, 404, 422), route_class=FastReadRoute
)


def _existing(stories: StoryReader, slug: str) -> dict[str, Any]:
    story = stories.story(slug)
    if story is None:
        raise StoryNotFound(slug)
    return story


@router.post(
    "", status_code=201, response_model=StoryPublic, responses=problems(400, 403, 409, 413, 415, 429, 503)
)
def create_story(
    body: StoryCreate,
    app: AppDep,
    views: ProgressDep,
    stories: StoriesDep,
    principal: Writer,
    key: IdempotencyKey = None,
) -> JSONResponse:
    """Open a story under a new slug."""
    written = app.create_story(CreateStory.from_body(body), write_request(principal, key))
    position = {HEADER: str(written.position)}
    if not views.wait_for_views(written.position):
        raise Problem(
            503, "the story was recorded but the views have not caught up", {"Retry-After": "1", **position}
        )
    story = stories.story(body.slug)
    assert story is not None
    headers = {"Location": f"/v1/stories/{body.slug}", **position}
    return JSONResponse(StoryPublic.model_validate(story).model_dump(mode="json"), 201, headers)


@router.get("", response_model=StoryList)
def list_stories(
    stories: StoriesDep,
    _: Reader,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    cursor: str | None = None,
) -> StoryList:
    """All stories, by slug."""
    items = stories.stories(limit + 1, cursor)
    next_cursor = items[limit - 1]["slug"] if len(items) > limit else None
    return StoryList.model_validate({"items": items[:limit], "next_cursor": next_cursor})


@router.get("/{slug}", response_model=StoryPublic)
def get_story(slug: str, stories: StoriesDep, _: Reader) -> StoryPublic:
    """One story."""
    story = stories.story(slug)
    if story is None:
        raise StoryNotFound(slug)
    return StoryPublic.model_validate(story)


# The query parameters the fast answer reads: every one the route declares (a test
# holds the two together, so that one added to the route is never ignored here).
PLAIN_TIMELINE_PARAMETERS = frozenset(
    {"as_of", "recorded_as_of", "from", "to", "kind", "include_retracted", "limit", "cursor", "format"}
)


async def _plain_story_timeline(request: Request) -> Response | None:
    """The timeline page as FastAPI's handler would answer it, for a request in plain form:
    the app's parameter checks, then the route's dependencies in their order."""
    await check_parameters(request)
    if not PLAIN_TIMELINE_PARAMETERS.issuperset(request.query_params.keys()):
        return None
    fmt = request.query_params.get("format")
    if fmt not in (None, "json"):  # an export, or a value FastAPI must validate
        return None
    if fmt is None and await export_format(None, request.headers.get("accept")) is not None:
        return None
    stories = await get_stories(request)
    query = await plain_timeline_query(request.query_params, stories)
    if query is None:
        return None
    await require_reader(request, request.headers.get("authorization"))
    timeline = await get_timeline(request)
    slug = request.path_params["slug"]
    return await run_in_threadpool(_timeline_page, stories, timeline, replace(query, story=slug))


def _timeline_page(stories: StoryReader, timeline: TimelineReader, query: TimelineQuery) -> Response:
    page = timeline.timeline(query)
    # One query per page: only an empty page may mean that no such story exists,
    # so only then is the catalogue asked (a view never reads another view's tables).
    if not page.entries:
        _existing(stories, str(query.story))
    return timeline_answer(page)


@router.get("/{slug}/timeline", response_model=TimelinePublic, responses=RESPONSES)
@answered_first_by(_plain_story_timeline)
def story_timeline(
    slug: str,
    stories: StoriesDep,
    timeline: TimelineDep,
    query: TimelineParams,
    _: Reader,
    export: ExportFormat,
) -> TimelinePublic | Response:
    """The story's occurrences in valid-time order."""
    query = replace(query, story=slug)
    if export:
        story = _existing(stories, slug)
        return export_response(timeline, stories, query, export, story["title"], slug)
    return _timeline_page(stories, timeline, query)


@router.get("/{slug}/changes", response_model=StoryChangesPublic)
def story_timeline_changes(
    slug: str,
    stories: StoriesDep,
    timeline: TimelineDep,
    _: Reader,
    since: Annotated[str, instant_query("report time T1 (a date means its start)", required=True)],
    until: Annotated[
        str | None, instant_query("report time T2, default latest (a date means its end)")
    ] = None,
    recorded_as_of: Annotated[str | None, instant_query("record time (a date means its end)")] = None,
) -> StoryChangesPublic:
    """What changed in the story's timeline between as_of=since and as_of=until."""
    _existing(stories, slug)
    start = parse_instant(since, "since", "before")
    end = optional_instant(until, "until", "end")
    if end is not None and end < start:
        raise Problem(422, "until is before since", errors=[{"field": "until", "message": "is before since"}])
    changes = timeline.story_changes(
        slug, start, end, optional_instant(recorded_as_of, "recorded_as_of", "end")
    )
    return StoryChangesPublic.model_validate(changes)
