"""Security: every write needs a writing role, tokens stay secret, writes are rate limited,
every answer carries security headers, and CORS is off unless configured."""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
from fastapi.testclient import TestClient

from api.security import SECURITY_HEADERS
from newsline.bootstrap import Newsline
from newsline.settings import Settings
from newsline.web import create_app
from tests.api.test_occurrences import assert_problem, report
from tests.conftest import EDITOR, EDITOR_TOKEN, READER, READER_TOKEN
from tests.helpers import API_DOCUMENT
from tests.unit.test_service import fields

# The write operations, read from the OpenAPI document itself: a new write
# endpoint is covered by the tests below without anyone listing it here.
WRITES = [
    (method.upper(), path)
    for path, operations in API_DOCUMENT["paths"].items()
    for method in operations
    if method in ("post", "put", "patch", "delete")
]


def concrete(path: str) -> str:
    """A path template with its parameters filled in (an unknown id or slug)."""
    return path.replace("{occurrence_id}", str(uuid4())).replace("{slug}", "no-such-story")


def test_the_document_lists_every_known_write() -> None:
    assert {
        ("POST", "/v1/occurrences"),
        ("PATCH", "/v1/occurrences/{occurrence_id}"),
        ("POST", "/v1/occurrences/{occurrence_id}/retraction"),
        ("POST", "/v1/occurrences/{occurrence_id}/relations"),
        ("POST", "/v1/stories"),
    } <= set(WRITES)


@pytest.mark.parametrize(("method", "path"), WRITES, ids=[f"{m} {p}" for m, p in WRITES])
class TestEveryWriteNeedsAWritingRole:
    def test_documents_the_bearer_requirement(self, method: str, path: str) -> None:
        operation = API_DOCUMENT["paths"][path][method.lower()]
        assert operation["security"] == [{"bearer": []}]
        assert {"401", "403", "429"} <= set(operation["responses"])

    def test_no_token_is_401_and_writes_nothing(
        self, client: TestClient, newsline: Newsline, method: str, path: str
    ) -> None:
        head = newsline.head()
        answer = client.request(method, concrete(path), json={})
        assert_problem(answer, 401)
        assert answer.headers["www-authenticate"].startswith("Bearer")
        assert newsline.head() == head

    def test_reader_token_is_403_and_writes_nothing(
        self, client: TestClient, newsline: Newsline, method: str, path: str
    ) -> None:
        head = newsline.head()
        assert_problem(client.request(method, concrete(path), json={}, headers=READER), 403)
        assert newsline.head() == head

    def test_unknown_token_is_401(self, client: TestClient, method: str, path: str) -> None:
        wrong = {"Authorization": "Bearer not-a-token-at-all"}
        assert_problem(client.request(method, concrete(path), json={}, headers=wrong), 401)


def limited(newsline: Newsline, **settings: Any) -> TestClient:
    changed = replace(newsline, settings=newsline.settings.model_copy(update=settings))
    return TestClient(create_app(newsline=changed), raise_server_exceptions=False)


class TestRateLimit:
    def test_writes_beyond_the_limit_are_429_with_retry_after(self, newsline: Newsline) -> None:
        with limited(newsline, write_rate_limit="3/minute") as client:
            for _ in range(3):
                assert client.post("/v1/occurrences", json=fields(), headers=EDITOR).status_code == 201
            head = newsline.head()
            answer = client.post("/v1/occurrences", json=fields(), headers=EDITOR)
            assert_problem(answer, 429)
            assert 1 <= int(answer.headers["retry-after"]) <= 60
            assert newsline.head() == head

    def test_each_token_has_its_own_budget_and_reads_are_not_limited(self, newsline: Newsline) -> None:
        admin = {"Authorization": "Bearer admin-token-00001"}
        with limited(newsline, write_rate_limit="1/minute") as client:
            assert client.post("/v1/occurrences", json=fields(), headers=EDITOR).status_code == 201
            assert_problem(client.post("/v1/occurrences", json=fields(), headers=EDITOR), 429)
            assert client.post("/v1/occurrences", json=fields(), headers=admin).status_code == 201
            for _ in range(5):
                assert client.get("/v1/timeline", headers=EDITOR).status_code == 200

    def test_the_limit_can_be_turned_off(self, newsline: Newsline) -> None:
        with limited(newsline, write_rate_limit="off") as client:
            for _ in range(5):
                assert client.post("/v1/occurrences", json=fields(), headers=EDITOR).status_code == 201

    def test_defaults_are_on(self) -> None:
        assert Settings(database_url="postgresql://x").write_limits()

    @pytest.mark.parametrize("text", ["often", "10/fortnight", "-1/second"])
    def test_malformed_limits_are_refused(self, text: str) -> None:
        with pytest.raises(ValueError, match="write_rate_limit"):
            Settings(database_url="postgresql://x", write_rate_limit=text)


