"""Kinds of one's own: added by an admin, then accepted by writes, filters, exports and the log."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from entrypoints.importing import import_file
from newsline.bootstrap import build
from tests.conftest import ADMIN_TOKEN, EDITOR, READER, drop_schema, new_schema, settings_for
from tests.helpers import write
from tests.unit.test_service import fields

pytestmark = pytest.mark.postgres

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
WILDFIRE = {"kind": "wildfire", "description": "A wildfire, its spread and its containment."}
RULING = {
    "kind": "court_ruling",
    "description": "A court's ruling or verdict.",
    "cameo": "0834",
    "plover": "ACCUSE",
}


def problem(answer: Any, status: int) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = answer.json()
    return body


def kinds(client: TestClient) -> dict[str, dict[str, Any]]:
    return {item["kind"]: item for item in client.get("/v1/kinds").json()["items"]}


@pytest.fixture(scope="module")
def added(client: TestClient) -> dict[str, Any]:
    """Two kinds added, a story, and an occurrence of each."""
    assert client.post("/v1/kinds", json=WILDFIRE, headers=ADMIN).status_code == 201
    assert client.post("/v1/kinds", json=RULING, headers=ADMIN).status_code == 201
    write(client, "/v1/stories", {"slug": "fire-desk", "title": "Fires and courts"})
    fire = write(
        client,
        "/v1/occurrences",
        fields(kind="wildfire", title="Fire reaches the ridge", figures={}, stories=["fire-desk"]),
    )
    ruling = write(
        client,
        "/v1/occurrences",
        fields(kind="court_ruling", title="Court upholds ban", stories=["fire-desk"]),
    )
    return {"fire": fire, "ruling": ruling}


class TestAddingKinds:
    def test_built_in_kinds_are_marked_so(self, client: TestClient) -> None:
        listed = kinds(client)
        assert len([kind for kind in listed.values() if not kind["custom"]]) == 23
        assert listed["attack"] == {
            "kind": "attack",
            "cameo": "190",
            "plover": "ASSAULT",
            "description": listed["attack"]["description"],
            "custom": False,
        }

    def test_an_added_kind_is_listed_with_its_codes(self, client: TestClient, added: dict[str, Any]) -> None:
        listed = kinds(client)
        assert listed["wildfire"] == {**WILDFIRE, "cameo": None, "plover": None, "custom": True}
        assert listed["court_ruling"] == {**RULING, "custom": True}

    def test_only_an_admin_adds_a_kind(self, client: TestClient) -> None:
        body = {"kind": "flood", "description": "A flood."}
        problem(client.post("/v1/kinds", json=body), 401)
        problem(client.post("/v1/kinds", json=body, headers=EDITOR), 403)
        problem(client.post("/v1/kinds", json=body, headers=READER), 403)
        assert "flood" not in kinds(client)

    def test_a_kind_that_exists_is_409(self, client: TestClient, added: dict[str, Any]) -> None:
        problem(client.post("/v1/kinds", json=WILDFIRE, headers=ADMIN), 409)
        problem(client.post("/v1/kinds", json={"kind": "attack", "description": "again"}, headers=ADMIN), 409)

    @pytest.mark.parametrize(
        "body",
        [
            {"kind": "Wildfire", "description": "upper case"},
            {"kind": "wild fire", "description": "a space"},
            {"kind": "wildfire_", "description": "a trailing underscore"},
            {"kind": "x" * 65, "description": "too long"},
            {"kind": "storm", "description": " "},
            {"kind": "storm", "description": "a storm", "cameo": "19a"},
            {"kind": "storm", "description": "a storm", "plover": "assault"},
            {"kind": "storm"},
        ],
    )
    def test_a_malformed_kind_is_refused_and_nothing_is_added(
        self, client: TestClient, body: dict[str, Any]
    ) -> None:
        problem(client.post("/v1/kinds", json=body, headers=ADMIN), 422)
        assert "storm" not in kinds(client)

    def test_the_same_key_answers_the_first_answer_again(self, client: TestClient) -> None:
        body = {"kind": "heatwave", "description": "A heatwave."}
        headers = {**ADMIN, "Idempotency-Key": "kind-heatwave"}
        first = client.post("/v1/kinds", json=body, headers=headers)
        again = client.post("/v1/kinds", json=body, headers=headers)
        assert (first.status_code, again.status_code) == (201, 201)
        assert first.json() == again.json()
        problem(client.post("/v1/kinds", json={**body, "description": "Hot."}, headers=headers), 409)


class TestUsingKinds:
    def test_an_occurrence_of_an_unknown_kind_is_refused(self, client: TestClient) -> None:
        answer = client.post("/v1/occurrences", json=fields(kind="landslide"), headers=EDITOR)
        errors = problem(answer, 422)["errors"]
        assert [error["field"] for error in errors] == ["kind"]
        assert "GET /v1/kinds" in errors[0]["message"]

    def test_an_amendment_may_move_to_an_added_kind_and_no_further(
        self, client: TestClient, added: dict[str, Any]
    ) -> None:
        occurrence = write(client, "/v1/occurrences", fields(title="Blaze at the depot"))
        path = f"/v1/occurrences/{occurrence['id']}"
        moved = write(client, path, {"kind": "wildfire", "reason": "it was a fire"}, method="PATCH")
        assert moved["kind"] == "wildfire"
        problem(client.patch(path, json={"kind": "landslide", "reason": "x"}, headers=EDITOR), 422)
        assert client.get(path).json()["kind"] == "wildfire"

    def test_filters_take_added_kinds(self, client: TestClient, added: dict[str, Any]) -> None:
        page = client.get("/v1/stories/fire-desk/timeline", params={"kind": "wildfire"}).json()
        assert [item["id"] for item in page["items"]] == [added["fire"]["id"]]
        both = client.get("/v1/timeline", params={"kind": "court_ruling,wildfire"}).json()["items"]
        assert {added["fire"]["id"], added["ruling"]["id"]} <= {item["id"] for item in both}
        errors = problem(client.get("/v1/timeline", params={"kind": "wildfire,landslide"}), 422)["errors"]
        assert [(error["field"], "landslide" in error["message"]) for error in errors] == [("kind", True)]

    def test_the_csv_gives_codes_where_the_kind_has_them(
        self, client: TestClient, added: dict[str, Any]
    ) -> None:
        answer = client.get("/v1/stories/fire-desk/timeline", params={"format": "csv"})
        rows = {row["event_type"]: row for row in csv.DictReader(io.StringIO(answer.text))}
        assert (rows["wildfire"]["cameo_code"], rows["wildfire"]["plover_code"]) == ("", "")
        assert (rows["court_ruling"]["cameo_code"], rows["court_ruling"]["plover_code"]) == ("0834", "ACCUSE")

    def test_drafts_name_an_added_kind_where_the_text_does(
        self, client: TestClient, added: dict[str, Any]
    ) -> None:
        text = "A wildfire reached the ridge above the town on Sunday, the fire service said."
        body = {"text": text, "published_at": "2021-08-09T10:00:00Z"}
        answer = client.post("/v1/drafts", json=body, headers=EDITOR)
        assert answer.status_code == 200, answer.text
        [draft] = answer.json()["items"]
        assert draft["occurrence"]["kind"] == "wildfire"
        assert client.post("/v1/occurrences", json=draft["occurrence"], headers=EDITOR).status_code == 201

    def test_the_log_serves_a_kind_added(self, client: TestClient, added: dict[str, Any]) -> None:
        items = client.get("/v1/events", params={"limit": 1000}).json()["items"]
        [event] = [
            item for item in items if item["type"] == "kind_added" and item["data"]["kind"] == "wildfire"
        ]
        assert (event["occurrence_id"], event["story_id"]) == (None, None)
        assert event["data"] == {**WILDFIRE, "cameo": None, "plover": None, "by": "root"}

    def test_an_export_imports_into_a_newsline_without_the_kinds(
        self, client: TestClient, added: dict[str, Any], database_url: str, tmp_path: Path
    ) -> None:
        export = client.get("/v1/stories/fire-desk/timeline", params={"format": "ndjson"}).text
        path = tmp_path / "fire-desk.ndjson"
        path.write_text(export)
        schema = new_schema()
        other = build(settings_for(database_url, schema), run_projections=True)
        try:
            first = import_file(other.app, path)
            assert first.errors == [] and first.written == len(export.splitlines())
            again = import_file(other.app, path)
            assert (again.errors, again.written) == ([], 0)
            assert other.wait_for_views(other.head())
            assert {kind["kind"] for kind in other.stories.reader.added_kinds()} == {
                "wildfire",
                "court_ruling",
            }
        finally:
            other.close()
            drop_schema(database_url, schema)
