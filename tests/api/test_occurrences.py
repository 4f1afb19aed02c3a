"""The occurrence endpoints over HTTP: SPEC §3, §3.2-3.4."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from typing import Any
from uuid import uuid4

import pytest
from fastapi.testclient import TestClient

from newsline.bootstrap import Newsline
from newsline.web import create_app
from tests.conftest import EDITOR, READER
from tests.helpers import API_DOCUMENT
from tests.unit.test_service import fields

PROBLEM = "application/problem+json"


def report(client: TestClient, **overrides: Any) -> dict[str, Any]:
    body = {**fields(), "reported_at": "2014-05-19T08:00:00Z", **overrides}
    answer = client.post("/v1/occurrences", json=body, headers=EDITOR)
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


def assert_problem(answer: Any, status: int) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith(PROBLEM)
    body = dict(answer.json())
    assert body["status"] == status and body["title"] and body["detail"] and body["type"]
    return body


class TestReport:
    def test_answers_201_with_the_view_location_and_etag(self, client: TestClient) -> None:
        answer = client.post(
            "/v1/occurrences", json={**fields(), "reported_at": "2014-05-19T08:00:00Z"}, headers=EDITOR
        )
        assert answer.status_code == 201
        body = answer.json()
        assert answer.headers["location"] == f"/v1/occurrences/{body['id']}"
        assert answer.headers["etag"] == '"1"'
        assert body["version"] == 1 and body["status"] == "reported"
        assert body["occurred"] == {
            "edtf": "2014-05-19",
            "start": "2014-05-19T00:00:00Z",
            "end": "2014-05-19T23:59:59Z",
            "precision": "day",
            "approximate": False,
            "uncertain": False,
        }
        assert body["reported_at"] == "2014-05-19T08:00:00Z"
        assert client.get(answer.headers["location"]).json() == body

    def test_reported_at_defaults_to_now(self, client: TestClient) -> None:
        answer = client.post("/v1/occurrences", json=fields(), headers=EDITOR)
        assert answer.status_code == 201
        assert answer.json()["reported_at"][:4] >= "2026"

    def test_unknown_kind_is_422_naming_the_field(self, client: TestClient) -> None:
        answer = client.post("/v1/occurrences", json=fields(kind="skirmish"), headers=EDITOR)
        body = assert_problem(answer, 422)
        assert [e["field"] for e in body["errors"]] == ["kind"]

    @pytest.mark.parametrize(
        "body",
        [
            {**fields(), "occurred": "sometime"},
            {**fields(), "figures": {"killed": "1"}},
            {**fields(), "relations": [{"type": "disputes", "target": str(uuid4())}]},
            {**fields(), "stories": ["no-such-story"]},
            {**fields(), "reported_at": "yesterday"},
            {"title": "no kind"},
            [1, 2, 3],
            "just a string",
        ],
    )
    def test_bad_input_is_422_and_writes_nothing(self, client: TestClient, body: Any) -> None:
        head = client.get("/v1/events", params={"after": 0, "limit": 1000}).json()["next"]
        answer = client.post("/v1/occurrences", json=body, headers=EDITOR)
        problem = assert_problem(answer, 422)
        assert problem["errors"]
        assert client.get("/v1/events", params={"after": head}).json()["items"] == []

    @pytest.mark.parametrize(
        "override",
        [
            {"title": "nul\u0000inside"},
            {"summary": "bell\u0007"},
            {"places": ["ok", "bad\u0000"]},
            {"figures": {"k\u0000": 1}},
            {"source": {"name": "lone \ud800 surrogate"}},
        ],
    )
    def test_unstorable_text_is_422_and_the_views_stay_healthy(
        self, client: TestClient, override: dict[str, Any]
    ) -> None:
        # Sent as escaped JSON text, as a client would send a lone surrogate.
        body = json.dumps(fields(**override))
        headers = {**EDITOR, "Content-Type": "application/json"}
        assert_problem(client.post("/v1/occurrences", content=body, headers=headers), 422)
        assert client.get("/readyz").status_code == 200

    @pytest.mark.parametrize(
        ("path", "params"),
        [
            ("/v1/occurrences", {"q": "nul\u0000"}),
            ("/v1/stories/bad%00slug/timeline", {}),
            ("/v1/entities/bad%00/timeline", {}),
            ("/v1/events", {"after": 10**30}),
            ("/v1/timeline", {"as_of": "99999-01-01"}),
            ("/v1/timeline", {"from": "2014-05-20", "to": "2014-05-19"}),
        ],
    )
    def test_unusable_parameters_are_problems_not_500s(
        self, client: TestClient, path: str, params: dict[str, Any]
    ) -> None:
        assert_problem(client.get(path, params=params), 422)

    def test_malformed_json_is_a_problem_not_a_500(self, client: TestClient) -> None:
        answer = client.post(
            "/v1/occurrences", content=b"{not json", headers={**EDITOR, "Content-Type": "application/json"}
        )
        assert_problem(answer, 400)

    def test_idempotency_key_replays_the_first_answer(self, client: TestClient) -> None:
        key = {"Idempotency-Key": str(uuid4())}
        body = {**fields(), "reported_at": "2014-05-19T08:00:00Z"}
        first = client.post("/v1/occurrences", json=body, headers={**EDITOR, **key})
        client.patch(
            f"/v1/occurrences/{first.json()['id']}", json={"title": "changed", "reason": "x"}, headers=EDITOR
        )
        again = client.post("/v1/occurrences", json=body, headers={**EDITOR, **key})
        assert again.status_code == 201
        assert again.json() == first.json()
        other = client.post("/v1/occurrences", json={**body, "title": "Other"}, headers={**EDITOR, **key})
        assert_problem(other, 409)


class TestAuth:
    def test_writes_need_a_token(self, client: TestClient) -> None:
        answer = client.post("/v1/occurrences", json=fields())
        assert_problem(answer, 401)
        assert answer.headers["www-authenticate"].startswith("Bearer")

    def test_unknown_token_is_401(self, client: TestClient) -> None:
        answer = client.post(
            "/v1/occurrences", json=fields(), headers={"Authorization": "Bearer nope-nope-nope"}
        )
        assert_problem(answer, 401)

    def test_readers_cannot_write(self, client: TestClient) -> None:
        occurrence = report(client)
        for method, path, body in [
            ("POST", "/v1/occurrences", fields()),
            ("PATCH", f"/v1/occurrences/{occurrence['id']}", {"title": "x", "reason": "y"}),
            ("POST", f"/v1/occurrences/{occurrence['id']}/retraction", {"reason": "y"}),
            (
                "POST",
                f"/v1/occurrences/{occurrence['id']}/relations",
                {"type": "follows", "target": occurrence["id"]},
            ),
            ("POST", "/v1/stories", {"slug": "reader-story", "title": "x"}),
        ]:
            assert_problem(client.request(method, path, json=body, headers=READER), 403)
            assert_problem(client.request(method, path, json=body), 401)

    def test_reads_are_open_by_default(self, client: TestClient) -> None:
        assert client.get("/v1/timeline").status_code == 200


class TestAmend:
    def test_merge_patch_with_reason(self, client: TestClient) -> None:
        occurrence = report(client)
        answer = client.patch(
            f"/v1/occurrences/{occurrence['id']}",
            json={"figures": {"killed": 2, "injured": None}, "reason": "toll updated"},
            headers={**EDITOR, "If-Match": '"1"', "Content-Type": "application/merge-patch+json"},
        )
        assert answer.status_code == 200, answer.text
        assert answer.headers["etag"] == '"2"'
        assert answer.json()["figures"] == {"killed": 2}

    def test_stale_if_match_is_412_and_changes_nothing(self, client: TestClient) -> None:
        occurrence = report(client)
        path = f"/v1/occurrences/{occurrence['id']}"
        client.patch(path, json={"title": "v2", "reason": "x"}, headers={**EDITOR, "If-Match": '"1"'})
        stale = client.patch(path, json={"title": "v3", "reason": "x"}, headers={**EDITOR, "If-Match": '"1"'})
        assert_problem(stale, 412)
        assert client.get(path).json()["title"] == "v2"

    def test_without_if_match_applies_to_the_latest(self, client: TestClient) -> None:
        occurrence = report(client)
        path = f"/v1/occurrences/{occurrence['id']}"
        client.patch(path, json={"title": "v2", "reason": "x"}, headers=EDITOR)
        assert client.patch(path, json={"title": "v3", "reason": "x"}, headers=EDITOR).json()["version"] == 3

    def test_reason_is_required(self, client: TestClient) -> None:
        occurrence = report(client)
        answer = client.patch(f"/v1/occurrences/{occurrence['id']}", json={"title": "x"}, headers=EDITOR)
        assert "reason" in [e["field"] for e in assert_problem(answer, 422)["errors"]]

    def test_reported_at_before_the_first_report_is_422(self, client: TestClient) -> None:
        occurrence = report(client)
        answer = client.patch(
            f"/v1/occurrences/{occurrence['id']}",
            json={"title": "x", "reason": "y", "reported_at": "2014-05-18T00:00:00Z"},
            headers=EDITOR,
        )
        assert [e["field"] for e in assert_problem(answer, 422)["errors"]] == ["reported_at"]

    def test_unknown_occurrence_is_404(self, client: TestClient) -> None:
        answer = client.patch(
            f"/v1/occurrences/{uuid4()}", json={"title": "x", "reason": "y"}, headers=EDITOR
        )
        assert_problem(answer, 404)

    def test_malformed_if_match_is_400(self, client: TestClient) -> None:
        occurrence = report(client)
        answer = client.patch(
            f"/v1/occurrences/{occurrence['id']}",
            json={"title": "x", "reason": "y"},
            headers={**EDITOR, "If-Match": "yesterday"},
        )
        assert_problem(answer, 400)


class TestRetractAndRelate:
    def test_dispute_then_retraction(self, client: TestClient) -> None:
        claim = report(client, kind="claim")
        denial = report(client, kind="denial", reported_at="2014-05-19T09:00:00Z")
        linked = client.post(
            f"/v1/occurrences/{denial['id']}/relations",
            json={"type": "disputes", "target": claim["id"], "reported_at": "2014-05-19T10:00:00Z"},
            headers=EDITOR,
        )
        assert linked.status_code == 200 and linked.json()["relations"] == [
            {"type": "disputes", "target": claim["id"]}
        ]
        assert client.get(f"/v1/occurrences/{claim['id']}").json()["disputed_by"] == [denial["id"]]
        retracted = client.post(
            f"/v1/occurrences/{denial['id']}/retraction",
            json={"reason": "misattributed", "reported_at": "2014-05-19T11:00:00Z"},
            headers={**EDITOR, "If-Match": '"2"'},
        )
        assert retracted.status_code == 200 and retracted.json()["status"] == "retracted"
        # The reason is in the view itself, as of the read point.
        retraction = {"reason": "misattributed", "reported_at": "2014-05-19T11:00:00Z"}
        assert retracted.json()["retraction"] == retraction
        assert client.get(f"/v1/occurrences/{denial['id']}").json()["retraction"] == retraction
        before = client.get(f"/v1/occurrences/{denial['id']}", params={"as_of": "2014-05-19T10:30:00Z"})
        assert (before.json()["status"], before.json()["retraction"]) == ("reported", None)
        assert linked.json()["retraction"] is None
        assert client.get(f"/v1/occurrences/{claim['id']}").json()["status"] == "reported"
        as_of = client.get(f"/v1/occurrences/{claim['id']}", params={"as_of": "2014-05-19T10:30:00Z"})
        assert as_of.json()["status"] == "disputed"
        again = client.post(
            f"/v1/occurrences/{denial['id']}/retraction", json={"reason": "again"}, headers=EDITOR
        )
        assert_problem(again, 409)

    def test_history_names_each_relation_target_by_its_title(self, client: TestClient) -> None:
        claim = report(client, kind="claim", title="Troops ordered back")
        denial = report(client, kind="denial", reported_at="2014-05-19T09:00:00Z")
        path = f"/v1/occurrences/{denial['id']}"
        linked = client.post(
            f"{path}/relations", json={"type": "disputes", "target": claim["id"]}, headers=EDITOR
        )
        assert linked.status_code == 200, linked.text
        linked_at = client.get(path).json()["recorded_at"]
        retitled = {"title": "Troops ordered back to base", "reason": "clearer"}
        assert (
            client.patch(f"/v1/occurrences/{claim['id']}", json=retitled, headers=EDITOR).status_code == 200
        )

        def relation_change(recorded_as_of: str | None = None) -> dict[str, Any]:
            params = {"recorded_as_of": recorded_as_of} if recorded_as_of else {}
            revisions = client.get(f"{path}/history", params=params).json()["revisions"]
            assert [r["type"] for r in revisions] == ["reported", "linked"]
            [change] = revisions[1]["changes"]
            return dict(change)

        relation = {"type": "disputes", "target": claim["id"]}
        assert relation_change() == {
            "field": "relations",
            "old": [],
            "new": [{**relation, "target_title": "Troops ordered back to base"}],
        }
        # As of the same read point: before the claim was retitled, its old title.
        assert relation_change(linked_at)["new"] == [{**relation, "target_title": "Troops ordered back"}]

    def test_relation_to_a_missing_occurrence_is_422(self, client: TestClient) -> None:
        occurrence = report(client)
        answer = client.post(
            f"/v1/occurrences/{occurrence['id']}/relations",
            json={"type": "follows", "target": str(uuid4())},
            headers=EDITOR,
        )
        assert [e["field"] for e in assert_problem(answer, 422)["errors"]] == ["target"]


class TestReads:
    def test_as_of_before_the_report_is_404(self, client: TestClient) -> None:
        occurrence = report(client)
        answer = client.get(f"/v1/occurrences/{occurrence['id']}", params={"as_of": "2014-05-18T00:00Z"})
        assert_problem(answer, 404)

    def test_bad_as_of_is_422(self, client: TestClient) -> None:
        answer = client.get("/v1/timeline", params={"as_of": "last tuesday"})
        assert [e["field"] for e in assert_problem(answer, 422)["errors"]] == ["as_of"]

    def test_history_shows_each_revision(self, client: TestClient) -> None:
        occurrence = report(client)
        path = f"/v1/occurrences/{occurrence['id']}"
        client.patch(
            path,
            json={"figures": {"killed": 2}, "reason": "toll", "reported_at": "2014-05-20T09:00:00Z"},
            headers=EDITOR,
        )
        client.patch(
            path,
            json={"figures": {"injured": 4}, "reason": "wire", "reported_at": "2014-05-19T12:00:00Z"},
            headers=EDITOR,
        )
        history = client.get(f"{path}/history").json()
        assert history["id"] == occurrence["id"]
        revisions = history["revisions"]
        assert [(r["version"], r["type"]) for r in revisions] == [
            (1, "reported"),
            (3, "amended"),
            (2, "amended"),
        ]
        assert revisions[1]["changes"] == [{"field": "figures.injured", "old": 3, "new": 4}]
        assert revisions[2]["by"] == "alice" and revisions[2]["reason"] == "toll"

    def test_unknown_history_is_404(self, client: TestClient) -> None:
        assert_problem(client.get(f"/v1/occurrences/{uuid4()}/history"), 404)

    def test_search_by_actor_place_kind_and_text(self, client: TestClient) -> None:
        occurrence = report(
            client,
            kind="threat",
            title="Zebra-crossing ultimatum issued",
            actors=[{"name": "Quentin Quux", "role": "agent"}],
            places=["Xanadu"],
        )
        for params in [
            {"actor": "Quentin Quux"},
            {"actor": "quentin-quux"},
            {"place": "Xanadu"},
            {"q": "ultimatum", "kind": "threat"},
        ]:
            items = client.get("/v1/occurrences", params=params).json()["items"]
            assert [i["id"] for i in items] == [occurrence["id"]], params

    def test_limit_is_bounded(self, client: TestClient) -> None:
        assert_problem(client.get("/v1/timeline", params={"limit": 1001}), 422)
        assert_problem(client.get("/v1/timeline", params={"limit": 0}), 422)

    def test_bad_cursor_is_422(self, client: TestClient) -> None:
        assert_problem(client.get("/v1/timeline", params={"cursor": "garbage!"}), 422)

    def test_kinds_list_all_23_with_codes(self, client: TestClient) -> None:
        items = client.get("/v1/kinds").json()["items"]
        assert len([item for item in items if not item["custom"]]) == 23
        attack = next(i for i in items if i["kind"] == "attack")
        assert attack["cameo"] == "190" and attack["plover"] == "ASSAULT" and attack["description"]

    def test_event_log_in_record_order(self, client: TestClient) -> None:
        occurrence = report(client)
        client.patch(
            f"/v1/occurrences/{occurrence['id']}", json={"title": "v2", "reason": "x"}, headers=EDITOR
        )
        page = client.get("/v1/events", params={"after": 0, "limit": 1000}).json()
        mine = [i for i in page["items"] if i["occurrence_id"] == occurrence["id"]]
        assert [(i["type"], i["version"]) for i in mine] == [("reported", 1), ("amended", 2)]
        assert mine[1]["data"]["patch"] == {"title": "v2"}
        positions = [i["position"] for i in page["items"]]
        assert positions == sorted(positions) and page["next"] == positions[-1]

    def test_openapi_names_the_schemas_and_problem_bodies(self, client: TestClient) -> None:
        document = client.get("/openapi.json").json()
        schemas = document["components"]["schemas"]
        assert {
            "OccurrenceCreate",
            "OccurrencePublic",
            "OccurrencePatch",
            "HistoryPublic",
            "ProblemPublic",
        } <= set(schemas)
        post = document["paths"]["/v1/occurrences"]["post"]
        assert set(post["responses"]["422"]["content"]) == {"application/problem+json"}
        assert post["security"] == [{"bearer": []}]
        assert post["summary"] and post["description"] == "Report a new occurrence."


# The read operations, read from the OpenAPI document itself: a new read endpoint
# is covered by the tests below without anyone listing it here.
READS = [
    path
    for path, operations in API_DOCUMENT["paths"].items()
    if path.startswith("/v1/") and "get" in operations
]
# Values for the reads' required query parameters: a new one needs an entry here.
REQUIRED_QUERY = {"since": "2014-05-19T00:00:00Z"}


@pytest.fixture(scope="module")
def locked(newsline: Newsline) -> Iterator[TestClient]:
    """The API with reads that need a token."""
    locked = replace(newsline, settings=newsline.settings.model_copy(update={"reads_require_auth": True}))
    with TestClient(create_app(newsline=locked), raise_server_exceptions=False) as client:
        yield client


@pytest.fixture(scope="module")
def existing(client: TestClient) -> dict[str, str]:
    """Values for every path parameter of the reads, each naming something that exists."""
    slug = f"locked-{uuid4().hex[:8]}"
    story = client.post("/v1/stories", json={"slug": slug, "title": "Locked"}, headers=EDITOR)
    assert story.status_code == 201, story.text
    occurrence = report(client, stories=[slug], places=["Kramatorsk"])
    return {"occurrence_id": occurrence["id"], "slug": slug, "entity_id": "kramatorsk"}


def concrete_read(path: str, values: dict[str, str]) -> tuple[str, dict[str, str]]:
    """The read's path with its parameters filled in (a KeyError names a new one), and its required query."""
    parameters = API_DOCUMENT["paths"][path]["get"].get("parameters", [])
    query = {p["name"]: REQUIRED_QUERY[p["name"]] for p in parameters if p["in"] == "query" and p["required"]}
    return path.format(**values), query