class TestSecurityHeaders:
    @pytest.mark.parametrize(
        ("method", "path", "headers"),
        [
            ("GET", "/v1/timeline", {}),
            ("GET", "/healthz", {}),
            ("GET", "/openapi.json", {}),
            ("GET", "/v1/occurrences/not-a-uuid", {}),
            ("GET", f"/v1/occurrences/{uuid4()}", {}),
            ("DELETE", "/v1/timeline", {}),
            ("POST", "/v1/occurrences", {}),
            ("POST", "/v1/occurrences", EDITOR),
        ],
    )
    def test_on_every_answer(
        self, client: TestClient, method: str, path: str, headers: dict[str, str]
    ) -> None:
        answer = client.request(method, path, json={}, headers=headers)
        for name, value in SECURITY_HEADERS.items():
            assert answer.headers[name] == value, name

    def test_even_on_an_unexpected_error(self, newsline: Newsline) -> None:
        class BrokenReader:
            def timeline(self, query: object) -> None:
                raise RuntimeError("a bug")

        class BrokenTimeline:
            """The real view, but for a reader with a bug."""

            reader = BrokenReader()

            def __getattr__(self, name: str) -> object:
                return getattr(newsline.timeline, name)

        broken = replace(newsline, timeline=BrokenTimeline())  # type: ignore[arg-type]
        with TestClient(create_app(newsline=broken), raise_server_exceptions=False) as client:
            answer = client.get("/v1/timeline")
        assert_problem(answer, 500)
        for name, value in SECURITY_HEADERS.items():
            assert answer.headers[name] == value, name

    def test_the_documentation_page_may_load_its_scripts(self, client: TestClient) -> None:
        answer = client.get("/docs")
        assert answer.status_code == 200
        assert "script-src 'self'" in answer.headers["content-security-policy"]
        assert answer.headers["x-frame-options"] == "DENY"


PREFLIGHT = {
    "Origin": "https://desk.example.org",
    "Access-Control-Request-Method": "POST",
    "Access-Control-Request-Headers": "authorization,content-type",
}


class TestCors:
    def test_off_by_default(self, client: TestClient) -> None:
        answer = client.get("/v1/timeline", headers={"Origin": "https://desk.example.org"})
        assert "access-control-allow-origin" not in answer.headers
        preflight = client.options("/v1/occurrences", headers=PREFLIGHT)
        assert "access-control-allow-origin" not in preflight.headers

    def test_configured_origins_only(self, newsline: Newsline) -> None:
        with limited(newsline, cors_origins="https://desk.example.org, https://other.example.org") as client:
            preflight = client.options("/v1/occurrences", headers=PREFLIGHT)
            assert preflight.status_code == 200
            assert preflight.headers["access-control-allow-origin"] == "https://desk.example.org"
            answer = client.get("/v1/timeline", headers={"Origin": "https://desk.example.org"})
            assert answer.headers["access-control-allow-origin"] == "https://desk.example.org"
            assert "etag" in answer.headers["access-control-expose-headers"].lower()
            stranger = client.get("/v1/timeline", headers={"Origin": "https://evil.example.com"})
            assert "access-control-allow-origin" not in stranger.headers


class TestTokens:
    def test_tokens_file_adds_principals(self, newsline: Newsline, tmp_path: Path) -> None:
        secret = tmp_path / "tokens"
        secret.write_text("# newsroom desk\nfile-editor-token:carol:editor\n\nfile-reader-token:dan:reader\n")
        settings = newsline.settings.model_copy(update={"tokens_file": secret})
        principals = settings.principals()
        assert principals["file-editor-token"].name == "carol"
        assert principals[EDITOR_TOKEN].name == "alice"  # NEWSLINE_TOKENS still counts
        with TestClient(create_app(newsline=replace(newsline, principals=principals))) as client:
            answer = client.post(
                "/v1/occurrences", json=fields(), headers={"Authorization": "Bearer file-editor-token"}
            )
            assert answer.status_code == 201
            history = client.get(f"/v1/occurrences/{answer.json()['id']}/history").json()
            assert history["revisions"][0]["by"] == "carol"
            forbidden = {"Authorization": "Bearer file-reader-token"}
            assert_problem(client.post("/v1/occurrences", json=fields(), headers=forbidden), 403)

    def test_tokens_file_from_the_environment(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        secret = tmp_path / "tokens"
        secret.write_text("env-file-token-1:erin:admin")
        monkeypatch.setenv("NEWSLINE_TOKENS_FILE", str(secret))
        assert Settings(database_url="postgresql://x").principals()["env-file-token-1"].role == "admin"

    def test_missing_or_malformed_tokens_file_is_refused_without_its_content(self, tmp_path: Path) -> None:
        with pytest.raises(ValueError, match="cannot read the tokens file"):
            Settings(database_url="postgresql://x", tokens_file=tmp_path / "absent")
        secret = tmp_path / "tokens"
        secret.write_text("good-token-0001:erin:editor\nsuper-secret-value:frank:superuser\n")
        with pytest.raises(ValueError, match="token entry 2") as error:
            Settings(database_url="postgresql://x", tokens_file=secret)
        assert "secret" not in str(error.value)

    def test_malformed_tokens_never_appear_in_errors_or_settings(self) -> None:
        with pytest.raises(ValueError) as error:
            Settings(database_url="postgresql://x", tokens="hush-hush-1234:alice:overlord")
        assert "hush" not in str(error.value)
        with pytest.raises(ValueError) as short:
            Settings(database_url="postgresql://x", tokens="hush:alice:editor")
        assert "hush" not in str(short.value)
        settings = Settings(database_url="postgresql://x", tokens="hush-hush-1234:alice:editor")
        assert "hush" not in repr(settings) and "hush" not in str(settings)

    def test_tokens_never_reach_the_logs(
        self, client: TestClient, newsline: Newsline, caplog: pytest.LogCaptureFixture
    ) -> None:
        caplog.set_level(logging.DEBUG)
        occurrence = report(client)
        for token in (EDITOR_TOKEN, READER_TOKEN, "some-wrong-token"):
            headers = {"Authorization": f"Bearer {token}"}
            client.post("/v1/occurrences", json=fields(), headers=headers)
            client.post("/v1/occurrences", json={"kind": "nonsense"}, headers=headers)
            client.patch(
                f"/v1/occurrences/{occurrence['id']}", json={"title": "t", "reason": "r"}, headers=headers
            )
            client.get("/v1/timeline", headers=headers)
        assert caplog.records, "nothing was logged, so the test proves nothing"
        for token in (EDITOR_TOKEN, READER_TOKEN, "some-wrong-token"):
            assert token not in caplog.text
