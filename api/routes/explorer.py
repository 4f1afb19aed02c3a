"""The desk: a static page over the public API, served at `/`, with its timeline library."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse

from api.errors import Problem

router = APIRouter(include_in_schema=False)

FILES = Path(__file__).resolve().parent.parent / "explorer"
# Only these files are served: the page's scripts and styles, and vis-timeline's built files
# (api/explorer/vendor, copied from the npm package; see the README).
_ASSETS = {
    "api.js": "text/javascript",
    "axis.js": "text/javascript",
    "panel.js": "text/javascript",
    "drafts.js": "text/javascript",
    "desk.js": "text/javascript",
    "desk.css": "text/css",
    "vendor/vis-timeline-graph2d.min.js": "text/javascript",
    "vendor/vis-timeline-graph2d.min.css": "text/css",
}
# The page loads nothing but its own files and talks only to this API.
_HEADERS = {"Content-Security-Policy": "default-src 'self'", "Cache-Control": "no-cache"}


@router.get("/")
def explorer() -> FileResponse:
    return FileResponse(FILES / "index.html", media_type="text/html", headers=_HEADERS)


@router.get("/explorer/{name:path}")
def explorer_asset(name: str) -> FileResponse:
    if name not in _ASSETS:
        raise Problem(404, f"the desk has no file {name!r}")
    return FileResponse(FILES / name, media_type=_ASSETS[name], headers=_HEADERS)
