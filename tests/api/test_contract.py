"""The request contract: what a body and a query string must be, said clearly when
they are not, and stated in the OpenAPI document exactly as the server enforces it."""

from __future__ import annotations

import json
import re
from http import HTTPStatus
from typing import Any
from uuid import uuid4

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from api.deps import declared_query_parameters
from api.params import INSTANT_PATTERN, KIND_LIST_PATTERN, OPTIONAL_INSTANT_PATTERN
from api.routes import stories
from api.routes.stories import PLAIN_TIMELINE_PARAMETERS
from api.schemas.text_rules import STORABLE_TEXT_PATTERN
from newsline.bootstrap import Newsline
from tests.api.test_limits import refused_without_writing
from tests.api.test_occurrences import assert_problem, report
from tests.conftest import EDITOR
from tests.helpers import API_DOCUMENT
from tests.unit.test_service import fields

pytestmark = pytest.mark.postgres


class TestBodies:
    def test_malformed_json_is_400_saying_where_it_broke(
        self, client: TestClient, newsline: Newsline
    ) -> None:
        body = '{"kind": "protest", "title": "x",}'
        headers = {**EDITOR, "Content-Type": "application/json"}
        problem = refused_without_writing(
            client, newsline, 400, "POST", "/v1/occurrences", content=body, headers=headers
        )
        # Columns count from 1, as Python's json does: the `}` at offset 33 is column 34.
        assert problem["detail"] == (
            "the body is not valid JSON: "
            "expecting property name enclosed in double quotes at line 1, column 34"
        )
        assert "errors" not in problem

    def test_malformed_json_names_the_line(self, client: TestClient, newsline: Newsline) -> None:
        body = '{\n  "kind": "protest",\n  "title": x\n}'
        headers = {**EDITOR, "Content-Type": "application/json"}
        problem = refused_without_writing(
            client, newsline, 400, "POST", "/v1/occurrences", content=body, headers=headers
        )
        assert problem["detail"].endswith("expecting value at line 3, column 12")

    @pytest.mark.parametrize(
        ("content_type", "sent"),
        [(None, "no Content-Type header"), ("text/plain", "'Content-Type: text/plain'")],
    )
    def test_a_body_not_sent_as_json_is_415_naming_the_header(
        self, client: TestClient, newsline: Newsline, content_type: str | None, sent: str
    ) -> None:
        headers = {**EDITOR, **({"Content-Type": content_type} if content_type else {})}
        problem = refused_without_writing(
            client, newsline, 415, "POST", "/v1/occurrences", content=json.dumps(fields()), headers=headers
        )
        assert "'Content-Type: application/json'" in problem["detail"] and sent in problem["detail"]

    def test_a_patch_not_sent_as_json_names_merge_patch_too(
        self, client: TestClient, newsline: Newsline
    ) -> None:
        occurrence = report(client)
        problem = refused_without_writing(
            client,
            newsline,
            415,
            "PATCH",
            f"/v1/occurrences/{occurrence['id']}",
            content='{"title": "t", "reason": "r"}',
            headers={**EDITOR, "Content-Type": "text/plain"},
        )
        assert "application/merge-patch+json" in problem["detail"]


class TestUnknownQueryParameters:
    def test_the_story_timelines_fast_answer_reads_every_parameter_the_route_declares(self) -> None:
        [route] = [
            r
            for r in stories.router.routes
            if isinstance(r, APIRoute) and r.path == "/v1/stories/{slug}/timeline"
        ]
        assert set(declared_query_parameters(route)) == PLAIN_TIMELINE_PARAMETERS

    def test_a_misspelt_parameter_is_422_naming_it_and_what_the_endpoint_takes(
        self, client: TestClient
    ) -> None:
        slug = f"s-{uuid4().hex[:8]}"
        assert (
            client.post("/v1/stories", json={"slug": slug, "title": "S"}, headers=EDITOR).status_code == 201
        )
        problem = assert_problem(
            client.get(f"/v1/stories/{slug}/timeline", params={"asof": "2014-05-19"}), 422
        )
        [error] = problem["errors"]
        assert error["field"] == "asof"
        assert "did you mean 'as_of'?" in error["message"]
        taken = error["message"].partition("it takes ")[2].split(", ")
        assert {"as_of", "recorded_as_of", "from", "to", "kind", "limit", "cursor", "format"} <= set(taken)

    def test_a_single_valued_parameter_given_twice_is_422_and_a_list_one_is_not(
        self, client: TestClient
    ) -> None:
        problem = assert_problem(client.get("/v1/entities", params=[("limit", "1"), ("limit", "5")]), 422)
        assert problem["errors"] == [{"field": "limit", "message": "is given more than once; give it once"}]
        both = client.get("/v1/timeline", params=[("kind", "attack"), ("kind", "denial")])
        assert both.status_code == 200, both.text

    @pytest.mark.parametrize(
        ("method", "path"),
        [(m.upper(), p) for p, operations in API_DOCUMENT["paths"].items() for m in operations],
    )
    def test_every_operation_refuses_an_unknown_parameter(
        self, client: TestClient, newsline: Newsline, method: str, path: str
    ) -> None:
        url = path.format(occurrence_id=uuid4(), slug="any-story", entity_id="anyone")
        if path == "/v1/events/stream":  # a stream that is not refused never ends: never read one
            with client.stream(method, url, params={"no_such_parameter": "1"}) as answer:
                assert answer.status_code == 422
                answer.read()
            return
        problem = refused_without_writing(
            client, newsline, 422, method, url, params={"no_such_parameter": "1"}, headers=EDITOR
        )
        assert problem["errors"][0]["field"] == "no_such_parameter"

    def test_unknown_headers_stay_ignored(self, client: TestClient) -> None:
        assert client.get("/v1/timeline", headers={"X-Anything": "1"}).status_code == 200

    def test_the_explorer_page_reads_its_own_query(self, client: TestClient) -> None:
        assert client.get("/", params={"story": "any"}).status_code == 200