def is_event_stream(path: str) -> bool:
    return "text/event-stream" in API_DOCUMENT["paths"][path]["get"]["responses"]["200"]["content"]


def test_the_document_lists_every_known_read() -> None:
    assert {
        "/v1/timeline",
        "/v1/kinds",
        "/v1/events",
        "/v1/events/stream",
        "/v1/stories",
        "/v1/entities",
        "/v1/occurrences/{occurrence_id}/history",
    } <= set(READS)


@pytest.mark.parametrize("path", READS)
def test_reads_can_require_a_token(locked: TestClient, existing: dict[str, str], path: str) -> None:
    url, query = concrete_read(path, existing)
    if is_event_stream(path):
        # Never read a stream's body: one that is not refused does not end.
        with locked.stream("GET", url, params=query) as refused:
            assert refused.status_code == 401
            refused.read()
            assert_problem(refused, 401)
            assert refused.headers["www-authenticate"].startswith("Bearer")
        with locked.stream("GET", url, params=query, headers=READER) as answer:
            assert answer.status_code == 200
            assert answer.headers["content-type"].startswith("text/event-stream")
        return
    refused = locked.get(url, params=query)
    assert_problem(refused, 401)
    assert refused.headers["www-authenticate"].startswith("Bearer")
    # The same read with a token answers: what the 401 refused was the request, not its parameters.
    answer = locked.get(url, params=query, headers=READER)
    assert answer.status_code == 200, answer.text


