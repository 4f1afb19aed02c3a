"""`Newsline-Position` on one database: a write names its own position, a read one its
views had reached, and a read asking for a position gets an answer that holds it."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from newsline.settings import Settings
from tests.conftest import EDITOR
from tests.unit.test_service import fields

pytestmark = pytest.mark.postgres

HEADER = "Newsline-Position"


def report(client: TestClient, title: str) -> tuple[str, int]:
    answer = client.post("/v1/occurrences", json=fields(title=title), headers=EDITOR)
    assert answer.status_code == 201, answer.text
    return answer.json()["id"], int(answer.headers[HEADER])


def test_a_write_names_the_log_position_of_its_event(client: TestClient) -> None:
    occurrence_id, position = report(client, "Position of a report")
    logged = client.get("/v1/events", params={"after": position - 1, "limit": 1}).json()["items"]
    assert logged[0]["position"] == position
    assert logged[0]["occurrence_id"] == occurrence_id
    amended = client.patch(
        f"/v1/occurrences/{occurrence_id}", json={"title": "Amended", "reason": "test"}, headers=EDITOR
    )
    assert int(amended.headers[HEADER]) > position


def test_a_read_names_a_position_its_views_had_reached(client: TestClient) -> None:
    occurrence_id, position = report(client, "Read after write")
    answer = client.get(f"/v1/occurrences/{occurrence_id}")
    assert answer.status_code == 200
    # The views answering hold the write, and say so.
    assert position <= int(answer.headers[HEADER]) <= int(client.get("/readyz").json()["head"])


def test_a_read_asking_for_a_written_position_sees_the_write(client: TestClient) -> None:
    occurrence_id, position = report(client, "Asked for by position")
    answer = client.get(f"/v1/occurrences/{occurrence_id}", headers={HEADER: str(position)})
    assert answer.status_code == 200
    assert answer.json()["title"] == "Asked for by position"
    assert int(answer.headers[HEADER]) >= position


def test_every_answer_names_a_position(client: TestClient) -> None:
    report(client, "Something to be at")
    for path in ("/v1/kinds", "/v1/stories", "/healthz", "/v1/occurrences/not-a-uuid"):
        assert int(client.get(path).headers[HEADER]) > 0, path


@pytest.mark.parametrize(
    "value",
    [
        "abc",
        "-1",
        "1.5",
        "0x10",
        "1e3",
        "",
        "99999999999999999999",
        "9223372036854775808",
        "\uff11\uff12".encode(),
    ],
)
def test_a_malformed_position_is_400_and_changes_nothing(client: TestClient, value: str | bytes) -> None:
    for method, path, body in (
        ("GET", "/v1/timeline", None),
        ("GET", "/v1/stories/no-such-story/timeline", None),
        ("POST", "/v1/occurrences", fields(title="Never written")),
    ):
        headers: list[tuple[str, str | bytes]] = [*EDITOR.items(), (HEADER, value)]
        answer = client.request(method, path, json=body, headers=headers)
        assert answer.status_code == 400, (method, path, answer.text)
        assert answer.headers["content-type"] == "application/problem+json"
        assert HEADER in answer.json()["detail"]
    titles = [item["title"] for item in client.get("/v1/timeline", params={"limit": 1000}).json()["items"]]
    assert "Never written" not in titles


def test_a_position_given_twice_is_400(client: TestClient) -> None:
    answer = client.get("/v1/timeline", headers=[(HEADER, "1"), (HEADER, "2")])
    assert answer.status_code == 400
    assert "more than once" in answer.json()["detail"]


def test_a_position_beyond_the_log_is_422(client: TestClient) -> None:
    head = int(client.get("/readyz").json()["head"])
    answer = client.get("/v1/timeline", headers={HEADER: str(head + 1000)})
    assert answer.status_code == 422
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["errors"][0]["field"] == HEADER


def test_standby_urls_are_checked_without_echoing_them() -> None:
    with pytest.raises(ValueError, match="PostgreSQL URL") as refused:
        Settings(
            database_url="postgresql://unused", read_database_urls="postgresql://u:s3cret@h/db,not a url"
        )
    assert "s3cret" not in str(refused.value)
    settings = Settings(
        database_url="postgresql://unused", read_database_urls=" postgresql://a/n , postgresql://b/n "
    )
    assert settings.standby_urls() == ["postgresql://a/n", "postgresql://b/n"]
    assert "postgresql://a" not in repr(settings)