def test_since_with_a_bare_date_counts_that_whole_day(client: TestClient) -> None:
    slug = f"s-{uuid4().hex[:8]}"
    assert client.post("/v1/stories", json={"slug": slug, "title": "S"}, headers=EDITOR).status_code == 201
    at_midnight = report(client, stories=[slug], reported_at="2025-03-13T00:00:00Z")
    in_the_day = report(client, stories=[slug], reported_at="2025-03-13T15:00:00Z")
    changes = client.get(f"/v1/stories/{slug}/changes", params={"since": "2025-03-13"}).json()
    assert {entry["id"] for entry in changes["added"]} == {at_midnight["id"], in_the_day["id"]}
    # `until` keeps the end of its day.
    changes = client.get(
        f"/v1/stories/{slug}/changes", params={"since": "2025-03-12", "until": "2025-03-13"}
    ).json()
    assert {entry["id"] for entry in changes["added"]} == {at_midnight["id"], in_the_day["id"]}


def test_problems_are_about_blank_titled_by_their_status(client: TestClient) -> None:
    for answer in (client.get(f"/v1/occurrences/{uuid4()}"), client.get("/v1/timeline?limit=0")):
        problem = assert_problem(answer, answer.status_code)
        assert problem["type"] == "about:blank"
        assert problem["title"] in (HTTPStatus(answer.status_code).phrase, "Unprocessable Content")


# Instants: the document's pattern and the server agree on each of these.
INSTANTS = {
    "2014-05-19": True,
    "2016-02-29": True,
    "2000-02-29T10:00Z": True,
    "2014-05-19T10:00": True,
    "2014-05-19T10:00:30.123456+02:00": True,
    "2014-05-19T10:00:30.5z": True,
    "0001-01-01": True,
    "2014-02-30": False,
    "2015-02-29": False,
    "1900-02-29": False,
    "0000-01-01": False,
    "2014-05-19T24:00": False,
    "2014-05-19T10": False,
    " 2014-05-19": False,
    "2014-05-19\n": False,
    "19 May 2014": False,
    "\uff12\uff10\uff11\uff14-05-19": False,  # fullwidth digits
}
TIME_PARAMETERS = {
    "/v1/timeline": ["as_of", "recorded_as_of", "from", "to"],
    "/v1/occurrences/{occurrence_id}/history": ["recorded_as_of"],
    "/v1/stories/{slug}/changes": ["since", "until", "recorded_as_of"],
}


def parameter(path: str, name: str) -> dict[str, Any]:
    [found] = [p for p in API_DOCUMENT["paths"][path]["get"]["parameters"] if p["name"] == name]
    return dict(found)


@pytest.mark.parametrize(("path", "name"), [(p, n) for p, names in TIME_PARAMETERS.items() for n in names])
def test_time_parameters_state_their_pattern(path: str, name: str) -> None:
    schema = parameter(path, name)["schema"]
    assert schema["type"] == "string"
    assert schema["pattern"] == (INSTANT_PATTERN if name == "since" else OPTIONAL_INSTANT_PATTERN)


@pytest.mark.parametrize(("text", "accepted"), INSTANTS.items())
def test_the_server_accepts_exactly_the_instants_the_pattern_does(
    client: TestClient, text: str, accepted: bool
) -> None:
    assert bool(re.fullmatch(INSTANT_PATTERN, text)) is accepted
    answer = client.get("/v1/timeline", params={"as_of": text})
    assert answer.status_code == (200 if accepted else 422), answer.text


@pytest.mark.parametrize(
    ("kinds", "accepted"),
    [
        ("attack", True),
        ("attack,protest", True),
        ("", True),
        ("attack, protest", False),
        ("attack,", False),
        ("Attack", False),
        ("attack_", False),
    ],
)
def test_kind_filters_state_their_pattern(client: TestClient, kinds: str, accepted: bool) -> None:
    items = parameter("/v1/timeline", "kind")["schema"]["items"]
    assert items["pattern"] == KIND_LIST_PATTERN
    assert bool(re.fullmatch(KIND_LIST_PATTERN, kinds)) is accepted
    assert client.get("/v1/timeline", params={"kind": kinds}).status_code == (200 if accepted else 422)


