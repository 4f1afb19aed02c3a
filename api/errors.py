"""Every error as application/problem+json (RFC 9457), mapped in one place."""

from __future__ import annotations

import logging
import re
from http import HTTPStatus
from typing import Any

import psycopg
from eventsourcing import persistence as es_persistence
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from psycopg_pool import PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from adapters.logs import REQUEST_ID
from api.positions import PositionUnavailable
from api.security import SECURITY_HEADERS
from domain.errors import (
    Conflict,
    EntityNotFound,
    FieldError,
    NewslineError,
    OccurrenceNotFound,
    StaleVersion,
    StoryNotFound,
    ValidationFailed,
)

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"

# Problems are typed `about:blank` (RFC 9457 4.2.1): the status says what went wrong, `detail`
# says why, so `title` is the status's phrase (RFC 9110 names).
_PHRASES = {413: "Content Too Large", 422: "Unprocessable Content"}


def _title(status: int) -> str:
    if status in _PHRASES:
        return _PHRASES[status]
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


class Problem(Exception):
    """Raised by routes and dependencies for an HTTP-only failure."""

    def __init__(self, status: int, detail: str, headers: dict[str, str] | None = None, **extra: Any) -> None:
        super().__init__(detail)
        self.status, self.detail, self.headers, self.extra = status, detail, headers or {}, extra


def problem_response(
    status: int, detail: str, headers: dict[str, str] | None = None, **extra: Any
) -> JSONResponse:
    body = {
        "type": "about:blank",
        "title": _title(status),
        "status": status,
        "detail": detail,
        **extra,
    }
    return JSONResponse(body, status_code=status, headers=headers, media_type=PROBLEM_JSON)


def _field_errors(errors: list[FieldError]) -> list[dict[str, str]]:
    return [{"field": error.field, "message": error.message} for error in errors]


def _status_of(error: NewslineError) -> int:
    if isinstance(error, ValidationFailed):
        return 422
    if isinstance(error, OccurrenceNotFound | StoryNotFound | EntityNotFound):
        return 404
    if isinstance(error, StaleVersion):
        return 412
    if isinstance(error, Conflict):
        return 409
    return 400


def _json_decode_error(error: RequestValidationError) -> str | None:
    """Where a body's JSON broke, by line and column (FastAPI gives a character offset)."""
    for item in error.errors():
        if item.get("type") == "json_invalid":
            offset = int(item["loc"][-1]) if item.get("loc") else 0
            text = error.body if isinstance(error.body, str) else ""
            line = text.count("\n", 0, offset) + 1
            column = offset - (text.rfind("\n", 0, offset) + 1) + 1
            reason = str(item.get("ctx", {}).get("error", "malformed"))
            reason = reason[:1].lower() + reason[1:]
            return f"the body is not valid JSON: {reason} at line {line}, column {column}"
    return None


def _not_sent_as_json(request: Request, error: RequestValidationError) -> str | None:
    """Why a body FastAPI left unparsed (its Content-Type does not say JSON) was refused."""
    if not isinstance(error.body, bytes | bytearray) or not error.body:
        return None
    content_type = request.headers.get("content-type")
    sent = f"'Content-Type: {content_type}'" if content_type else "no Content-Type header"
    wanted = "'Content-Type: application/json'"
    if request.method == "PATCH":
        wanted += " (or application/merge-patch+json)"
    return f"the body must be JSON sent with {wanted}; this request sent {sent}"


def _request_validation_errors(error: RequestValidationError) -> list[FieldError]:
    errors = []
    for item in error.errors():
        location = [str(part) for part in item.get("loc", ())]
        # FastAPI prefixes where the value came from: body, query, header, path.
        if location and location[0] in ("body", "query", "header", "path"):
            location = location[1:]
        errors.append(FieldError(".".join(location) or "body", str(item.get("msg", "invalid"))))
    return errors


def _allowed_methods(request: Request) -> list[str]:
    """Every method the API documents on this path (Starlette names only one route's)."""
    methods: set[str] = set()
    for template, operations in request.app.openapi().get("paths", {}).items():
        pattern = re.sub(r"\\{[^/]+\\}", "[^/]+", re.escape(template))
        if re.fullmatch(pattern, request.url.path):
            methods |= {method.upper() for method in operations}
    if "GET" in methods:
        methods.add("HEAD")
    return sorted(methods)


