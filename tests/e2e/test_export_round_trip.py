"""NDJSON exports read back by `newsline import` into an empty store: nothing is lost."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from entrypoints import seeding
from newsline.bootstrap import Newsline, build
from newsline.web import create_app
from tests.conftest import drop_schema, new_schema, settings_for
from tests.e2e.test_cli import newsline_command
from tests.helpers import write
from tests.unit.test_service import fields

STORY = "russian-troops-ukraine-border"
WATCH = "border-watch"


def strip_record_time(value: Any) -> Any:
    """Record time is the importing system's own; everything else must match."""
    if isinstance(value, dict):
        return {k: strip_record_time(v) for k, v in value.items() if k != "recorded_at"}
    if isinstance(value, list):
        return [strip_record_time(item) for item in value]
    return value


def without_versions(timeline: dict[str, Any]) -> list[dict[str, Any]]:
    return [{k: v for k, v in item.items() if k != "version"} for item in timeline["items"]]


@pytest.fixture(scope="module")
def source(newsline: Newsline, client: TestClient) -> TestClient:
    """The seed, plus corrections, a late wire copy, a relation from outside the story
    and a retraction."""
    report = seeding.load(newsline.app)
    assert newsline.wait_for_views(report.last_position, timeout=60)
    write(client, "/v1/stories", {"slug": WATCH, "title": "Border watch"})  # opened by alice, not the seed
    attack = write(
        client,
        "/v1/occurrences",
        fields(stories=[STORY, WATCH], reported_at="2014-05-19T08:00:00Z", summary="first wire"),
    )
    path = f"/v1/occurrences/{attack['id']}"
    write(
        client,
        path,
        {"figures": {"killed": 2}, "reason": "toll", "reported_at": "2014-05-20T09:00Z"},
        "PATCH",
    )
    write(
        client,
        path,
        {"figures": {"injured": 4}, "summary": None, "reason": "wire", "reported_at": "2014-05-19T12:00Z"},
        "PATCH",
    )
    outside = write(client, "/v1/occurrences", fields(kind="statement", title="Kyiv confirms shelling"))
    write(
        client, f"/v1/occurrences/{outside['id']}/relations", {"type": "corroborates", "target": attack["id"]}
    )
    doomed = write(client, "/v1/occurrences", fields(title="Unfounded report", stories=[STORY]))
    write(
        client,
        f"/v1/occurrences/{doomed['id']}/retraction",
        {"reason": "withdrawn", "source": {"name": "AP"}},
    )
    return client


@pytest.fixture
def empty_store(database_url: str, source: TestClient) -> Iterator[tuple[dict[str, str], Newsline]]:
    """A fresh schema: nothing in it, not even the stories (the export carries them)."""
    schema = new_schema()
    target = build(settings_for(database_url, schema), run_projections=False)
    try:
        env = {"NEWSLINE_DATABASE_URL": database_url, "NEWSLINE_DATABASE_SCHEMA": schema}
        yield env, target
    finally:
        target.close()
        drop_schema(database_url, schema)


def import_export(source: TestClient, env: dict[str, str], tmp_path: Path, path: str, **params: str) -> Path:
    answer = source.get(path, params={"format": "ndjson", **params})
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/x-ndjson"
    file = tmp_path / "export.ndjson"
    file.write_text(answer.text)
    result = newsline_command(env, "import", str(file))
    assert result.returncode == 0, result.stderr
    return file


def views(client: TestClient, path: str, as_ofs: list[str]) -> dict[str, Any]:
    """The timeline now and at each report time, with every occurrence's history."""
    read = {"include_retracted": "true", "limit": "1000"}
    seen = {"now": client.get(path, params=read).json()}
    for as_of in as_ofs:
        seen[as_of] = client.get(path, params={**read, "as_of": as_of}).json()
    for item in seen["now"]["items"]:
        seen[item["id"]] = client.get(f"/v1/occurrences/{item['id']}/history").json()
    return strip_record_time(seen)


def writers(client: TestClient) -> dict[tuple[str, int, str], str]:
    """Who wrote each event of the log (`by`), by aggregate, version and type."""
    seen: dict[tuple[str, int, str], str] = {}
    after = 0
    while page := client.get("/v1/events", params={"after": after, "limit": 1000}).json()["items"]:
        for event in page:
            seen[(event["story_id"] or event["occurrence_id"], event["version"], event["type"])] = event[
                "data"
            ]["by"]
        after = page[-1]["position"]
    return seen


REPORT_TIMES = ["2014-05-19T08:30Z", "2014-05-19T10:00Z", "2014-05-19T13:00Z", "2014-05-21"]


def test_a_story_export_imports_into_an_empty_store_reading_the_same(
    source: TestClient, empty_store: tuple[dict[str, str], Newsline], tmp_path: Path
) -> None:
    env, target = empty_store
    timeline = f"/v1/stories/{STORY}/timeline"
    file = import_export(source, {**env}, tmp_path, timeline)
    with TestClient(create_app(newsline=target)) as imported:
        assert views(imported, timeline, REPORT_TIMES) == views(source, timeline, REPORT_TIMES)
        corroborated = [e for e in imported.get(timeline).json()["items"] if e["corroborated_by"]]
        assert corroborated, "the corroboration from outside the story came along"
        # Every event keeps its writer, the stories' too: none becomes `import`.
        imported_writers, source_writers = writers(imported), writers(source)
        assert imported_writers == {event: source_writers[event] for event in imported_writers}
        story_writers = {by for (_, _, kind), by in imported_writers.items() if kind == "story_created"}
        assert story_writers == {"alice", "seed"}
    again = newsline_command(env, "import", str(file))
    assert "imported 0," in again.stdout, again.stdout  # every line replays


def test_an_export_as_of_a_report_time_imports_as_that_view(
    source: TestClient, empty_store: tuple[dict[str, str], Newsline], tmp_path: Path
) -> None:
    env, target = empty_store
    as_of = "2014-05-19T13:00Z"
    import_export(source, env, tmp_path, "/v1/timeline", as_of=as_of)
    with TestClient(create_app(newsline=target)) as imported:
        read = {"include_retracted": "true", "limit": "1000"}
        now = strip_record_time(imported.get("/v1/timeline", params=read).json())
        then = strip_record_time(source.get("/v1/timeline", params={**read, "as_of": as_of}).json())
        # Revisions reported later are left out, so versions are numbered anew.
        assert without_versions(now) == without_versions(then)
        assert any(item["figures"] == {"killed": 1, "injured": 4} for item in now["items"])


def test_an_export_as_of_a_record_time_imports_as_that_view(
    source: TestClient, empty_store: tuple[dict[str, str], Newsline], tmp_path: Path
) -> None:
    env, target = empty_store
    read = {"include_retracted": "true", "limit": "1000"}
    doomed = next(
        e for e in source.get("/v1/timeline", params=read).json()["items"] if e["title"] == "Unfounded report"
    )
    reported = source.get(f"/v1/occurrences/{doomed['id']}/history").json()["revisions"][0]["recorded_at"]
    import_export(source, env, tmp_path, "/v1/timeline", recorded_as_of=reported)
    with TestClient(create_app(newsline=target)) as imported:
        now = strip_record_time(imported.get("/v1/timeline", params=read).json())
        then = source.get("/v1/timeline", params={**read, "recorded_as_of": reported}).json()
        assert now == strip_record_time(then)
        assert next(e for e in now["items"] if e["id"] == doomed["id"])["status"] == "reported"