def test_a_kind_of_the_right_form_that_is_no_kind_is_refused(client: TestClient) -> None:
    # The pattern states the form; kinds are added at run time, so the server says which exist.
    assert re.fullmatch(KIND_LIST_PATTERN, "attack,nope")
    answer = client.get("/v1/timeline", params={"kind": "attack,nope"})
    assert answer.status_code == 422
    assert [error["field"] for error in answer.json()["errors"]] == ["kind"]


def test_any_cursor_of_the_stated_form_is_a_place_to_continue_from(client: TestClient) -> None:
    pattern = parameter("/v1/timeline", "cursor")["schema"]["pattern"]
    first = client.get("/v1/timeline", params={"limit": 1}).json()
    assert re.fullmatch(pattern, first["next_cursor"])
    for cursor in ("0.0." + "0" * 32, "9" * 18 + "." + "9" * 18 + "." + "f" * 32):
        assert re.fullmatch(pattern, cursor)
        assert client.get("/v1/timeline", params={"cursor": cursor}).status_code == 200
    assert_problem(client.get("/v1/timeline", params={"cursor": "garbage"}), 422)


def strings(schema: Any, found: list[dict[str, Any]], seen: set[str]) -> list[dict[str, Any]]:
    """Every string schema a request may carry, following references."""
    if isinstance(schema, list):
        for item in schema:
            strings(item, found, seen)
    elif isinstance(schema, dict):
        reference = schema.get("$ref", "")
        if reference:
            name = reference.rsplit("/", 1)[1]
            if name not in seen:
                seen.add(name)
                strings(API_DOCUMENT["components"]["schemas"][name], found, seen)
        if schema.get("type") == "string":
            found.append(schema)
        if "propertyNames" in schema:
            found.append(schema["propertyNames"])
        for value in schema.values():
            if isinstance(value, dict | list):
                strings(value, found, seen)
    return found


def test_every_string_a_request_sends_excludes_control_characters() -> None:
    found: list[dict[str, Any]] = []
    for operations in API_DOCUMENT["paths"].values():
        for operation in operations.values():
            for p in operation.get("parameters", []):
                if p["in"] in ("query", "path"):
                    strings(p["schema"], found, set())
            for media in operation.get("requestBody", {}).get("content", {}).values():
                strings(media["schema"], found, set())
    assert len(found) > 30
    for schema in found:
        rules = [schema.get("pattern"), *(part.get("pattern") for part in schema.get("allOf", []))]
        stated = any(key in schema for key in ("enum", "format", "const"))
        for pattern in filter(None, rules):
            stated = stated or not re.search(pattern, "a\x01b")
        assert stated, schema
    assert re.fullmatch(STORABLE_TEXT_PATTERN, "tab\tand\nnewline") and not re.fullmatch(
        STORABLE_TEXT_PATTERN, "bell\x07"
    )


@pytest.mark.parametrize(
    ("occurred", "accepted"),
    [
        ("2014-05-19", True),
        ("2014-05", True),
        ("2014-21", True),
        ("201X", True),
        ("2014-05-XX?", True),
        ("2014-05~/2014-06?", True),
        ("2014-05-19T10:00+05", True),
        ("2014-02-30", False),
        ("2014-21~", False),
        ("2014-05-19T10:00+00", False),
        ("2014-05-19T10:00Z/2014-05-20", False),
        (" 2014-05-19", False),
    ],
)
def test_occurred_states_the_edtf_forms_the_server_takes(
    client: TestClient, occurred: str, accepted: bool
) -> None:
    schema = API_DOCUMENT["components"]["schemas"]["OccurrenceCreate"]["properties"]["occurred"]
    assert bool(re.fullmatch(schema["pattern"], occurred)) is accepted
    answer = client.post("/v1/occurrences", json=fields(occurred=occurred), headers=EDITOR)
    assert answer.status_code == (201 if accepted else 422), answer.text


def test_a_patch_states_that_it_changes_a_field_and_removes_no_required_one() -> None:
    schema = API_DOCUMENT["components"]["schemas"]["OccurrencePatch"]
    assert {"required": ["title"]} in schema["anyOf"]
    assert all(schema["properties"][name].get("type") == "string" for name in ("kind", "title", "occurred"))


@pytest.mark.parametrize(
    ("if_match", "status"), [('"1"', 200), ('W/"1"', 200), ("1", 200), ("*", 200), ("yesterday", 400)]
)
def test_if_match_states_its_forms(client: TestClient, if_match: str, status: int) -> None:
    [header] = [
        p
        for p in API_DOCUMENT["paths"]["/v1/occurrences/{occurrence_id}"]["patch"]["parameters"]
        if p["name"] == "If-Match"
    ]
    assert bool(re.fullmatch(header["schema"]["pattern"], if_match)) is (status == 200)
    occurrence = report(client)
    answer = client.patch(
        f"/v1/occurrences/{occurrence['id']}",
        json={"title": "t", "reason": "r"},
        headers={**EDITOR, "If-Match": if_match},
    )
    assert answer.status_code == status, answer.text
