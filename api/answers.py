"""Shaping write answers: wait for the views, then answer from them."""

from __future__ import annotations

import orjson
from fastapi.responses import Response
from pydantic import BaseModel

from api.auth import Principal
from api.errors import Problem
from api.params import IF_MATCH, encode_cursor
from api.ports import ViewProgress
from api.positions import HEADER
from domain.commands import Request
from domain.service import Written
from projections.timeline import TimelinePage, TimelineReader


def write_request(
    principal: Principal, idempotency_key: str | None, as_sent: tuple[str, BaseModel] | None = None
) -> Request:
    """The service's view of who asks, with which Idempotency-Key.

    Version 0.2 fingerprinted a PATCH by its body as sent (only the keys it
    set), which the command's canonical body may not be: `as_sent` names the
    operation and body, so that a key it used still recognises the request.
    """
    document = None
    if as_sent is not None and idempotency_key is not None:
        operation, body = as_sent
        document = {"operation": operation, "body": body.model_dump(mode="json", exclude_unset=True)}
    return Request(by=principal.name, idempotency_key=idempotency_key, document_0_2=document)


def expected_version(if_match: str | None) -> int | None:
    """The version named by If-Match (`"3"`); None for absent, empty or `*`."""
    text = (if_match or "").strip()
    if not IF_MATCH.fullmatch(text):
        raise Problem(400, 'If-Match must name a version as an ETag, e.g. If-Match: "3"')
    if text in ("", "*"):
        return None
    return int(text.removeprefix("W/").strip('"'))


def occurrence_answer(
    views: ViewProgress,
    timeline: TimelineReader,
    written: Written,
    status: int,
    *,
    location: bool = False,
) -> Response:
    """The occurrence view after a write, once the views have caught up with it."""
    position = {HEADER: str(written.position)}
    if not views.wait_for_views(written.position):
        raise Problem(
            503,
            f"the write was recorded (version {written.version}) but the views have not caught up; "
            "read it again shortly",
            {"Retry-After": "1", **position},
        )
    recorded_as_of = None
    if written.replayed:  # the first answer again: the state that write made
        recorded_as_of = timeline.recorded_at(written.id, written.version)
    entry = timeline.occurrence_entry(written.id, recorded_as_of=recorded_as_of)
    if entry is None:
        raise Problem(503, "the occurrence is not in the views yet; read it again shortly", position)
    return occurrence_response(entry, status, location=location, position=written.position)


def occurrence_response(
    entry: str, status: int = 200, *, location: bool = False, position: int | None = None
) -> Response:
    """An occurrence as the view gave it (JSON text in the shape of `OccurrencePublic`);
    a write's answer names the write's own log `position`."""
    view = orjson.loads(entry)
    headers = {"ETag": f'"{view["version"]}"'}
    if position is not None:
        headers[HEADER] = str(position)
    if location:
        headers["Location"] = f"/v1/occurrences/{view['id']}"
    return Response(entry.encode(), status_code=status, headers=headers, media_type="application/json")


def timeline_answer(page: TimelinePage) -> Response:
    """A page of a timeline, with its entries as the view gave them (JSON text).

    The view's rows are already in the shape of `TimelinePublic` (the schema
    tests check every answer against it), so they are passed on as they are:
    decoding and validating a hundred entries again would cost more than the query.
    """
    cursor = encode_cursor(page.next_after) if page.next_after else None
    body = b'{"items":' + page.items_json() + b',"next_cursor":' + orjson.dumps(cursor) + b"}"
    return Response(body, media_type="application/json")
