"""The problem+json body of every error answer (RFC 9457), for the OpenAPI document."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from api.schemas.text_rules import state_text_rules


class FieldErrorPublic(BaseModel):
    field: str
    message: str


class ProblemPublic(BaseModel):
    type: Literal["about:blank"] = Field(
        description="always about:blank (RFC 9457): the status is the problem's type"
    )
    title: str = Field(description="the HTTP status phrase")
    status: int
    detail: str
    errors: list[FieldErrorPublic] | None = None


_MEANINGS = {
    400: "the body is not valid JSON, or a header is malformed (If-Match, Idempotency-Key)",
    401: "no valid token",
    403: "the token's role may not do this",
    404: "not found (as of the given time)",
    409: "conflicts with what is recorded, or an Idempotency-Key reused with another body",
    412: "If-Match names a stale version",
    413: "the request body is too large",
    415: "the body was not sent as JSON (Content-Type)",
    422: "invalid input; `errors` names each bad field",
    429: "too many writes by this principal; wait the seconds in Retry-After",
    503: "the database is unavailable, or the views have not caught up yet",
}


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` entries for these error statuses."""
    return {status: {"model": ProblemPublic, "description": _MEANINGS[status]} for status in statuses}


def as_problem_json(schema: dict[str, Any]) -> dict[str, Any]:
    """Say in the OpenAPI document that error bodies are application/problem+json,
    that writes take a bearer token, and that reads may."""
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.get("responses", {})
            for status, response in responses.items():
                content = response.get("content", {})
                if status[0] in "45" and "application/json" in content:
                    content["application/problem+json"] = content.pop("application/json")
            if "403" in responses:  # writes: a token with a writing role
                operation["security"] = [{"bearer": []}]
            elif "401" in responses:  # reads: a token only when the server requires one
                operation["security"] = [{}, {"bearer": []}]
    components = schema.setdefault("components", {})
    components.setdefault("securitySchemes", {})["bearer"] = {"type": "http", "scheme": "bearer"}
    for unused in ("HTTPValidationError", "ValidationError"):
        components.get("schemas", {}).pop(unused, None)
    state_text_rules(schema)
    return schema
