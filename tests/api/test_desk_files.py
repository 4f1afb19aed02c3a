"""The desk's files: served from this server (no CDN), under a policy that loads nothing else."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from api.routes.explorer import FILES


def test_every_file_the_page_names_is_served_from_here_under_the_page_policy(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200
    named = re.findall(r'(?:src|href)="(/[^"]+)"', page.text)
    assert "/explorer/vendor/vis-timeline-graph2d.min.js" in named and len(named) >= 7
    assert "http" not in "".join(re.findall(r'(?:src|href)="([^"]+)"', page.text))
    for path in named:
        answer = client.get(path)
        assert answer.status_code == 200, path
        assert answer.headers["content-type"].startswith(("text/javascript", "text/css")), path
        assert answer.headers["content-security-policy"] == "default-src 'self'", path
        assert answer.headers["x-content-type-options"] == "nosniff"


def test_the_timeline_library_ships_with_its_licence() -> None:
    licence = (FILES / "vendor" / "LICENSE-vis-timeline.txt").read_text(encoding="utf-8")
    assert "Apache-2.0" in licence and "MIT" in licence


@pytest.mark.parametrize(
    "path",
    ["/explorer/nothing.js", "/explorer/vendor/LICENSE-vis-timeline.txt", "/explorer/../routes/explorer.py"],
)
def test_nothing_else_is_served(client: TestClient, path: str) -> None:
    answer = client.get(path)
    assert answer.status_code == 404
    assert answer.headers["content-type"] == "application/problem+json"
