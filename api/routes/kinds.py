"""The kinds of occurrence and their CAMEO / PLOVER codes."""

from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter

from api.deps import Reader
from api.schemas.catalogue import KindList
from api.schemas.problems import problems
from domain.kinds import KIND_CATALOGUE

router = APIRouter(prefix="/v1/kinds", tags=["kinds"], responses=problems(401, 422))


@router.get("", response_model=KindList)
def list_kinds(_: Reader) -> KindList:
    """The 23 kinds, each with its CAMEO and PLOVER code."""
    return KindList.model_validate({"items": [asdict(info) for info in KIND_CATALOGUE]})
