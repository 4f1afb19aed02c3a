"""Input limits: oversized, malformed or out-of-range input is a clear problem+json
answer that writes nothing, never a 500."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from newsline.bootstrap import Newsline
from tests.api.test_occurrences import assert_problem, report
from tests.conftest import EDITOR
from tests.unit.test_service import fields

JSON = {**EDITOR, "Content-Type": "application/json"}


def nested(depth: int) -> Any:
    return json.loads("[" * depth + "]" * depth)


def refused_without_writing(
    client: TestClient, newsline: Newsline, status: int, method: str, path: str, **request: Any
) -> dict[str, Any]:
    head = newsline.head()
    body = assert_problem(client.request(method, path, **request), status)
    assert newsline.head() == head
    return body


class TestBody:
    def test_a_body_over_the_limit_is_413(self, client: TestClient, newsline: Newsline) -> None:
        huge = {**fields(), "summary": "x" * 2_000_000}
        refused_without_writing(client, newsline, 413, "POST", "/v1/occurrences", json=huge, headers=EDITOR)

    def test_an_understated_streamed_body_is_still_413(self, client: TestClient, newsline: Newsline) -> None:
        def chunks() -> Iterator[bytes]:  # no Content-Length: sent chunked
            yield b'{"summary": "'
            for _ in range(20):
                yield b"x" * 100_000
            yield b'"}'

        refused_without_writing(
            client, newsline, 413, "POST", "/v1/occurrences", content=chunks(), headers=JSON
        )

    def test_invalid_utf8_is_400_naming_the_cause(self, client: TestClient, newsline: Newsline) -> None:
        body = b'{"kind": "attack", "title": "\\xff\\xfe"}'.replace(b"\\xff\\xfe", b"\xff\xfe")
        problem = refused_without_writing(
            client, newsline, 400, "POST", "/v1/occurrences", content=body, headers=JSON
        )
        assert "UTF-8" in problem["detail"]

    def test_json_nested_past_the_parser_is_400(self, client: TestClient, newsline: Newsline) -> None:
        body = "[" * 100_000 + "]" * 100_000
        problem = refused_without_writing(
            client, newsline, 400, "POST", "/v1/occurrences", content=body, headers=JSON
        )
        assert "nested" in problem["detail"]

    @pytest.mark.parametrize("field", ["summary", "figures", "actors", "unknown"])
    def test_parsable_deep_nesting_is_422(self, client: TestClient, newsline: Newsline, field: str) -> None:
        body = {**fields(), field: nested(900)}
        refused_without_writing(client, newsline, 422, "POST", "/v1/occurrences", json=body, headers=EDITOR)

    def test_nested_figures_are_422(self, client: TestClient, newsline: Newsline) -> None:
        body = {**fields(), "figures": {"killed": {"soldiers": 1}}}
        problem = refused_without_writing(
            client, newsline, 422, "POST", "/v1/occurrences", json=body, headers=EDITOR
        )
        assert problem["errors"][0]["field"] == "figures.killed"


class TestNumbers:
    @pytest.mark.parametrize("value", ["1e400", "-1", "1e16", "-0.5", "true", '"3"'])
    def test_figures_out_of_range_are_422(self, client: TestClient, newsline: Newsline, value: str) -> None:
        text = json.dumps({**fields(), "figures": {"killed": 0}}).replace('"killed": 0', f'"killed": {value}')
        problem = refused_without_writing(
            client, newsline, 422, "POST", "/v1/occurrences", content=text, headers=JSON
        )
        assert problem["errors"][0]["field"] == "figures.killed"

    def test_a_number_with_thousands_of_digits_is_400(self, client: TestClient, newsline: Newsline) -> None:
        text = json.dumps({**fields(), "figures": {"killed": 0}}).replace(
            '"killed": 0', '"killed": ' + "9" * 5000
        )
        problem = refused_without_writing(
            client, newsline, 400, "POST", "/v1/occurrences", content=text, headers=JSON
        )
        assert "digits" in problem["detail"]

    @pytest.mark.parametrize(
        ("path", "params"),
        [
            ("/v1/timeline", {"limit": "0"}),
            ("/v1/timeline", {"limit": "-1"}),
            ("/v1/timeline", {"limit": "1001"}),
            ("/v1/timeline", {"limit": "9" * 40}),
            ("/v1/stories", {"limit": "-5"}),
            ("/v1/events", {"after": "-1"}),
            ("/v1/events", {"after": "9" * 40}),
            ("/v1/events", {"limit": "100000"}),
        ],
    )
    def test_paging_numbers_out_of_range_are_422(
        self, client: TestClient, path: str, params: dict[str, str]
    ) -> None:
        problem = assert_problem(client.get(path, params=params), 422)
        assert problem["errors"][0]["field"] in params

    def test_if_match_with_a_huge_version_is_412(self, client: TestClient, newsline: Newsline) -> None:
        occurrence = report(client)
        headers = {**EDITOR, "If-Match": '"' + "9" * 40 + '"'}
        refused_without_writing(
            client,
            newsline,
            412,
            "PATCH",
            f"/v1/occurrences/{occurrence['id']}",
            json={"title": "t", "reason": "r"},
            headers=headers,
        )


class TestLengths:
    @pytest.mark.parametrize(
        ("change", "field"),
        [
            ({"title": "t" * 301}, "title"),
            ({"summary": "s" * 5001}, "summary"),
            ({"places": ["Kyiv"] * 101}, "places"),
            ({"actors": [{"name": "a"}] * 101}, "actors"),
            ({"figures": {f"f{n}": n for n in range(101)}}, "figures"),
            ({"figures": {"k" * 101: 1}}, "figures"),
            ({"stories": ["s"] * 51}, "stories"),
            ({"occurred": "2014-05-19" * 11}, "occurred"),
            ({"source": {"name": "n" * 301}}, "source.name"),
        ],
    )
    def test_too_long_is_422_naming_the_field(
        self, client: TestClient, newsline: Newsline, change: dict[str, Any], field: str
    ) -> None:
        body = {**fields(), **change}
        problem = refused_without_writing(
            client, newsline, 422, "POST", "/v1/occurrences", json=body, headers=EDITOR
        )
        assert problem["errors"][0]["field"].startswith(field)

    def test_a_too_long_reason_or_key_is_refused(self, client: TestClient, newsline: Newsline) -> None:
        occurrence = report(client)
        path = f"/v1/occurrences/{occurrence['id']}"
        refused_without_writing(
            client, newsline, 422, "PATCH", path, json={"title": "t", "reason": "r" * 2001}, headers=EDITOR
        )
        long_key = {**EDITOR, "Idempotency-Key": "k" * 201}
        refused_without_writing(
            client, newsline, 422, "POST", "/v1/occurrences", json=fields(), headers=long_key
        )

    @pytest.mark.parametrize("params", [{"q": "q" * 501}, {"cursor": "c" * 5000}])
    def test_too_long_parameters_are_422(self, client: TestClient, params: dict[str, str]) -> None:
        assert_problem(client.get("/v1/occurrences", params=params), 422)


class TestTimestamps:
    @pytest.mark.parametrize(
        "value",
        [
            "0001-01-01T00:00:00+05:00",  # before year 1 in UTC
            "9999-12-31T23:00:00-14:00",  # after year 9999 in UTC
            "10000-01-01",
            "2014-13-40",
        ],
    )
    @pytest.mark.parametrize("name", ["as_of", "recorded_as_of", "from", "to"])
    def test_instants_out_of_range_are_422(self, client: TestClient, name: str, value: str) -> None:
        problem = assert_problem(client.get("/v1/timeline", params={name: value}), 422)
        assert problem["errors"][0]["field"] == name

    @pytest.mark.parametrize(
        "value", ["0001-01-01T00:00:00+05:00", "9999-12-31T23:00:00-14:00", "2999-01-01T00:00:00Z"]
    )
    def test_reported_at_out_of_range_or_in_the_future_is_422(
        self, client: TestClient, newsline: Newsline, value: str
    ) -> None:
        body = {**fields(), "reported_at": value}
        problem = refused_without_writing(
            client, newsline, 422, "POST", "/v1/occurrences", json=body, headers=EDITOR
        )
        assert problem["errors"][0]["field"] == "reported_at"

    @pytest.mark.parametrize(
        "value",
        ["9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00+05:00", "0000", "Y-170000000", "Y170000000"],
    )
    def test_occurred_out_of_range_is_422(self, client: TestClient, newsline: Newsline, value: str) -> None:
        body = {**fields(), "occurred": value}
        problem = refused_without_writing(
            client, newsline, 422, "POST", "/v1/occurrences", json=body, headers=EDITOR
        )
        assert problem["errors"][0]["field"] == "occurred"

    def test_the_widest_storable_instants_are_answered(self, client: TestClient) -> None:
        for value in ("0001-01-01T00:00:00Z", "9999-12-31", "9999-12-31T23:59:59.999999Z"):
            assert client.get("/v1/timeline", params={"as_of": value}).status_code == 200
