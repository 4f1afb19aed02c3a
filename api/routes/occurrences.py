"""Occurrences: report, read, amend, link, retract, history, search."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query
from fastapi.responses import Response

from api.answers import (
    expected_version,
    occurrence_answer,
    occurrence_response,
    timeline_answer,
    write_request,
)
from api.deps import AppDep, ProgressDep, Reader, TimelineDep, Writer
from api.errors import Problem
from api.params import AsOf, IdempotencyKey, IfMatch, TimelineParams, instant_query, optional_instant
from api.schemas.occurrences import (
    HistoryPublic,
    OccurrenceCreate,
    OccurrencePatch,
    OccurrencePublic,
    RelationCreate,
    RetractionCreate,
    TimelinePublic,
)
from api.schemas.problems import problems
from domain.commands import AmendOccurrence, LinkOccurrence, ReportOccurrence, RetractOccurrence
from domain.errors import OccurrenceNotFound
from domain.values import entity_id

router = APIRouter(prefix="/v1/occurrences", tags=["occurrences"], responses=problems(401, 422))

_WRITE_RESPONSES = problems(400, 401, 403, 404, 409, 412, 413, 415, 422, 429, 503)


@router.post("", status_code=201, response_model=OccurrencePublic, responses=_WRITE_RESPONSES)
def report_occurrence(
    body: OccurrenceCreate,
    app: AppDep,
    views: ProgressDep,
    timeline: TimelineDep,
    principal: Writer,
    key: IdempotencyKey = None,
) -> Response:
    """Report a new occurrence."""
    command = ReportOccurrence.from_body(body, body.reported_at)
    written = app.report(command, write_request(principal, key))
    return occurrence_answer(views, timeline, written, 201, location=True)


@router.get("", response_model=TimelinePublic)
def search_occurrences(
    timeline: TimelineDep,
    query: TimelineParams,
    _: Reader,
    actor: str | None = None,
    place: str | None = None,
    story: str | None = None,
    q: Annotated[str | None, Query(max_length=500, description="full-text search")] = None,
) -> Response:
    """Search occurrences by kind, actor, place, story, text and valid time."""
    query = replace(
        query,
        actor=entity_id(actor) if actor else None,
        place=entity_id(place) if place else None,
        story=story or None,
        text=q or None,
    )
    return timeline_answer(timeline.timeline(query))


@router.get(
    "/{occurrence_id}",
    response_model=OccurrencePublic,
    responses=problems(404),
)
def get_occurrence(occurrence_id: UUID, timeline: TimelineDep, at: AsOf, _: Reader) -> Response:
    """An occurrence as of a report time and a record time (default: latest)."""
    entry = timeline.occurrence_entry(occurrence_id, at.as_of, at.recorded_as_of)
    if entry is None:
        when = " as of the given time" if at.as_of or at.recorded_as_of else ""
        raise Problem(404, f"occurrence {occurrence_id} was not reported{when}")
    return occurrence_response(entry)


@router.patch("/{occurrence_id}", response_model=OccurrencePublic, responses=_WRITE_RESPONSES)
def amend_occurrence(
    occurrence_id: UUID,
    body: OccurrencePatch,
    app: AppDep,
    views: ProgressDep,
    timeline: TimelineDep,
    principal: Writer,
    if_match: IfMatch = None,
    key: IdempotencyKey = None,
) -> Response:
    """Amend: a JSON Merge Patch of fields, with a reason."""
    version = expected_version(if_match)
    command = AmendOccurrence.from_body(occurrence_id, body)
    request = write_request(principal, key, as_sent=(f"amend {occurrence_id}", body))
    written = app.amend(command, request, version)
    return occurrence_answer(views, timeline, written, 200)


@router.post("/{occurrence_id}/retraction", response_model=OccurrencePublic, responses=_WRITE_RESPONSES)
def retract_occurrence(
    occurrence_id: UUID,
    body: RetractionCreate,
    app: AppDep,
    views: ProgressDep,
    timeline: TimelineDep,
    principal: Writer,
    if_match: IfMatch = None,
    key: IdempotencyKey = None,
) -> Response:
    """Retract the occurrence; it stays in the log, marked retracted."""
    version = expected_version(if_match)
    command = RetractOccurrence.from_body(occurrence_id, body)
    written = app.retract(command, write_request(principal, key), version)
    return occurrence_answer(views, timeline, written, 200)


@router.post("/{occurrence_id}/relations", response_model=OccurrencePublic, responses=_WRITE_RESPONSES)
def link_occurrence(
    occurrence_id: UUID,
    body: RelationCreate,
    app: AppDep,
    views: ProgressDep,
    timeline: TimelineDep,
    principal: Writer,
    if_match: IfMatch = None,
    key: IdempotencyKey = None,
) -> Response:
    """Add a relation to another occurrence (disputes, corroborates, ...)."""
    version = expected_version(if_match)
    command = LinkOccurrence.from_body(occurrence_id, body)
    written = app.link(command, write_request(principal, key), version)
    return occurrence_answer(views, timeline, written, 200)


@router.get("/{occurrence_id}/history", response_model=HistoryPublic, responses=problems(404))
def occurrence_history(
    occurrence_id: UUID,
    timeline: TimelineDep,
    _: Reader,
    recorded_as_of: Annotated[
        str | None, instant_query("leave out revisions recorded later (a date means its end)")
    ] = None,
) -> HistoryPublic:
    """Every revision in report-time order, each with the fields it changed."""
    revisions = timeline.history(occurrence_id, optional_instant(recorded_as_of, "recorded_as_of", "end"))
    if not revisions:
        raise OccurrenceNotFound(occurrence_id)
    return HistoryPublic.model_validate({"id": occurrence_id, "revisions": revisions})
