"""The kinds of occurrence: the built-in ones with their CAMEO / PLOVER codes, and those a newsroom adds."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.answers import write_request
from api.deps import Admin, AppDep, ProgressDep, Reader, StoriesDep
from api.errors import Problem
from api.params import IdempotencyKey
from api.schemas.catalogue import KindCreate, KindList, KindPublic
from api.schemas.problems import problems
from domain.commands import AddKind
from domain.kinds import KIND_CATALOGUE
from projections.stories import StoryReader

router = APIRouter(prefix="/v1/kinds", tags=["kinds"], responses=problems(401, 422))


def all_kinds(stories: StoryReader) -> list[dict[str, Any]]:
    """The built-in kinds in their order, then the added ones by name."""
    built_in = [asdict(info) | {"custom": False} for info in KIND_CATALOGUE]
    return built_in + [kind | {"custom": True} for kind in stories.added_kinds()]


@router.get("", response_model=KindList)
def list_kinds(stories: StoriesDep, _: Reader) -> KindList:
    """Every kind, built in (`custom: false`) or added (`custom: true`), with its CAMEO and PLOVER codes."""
    return KindList.model_validate({"items": all_kinds(stories)})


@router.post(
    "", status_code=201, response_model=KindPublic, responses=problems(400, 403, 409, 413, 415, 429, 503)
)
def add_kind(
    body: KindCreate,
    app: AppDep,
    views: ProgressDep,
    principal: Admin,
    key: IdempotencyKey = None,
) -> JSONResponse:
    """Add a kind of one's own (admin). A kind is never removed; adding one that exists is 409."""
    command = AddKind.from_body(body)
    written = app.add_kind(command, write_request(principal, key))
    if not views.wait_for_views(written.position):
        raise Problem(503, "the kind was recorded but the views have not caught up", {"Retry-After": "1"})
    answer = KindPublic(**command.body(), custom=True)
    return JSONResponse(answer.model_dump(mode="json"), 201)
