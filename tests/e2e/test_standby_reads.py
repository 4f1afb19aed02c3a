"""Reads from a real hot standby: plain reads are answered there, and a read passing
on a write's `Newsline-Position` sees the write through another API process, from
the standby once it has replayed the write and from the primary until then."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import psycopg
import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from newsline.bootstrap import build
from newsline.web import create_app
from tests.conftest import EDITOR, drop_schema, new_schema, settings_for
from tests.e2e.conftest import Server, server_in_new_directory
from tests.standby import HotStandby
from tests.unit.test_service import fields

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(180, method="thread")]

HEADER = "Newsline-Position"


def reader_env(pair: HotStandby, schema: str, **settings: str) -> dict[str, str]:
    """An API process that runs no views and reads from the standby."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("NEWSLINE_")}
    return env | {
        "NEWSLINE_DATABASE_URL": pair.url(pair.primary_dir),
        "NEWSLINE_DATABASE_SCHEMA": schema,
        "NEWSLINE_READ_DATABASE_URLS": pair.standby_url,
        "NEWSLINE_RUN_PROJECTIONS": "false",
        "NEWSLINE_TOKENS": "e2e-editor-token:e2e:editor",
        **{f"NEWSLINE_{name.upper()}": value for name, value in settings.items()},
    }


def reads_by_source(server: Server) -> dict[str, float]:
    text = server.get("/metrics").text
    return {
        sample.labels["source"]: sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "newsline_reads_total"
    }


def eventually(check: Callable[[], Any], what: str, timeout: float = 30) -> Any:
    deadline = time.monotonic() + timeout
    while not (found := check()):
        assert time.monotonic() < deadline, f"not within {timeout} s: {what}"
        time.sleep(0.05)
    return found


def standby_state(server: Server) -> dict[str, Any]:
    standbys = server.get("/readyz").json()["standbys"]
    assert len(standbys) == 1
    state: dict[str, Any] = next(iter(standbys.values()))
    return state


@pytest.fixture(scope="module")
def writer(hot_standby: HotStandby) -> Iterator[tuple[TestClient, str]]:
    """An API with the views on the primary, and the schema it writes in."""
    schema = new_schema()
    stack = build(settings_for(hot_standby.primary_url, schema))
    with TestClient(create_app(newsline=stack), raise_server_exceptions=False) as client:
        yield client, schema
    stack.close()
    drop_schema(hot_standby.primary_url, schema)


@pytest.fixture(scope="module")
def reader(hot_standby: HotStandby, writer: tuple[TestClient, str]) -> Iterator[Server]:
    with server_in_new_directory("nl-rd-") as server:
        # Generous bounds: the test pauses the standby's replay and must still be served by it.
        server.start(env=reader_env(hot_standby, writer[1], standby_max_lag="600", standby_wait="2"))
        yield server


def report(client: TestClient, title: str) -> tuple[str, int]:
    answer = client.post("/v1/occurrences", json=fields(title=title), headers=EDITOR)
    assert answer.status_code == 201, answer.text
    return answer.json()["id"], int(answer.headers[HEADER])


def test_plain_reads_are_answered_by_the_standby(
    hot_standby: HotStandby, writer: tuple[TestClient, str], reader: Server
) -> None:
    story = {"slug": "standby-story", "title": "Read from the standby"}
    assert writer[0].post("/v1/stories", json=story, headers=EDITOR).status_code == 201
    answer = writer[0].post(
        "/v1/occurrences",
        json=fields(title="Read from the standby", stories=["standby-story"]),
        headers=EDITOR,
    )
    occurrence_id, position = answer.json()["id"], int(answer.headers[HEADER])
    eventually(lambda: standby_state(reader)["position"] >= position, "the standby replays the write")
    before = reads_by_source(reader)
    answer = reader.get(f"/v1/occurrences/{occurrence_id}")
    assert answer.status_code == 200
    assert int(answer.headers[HEADER]) >= position
    # The story's page, answered without FastAPI's dependency solving, reads there too.
    page = reader.get("/v1/stories/standby-story/timeline")
    assert [item["id"] for item in page.json()["items"]] == [occurrence_id]
    assert int(page.headers[HEADER]) >= position
    after = reads_by_source(reader)
    (standby,) = set(after) - {"primary"}
    assert after[standby] == before[standby] + 2
    assert after["primary"] == before["primary"]
    with psycopg.connect(hot_standby.standby_url) as connection:
        rows = connection.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'newsline-api-standby'"
        ).fetchone()
    assert rows is not None and rows[0] >= 1


def test_a_read_passing_on_a_writes_position_sees_it_through_another_process(
    hot_standby: HotStandby, writer: tuple[TestClient, str], reader: Server
) -> None:
    with psycopg.connect(hot_standby.standby_url, autocommit=True) as standby:
        standby.execute("SELECT pg_wal_replay_pause()")
        try:
            occurrence_id, position = report(writer[0], "Written while the standby waits")
            # The standby has not replayed the write: a plain read, answered there, misses it...
            assert reader.get(f"/v1/occurrences/{occurrence_id}").status_code == 404
            lagging = eventually(
                lambda: standby_state(reader)["lag_events"] >= 1 and standby_state(reader), "lag"
            )
            assert lagging["up"] and lagging["position"] < position
            # ...and a read passing on the write's position is answered by the primary.
            before = reads_by_source(reader)
            seen = httpx.get(
                f"{reader.url}/v1/occurrences/{occurrence_id}", headers={HEADER: str(position)}, timeout=30
            )
            assert seen.status_code == 200
            assert seen.json()["title"] == "Written while the standby waits"
            assert reads_by_source(reader)["primary"] == before["primary"] + 1
        finally:
            standby.execute("SELECT pg_wal_replay_resume()")
    # Once replayed, the standby answers it.
    before = reads_by_source(reader)
    seen = httpx.get(
        f"{reader.url}/v1/occurrences/{occurrence_id}", headers={HEADER: str(position)}, timeout=30
    )
    assert seen.status_code == 200
    assert int(seen.headers[HEADER]) >= position
    after = reads_by_source(reader)
    assert after["primary"] == before["primary"]
    assert sum(after.values()) == sum(before.values()) + 1


def test_readyz_and_metrics_report_the_standby(reader: Server) -> None:
    state = eventually(
        lambda: (s := standby_state(reader))["lag_events"] == 0 and s, "the standby catches up"
    )
    assert state["up"] and state["serving"] and state["lag_seconds"] == 0
    metrics = reader.get("/metrics").text
    for name in ("newsline_standby_up", "newsline_standby_lag_seconds", "newsline_standby_lag_events"):
        assert f'{name}{{standby="{state["name"]}"}}' in metrics