def test_reads_that_require_a_token_refuse_a_wrong_one_and_leave_health_open(locked: TestClient) -> None:
    assert_problem(locked.get("/v1/timeline", headers={"Authorization": "Bearer wrong-token"}), 401)
    assert locked.get("/healthz").status_code == 200


def test_clearing_optional_fields_keeps_the_views_healthy(client: TestClient) -> None:
    occurrence = report(client, summary="s")
    patch = {
        "summary": None,
        "actors": None,
        "places": None,
        "figures": None,
        "stories": None,
        "reason": "clear",
    }
    answer = client.patch(f"/v1/occurrences/{occurrence['id']}", json=patch, headers=EDITOR)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["summary"], body["actors"], body["places"], body["figures"], body["stories"]) == (
        None,
        [],
        [],
        {},
        [],
    )
    assert client.get("/readyz").status_code == 200


def test_method_not_allowed_lists_every_allowed_method(client: TestClient) -> None:
    answer = client.request("DELETE", f"/v1/occurrences/{uuid4()}")
    assert_problem(answer, 405)
    assert answer.headers["allow"] == "GET, HEAD, PATCH"


def test_empty_optional_parameters_mean_absent(client: TestClient) -> None:
    answer = client.get("/v1/timeline", params={"as_of": "", "recorded_as_of": "", "from": "", "cursor": ""})
    assert answer.status_code == 200