def _unparsable_body(error: StarletteHTTPException) -> str | None:
    """Say why FastAPI could not parse a body (it only says that it could not)."""
    cause = error.__cause__
    if isinstance(cause, UnicodeDecodeError):
        return "the body is not valid UTF-8 JSON"
    if isinstance(cause, RecursionError):
        return "the body's JSON is nested too deeply"
    if isinstance(cause, ValueError) and "digits" in str(cause):
        return "the body holds a number with too many digits"
    if cause is not None and error.status_code == 400:
        return "the body is not valid JSON"
    return None


async def _domain_error(request: Request, error: NewslineError) -> JSONResponse:
    status = _status_of(error)
    if isinstance(error, ValidationFailed):
        return problem_response(status, str(error), errors=_field_errors(error.errors))
    return problem_response(status, str(error))


async def _request_invalid(request: Request, error: RequestValidationError) -> JSONResponse:
    malformed = _json_decode_error(error)
    if malformed is not None:
        return problem_response(400, malformed)
    not_json = _not_sent_as_json(request, error)
    if not_json is not None:
        return problem_response(415, not_json)
    errors = _request_validation_errors(error)
    detail = "; ".join(f"{e.field}: {e.message}" for e in errors)
    return problem_response(422, detail, errors=_field_errors(errors))


async def _problem(request: Request, error: Problem) -> JSONResponse:
    return problem_response(error.status, error.detail, error.headers, **error.extra)


async def _http_error(request: Request, error: StarletteHTTPException) -> JSONResponse:
    headers = dict(error.headers or {})
    if error.status_code == 405:
        headers["Allow"] = ", ".join(_allowed_methods(request))
    return problem_response(error.status_code, _unparsable_body(error) or str(error.detail), headers)


async def _database_unavailable(request: Request, error: Exception) -> JSONResponse:
    log.warning("database unavailable on %s %s: %s", request.method, request.url.path, error)
    return problem_response(503, "the database is unavailable; try again shortly", {"Retry-After": "2"})


async def _position_unavailable(request: Request, error: PositionUnavailable) -> JSONResponse:
    if error.beyond_head:
        detail = (
            f"Newsline-Position {error.position} is beyond the log, whose newest position is {error.head}"
        )
        return problem_response(422, detail, errors=[{"field": "Newsline-Position", "message": detail}])
    detail = f"the views have not reached Newsline-Position {error.position} yet; try again shortly"
    return problem_response(503, detail, {"Retry-After": "1"})


async def _unstorable(request: Request, error: psycopg.DataError) -> JSONResponse:
    # Input that passed validation yet cannot be stored or compared (an
    # out-of-range value, say) is still the client's input, not our fault.
    log.warning("data error on %s %s: %s", request.method, request.url.path, error)
    return problem_response(422, "a value is out of the range Newsline can store or query")


async def _unexpected(request: Request, error: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    # This answer leaves from outside the middleware, so it carries the
    # security headers and names the request id itself (to find the log line).
    headers = {**SECURITY_HEADERS, "X-Request-ID": REQUEST_ID.get()}
    return problem_response(500, "an unexpected error occurred; it has been logged", headers)


# Exceptions and how each is answered; the most specific class wins.
_HANDLERS: tuple[tuple[type[Exception], Any], ...] = (
    (NewslineError, _domain_error),
    (RequestValidationError, _request_invalid),
    (Problem, _problem),
    (PositionUnavailable, _position_unavailable),
    (StarletteHTTPException, _http_error),
    (es_persistence.OperationalError, _database_unavailable),
    (es_persistence.InterfaceError, _database_unavailable),
    (psycopg.OperationalError, _database_unavailable),
    (PoolTimeout, _database_unavailable),
    (psycopg.DataError, _unstorable),
    (Exception, _unexpected),
)


def install(app: FastAPI) -> None:
    for error_class, handler in _HANDLERS:
        app.add_exception_handler(error_class, handler)
