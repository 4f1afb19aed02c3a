"""The timeline explorer: a static page over the public API, served at `/`."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse

from api.errors import Problem

router = APIRouter(include_in_schema=False)

FILES = Path(__file__).resolve().parent.parent / "explorer"
_ASSETS = {"explorer.js": "text/javascript", "explorer.css": "text/css"}
# The page loads nothing but its own files and talks only to this API.
_HEADERS = {"Content-Security-Policy": "default-src 'self'", "Cache-Control": "no-cache"}


@router.get("/")
def explorer() -> FileResponse:
    return FileResponse(FILES / "index.html", media_type="text/html", headers=_HEADERS)


@router.get("/explorer/{name}")
def explorer_asset(name: str) -> FileResponse:
    if name not in _ASSETS:
        raise Problem(404, f"the explorer has no file {name!r}")
    return FileResponse(FILES / name, media_type=_ASSETS[name], headers=_HEADERS)
