"""Operations: Prometheus metrics, readiness under projection lag, request ids and logs."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from adapters.logs import json_formatter
from domain.commands import ReportOccurrence
from domain.service import Request
from newsline.bootstrap import Newsline, build
from newsline.web import create_app
from tests.conftest import EDITOR, EDITOR_TOKEN, drop_schema, new_schema, settings_for
from tests.unit.test_service import fields

pytestmark = pytest.mark.postgres


def samples(client: TestClient) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    answer = client.get("/metrics")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain; version=")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(answer.text)
        for sample in family.samples
    }


def value(found: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str, **labels: str) -> float:
    return found[(name, frozenset(labels.items()))]


@pytest.fixture
def lagging(database_url: str) -> Iterator[tuple[Newsline, TestClient]]:
    """A Newsline whose projections are not running, and which tolerates no lag."""
    schema = new_schema()
    newsline = build(settings_for(database_url, schema, ready_max_lag=0), run_projections=False)
    try:
        with TestClient(create_app(newsline=newsline)) as client:
            yield newsline, client
    finally:
        newsline.close()
        drop_schema(database_url, schema)


class TestMetrics:
    def test_requests_are_counted_and_timed_by_route_template(self, client: TestClient) -> None:
        written = client.post("/v1/occurrences", json=fields(), headers=EDITOR).json()
        for _ in range(2):
            assert client.get(f"/v1/occurrences/{written['id']}").status_code == 200
        found = samples(client)
        route = "/v1/occurrences/{occurrence_id}"
        assert value(found, "newsline_http_requests_total", method="GET", route=route, status="200") == 2
        assert value(found, "newsline_http_request_duration_seconds_count", method="GET", route=route) == 2
        assert value(
            found, "newsline_http_requests_total", method="POST", route="/v1/occurrences", status="201"
        )
        assert not [key for key in found if written["id"] in str(key)], "raw paths must not become labels"

    def test_store_size_events_and_positions(self, client: TestClient, newsline: Newsline) -> None:
        client.post("/v1/occurrences", json=fields(), headers=EDITOR)
        found = samples(client)
        head = newsline.head()
        assert value(found, "newsline_events_total") == head
        assert value(found, "newsline_event_store_bytes") > 0
        for projection in ("timeline", "stories"):
            assert value(found, "newsline_projection_position", projection=projection) == head
            assert value(found, "newsline_projection_lag_events", projection=projection) == 0
            assert value(found, "newsline_projection_lag_seconds", projection=projection) == 0

    def test_lag_in_events_and_seconds_and_readiness_follow_the_projections(
        self, lagging: tuple[Newsline, TestClient]
    ) -> None:
        newsline, client = lagging
        request = Request(by="test", idempotency_key=None)
        for _ in range(3):
            newsline.app.report(ReportOccurrence.from_body(fields()), request)
        found = samples(client)
        assert value(found, "newsline_projection_lag_events", projection="timeline") == 3
        assert value(found, "newsline_projection_lag_seconds", projection="timeline") > 0
        not_ready = client.get("/readyz")
        assert not_ready.status_code == 503
        assert not_ready.headers["content-type"] == "application/problem+json"

        newsline.start_projections()
        assert newsline.wait_for_views(newsline.head(), timeout=60)
        assert client.get("/readyz").status_code == 200
        assert value(samples(client), "newsline_projection_lag_events", projection="timeline") == 0

    def test_readiness_and_metrics_report_each_shard_its_position_and_whether_it_is_claimed(
        self, database_url: str
    ) -> None:
        schema = new_schema()
        settings = settings_for(database_url, schema, projection_shards=3)
        newsline = build(settings, run_projections=False)
        try:
            with TestClient(create_app(newsline=newsline)) as client:
                newsline.app.report(ReportOccurrence.from_body(fields()), Request(by="test"))
                newsline.start_projections()
                assert newsline.wait_for_views(newsline.head(), timeout=60)
                ready = client.get("/readyz").json()
                shards = [(shard["view"], shard["shard"]) for shard in ready["shards"]]
                assert shards == [
                    ("timeline", "1/3"),
                    ("timeline", "2/3"),
                    ("timeline", "3/3"),
                    ("stories", "1/1"),
                ]
                assert {shard["position"] for shard in ready["shards"]} == {newsline.head()}
                # The process's claims connection names it: role, host and pid.
                assert all(shard["held_by"].startswith("newsline-api@") for shard in ready["shards"])
                found = samples(client)
                for view, shard in shards:
                    labels = {"projection": view, "shard": shard}
                    assert value(found, "newsline_projection_shard_position", **labels) == newsline.head()
                    assert value(found, "newsline_projection_shard_claimed", **labels) == 1
                newsline.stop_projections()
                unclaimed = samples(client)
                assert (
                    value(unclaimed, "newsline_projection_shard_claimed", projection="timeline", shard="2/3")
                    == 0
                )
        finally:
            newsline.close()
            drop_schema(database_url, schema)


class TestRequestIds:
    def test_a_sane_incoming_id_is_echoed_and_anything_else_replaced(self, client: TestClient) -> None:
        kept = client.get("/healthz", headers={"X-Request-ID": "edge-7f3a:42"})
        assert kept.headers["X-Request-ID"] == "edge-7f3a:42"
        for bad in ("has spaces", "x" * 200, "<script>"):
            replaced = client.get("/healthz", headers={"X-Request-ID": bad}).headers["X-Request-ID"]
            assert replaced != bad and len(replaced) == 32
        first, second = (client.get("/healthz").headers["X-Request-ID"] for _ in range(2))
        assert first != second

    def test_errors_carry_the_id_too(self, client: TestClient) -> None:
        answer = client.get("/v1/occurrences/not-a-uuid", headers={"X-Request-ID": "trace-1"})
        assert answer.status_code == 422
        assert answer.headers["X-Request-ID"] == "trace-1"

    def test_an_unexpected_error_is_logged_and_answered_with_the_id(
        self, newsline: Newsline, caplog: pytest.LogCaptureFixture
    ) -> None:
        app = create_app(newsline=newsline)

        @app.get("/boom")
        def boom() -> None:
            raise RuntimeError("boom")

        with TestClient(app, raise_server_exceptions=False) as client:
            answer = client.get("/boom", headers={"X-Request-ID": "trace-500"})
        assert answer.status_code == 500
        assert answer.headers["X-Request-ID"] == "trace-500"
        failures = [r for r in caplog.records if r.levelno == logging.ERROR and r.name == "api.errors"]
        assert [getattr(r, "request_id", None) for r in failures] == ["trace-500"]


class TestLogs:
    def test_json_lines_with_the_request_id_and_never_a_token(
        self, client: TestClient, caplog: pytest.LogCaptureFixture
    ) -> None:
        caplog.set_level(logging.INFO)
        client.post("/v1/occurrences", json=fields(), headers={**EDITOR, "X-Request-ID": "log-test-1"})
        client.get("/v1/timeline", headers={"Authorization": "Bearer not-a-known-token-123"})
        client.get("/v1/timeline", headers={"Authorization": f"Basic {EDITOR_TOKEN}"})
        formatter = json_formatter()
        lines = [json.loads(formatter.format(record)) for record in caplog.records]
        access = [line for line in lines if line["logger"] == "newsline.access"]
        assert {
            "method": "POST",
            "route": "/v1/occurrences",
            "status": 201,
            "request_id": "log-test-1",
        }.items() <= access[0].items()
        assert [line["status"] for line in access[1:]] == [401, 401]
        text = "\n".join(formatter.format(record) for record in caplog.records)
        assert EDITOR_TOKEN not in text and "not-a-known-token-123" not in text
