"""The interactive documentation (/docs, /redoc) loads nothing from outside the server."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

pytestmark = pytest.mark.postgres

# What a page loads: <script src>, <link href> (styles, favicon) and the spec it reads.
REFERENCES = re.compile(r"""(?:src|href|url|spec-url)\s*[=:]\s*['"]([^'"]+)['"]""")
MEDIA_TYPES = {".js": "javascript", ".css": "text/css", ".png": "image/png"}


def references(html: str) -> list[str]:
    return REFERENCES.findall(html)


@pytest.mark.parametrize(("page", "script"), [("/docs", "SwaggerUIBundle"), ("/redoc", "Redoc")])
def test_the_pages_and_their_assets_are_served_by_newsline(
    client: TestClient, page: str, script: str
) -> None:
    answer = client.get(page)
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/html")
    # No URL with a scheme or a host: everything comes from this server.
    assert not re.search(r"https?:|//[a-z]", answer.text, re.IGNORECASE), answer.text
    loaded = references(answer.text)
    assert "/openapi.json" in loaded
    assets = [url for url in loaded if url != "/openapi.json"]
    assert {url.rsplit(".", 1)[-1] for url in assets} >= (
        {"js", "css", "png"} if page == "/docs" else {"js", "png"}
    )
    for url in assets:
        asset = client.get(url)
        assert asset.status_code == 200, url
        suffix = "." + url.rsplit(".", 1)[-1]
        assert MEDIA_TYPES[suffix] in asset.headers["content-type"], url
        assert len(asset.content) > 1000, url
    scripts = [client.get(url).text for url in assets if url.endswith(".js")]
    assert any(script in text for text in scripts)


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_the_page_policy_allows_this_server_only(client: TestClient, page: str) -> None:
    policy = client.get(page).headers["content-security-policy"]
    assert "script-src 'self'" in policy and "style-src 'self'" in policy
    assert "http" not in policy


def test_an_unknown_asset_is_404(client: TestClient) -> None:
    assert client.get("/docs/assets/no-such-file.js").status_code == 404
