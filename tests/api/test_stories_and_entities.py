"""Stories, their timelines and changes; entities; readiness; seeds."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

from fastapi.testclient import TestClient

from entrypoints import seeding
from newsline.bootstrap import Newsline
from tests.api.test_occurrences import assert_problem, report
from tests.conftest import EDITOR


def new_story(client: TestClient) -> str:
    slug = f"story-{uuid4().hex[:8]}"
    answer = client.post(
        "/v1/stories", json={"slug": slug, "title": "A story", "description": "d"}, headers=EDITOR
    )
    assert answer.status_code == 201, answer.text
    assert answer.headers["location"] == f"/v1/stories/{slug}"
    return slug


class TestStories:
    def test_create_read_and_list(self, client: TestClient) -> None:
        slug = new_story(client)
        assert client.get(f"/v1/stories/{slug}").json()["title"] == "A story"
        slugs = [s["slug"] for s in client.get("/v1/stories", params={"limit": 1000}).json()["items"]]
        assert slug in slugs

    def test_taken_slug_is_409_and_bad_slug_422(self, client: TestClient) -> None:
        slug = new_story(client)
        assert_problem(client.post("/v1/stories", json={"slug": slug, "title": "x"}, headers=EDITOR), 409)
        assert_problem(
            client.post("/v1/stories", json={"slug": "Bad Slug", "title": "x"}, headers=EDITOR), 422
        )

    def test_unknown_story_is_404(self, client: TestClient) -> None:
        assert_problem(client.get("/v1/stories/nope-nope"), 404)
        assert_problem(client.get("/v1/stories/nope-nope/timeline"), 404)

    def test_timeline_as_of_and_include_retracted(self, client: TestClient) -> None:
        slug = new_story(client)
        early = report(client, stories=[slug], occurred="2014-05-01")
        late = report(client, stories=[slug], occurred="2014-04", reported_at="2014-05-21T00:00:00Z")
        client.post(f"/v1/occurrences/{early['id']}/retraction", json={"reason": "wrong"}, headers=EDITOR)
        path = f"/v1/stories/{slug}/timeline"
        assert [i["id"] for i in client.get(path).json()["items"]] == [late["id"]]
        with_retracted = client.get(path, params={"include_retracted": "true"}).json()["items"]
        assert [i["id"] for i in with_retracted] == [late["id"], early["id"]]
        as_of = client.get(path, params={"as_of": "2014-05-20"}).json()["items"]
        assert [i["id"] for i in as_of] == [early["id"]]

    def test_changes_between_two_report_times(self, client: TestClient) -> None:
        slug = new_story(client)
        kept = report(client, stories=[slug])
        dropped = report(client, stories=[slug])
        client.patch(
            f"/v1/occurrences/{kept['id']}",
            json={"figures": {"killed": 2}, "reason": "toll", "reported_at": "2014-05-20T09:00:00Z"},
            headers=EDITOR,
        )
        client.post(
            f"/v1/occurrences/{dropped['id']}/retraction",
            json={"reason": "wrong", "reported_at": "2014-05-20T10:00:00Z"},
            headers=EDITOR,
        )
        added = report(client, stories=[slug], reported_at="2014-05-20T11:00:00Z")
        changes = client.get(
            f"/v1/stories/{slug}/changes", params={"since": "2014-05-19T12:00Z", "until": "2014-05-20T12:00Z"}
        ).json()
        assert [a["id"] for a in changes["added"]] == [added["id"]]
        assert changes["changed"] == [
            {"id": kept["id"], "changes": [{"field": "figures.killed", "old": 1, "new": 2}]}
        ]
        assert [r["id"] for r in changes["retracted"]] == [dropped["id"]]
        assert changes["retracted"][0]["retraction"] == {
            "reason": "wrong",
            "reported_at": "2014-05-20T10:00:00Z",
        }

    def test_changes_need_since(self, client: TestClient) -> None:
        slug = new_story(client)
        assert_problem(client.get(f"/v1/stories/{slug}/changes"), 422)


class TestEntities:
    def test_named_actors_and_places_become_entities_with_timelines(self, client: TestClient) -> None:
        name = f"Zed {uuid4().hex[:6]}"
        occurrence = report(client, actors=[{"name": name, "role": "agent"}], places=["Slaviansk"])
        entity_id = name.lower().replace(" ", "-")
        entities = client.get("/v1/entities", params={"q": name}).json()["items"]
        assert entities == [{"id": entity_id, "name": name, "types": ["actor"], "occurrences": 1}]
        timeline = client.get(f"/v1/entities/{entity_id}/timeline").json()["items"]
        assert [i["id"] for i in timeline] == [occurrence["id"]]
        assert client.get("/v1/entities/slaviansk/timeline").json()["items"]

    def test_unknown_entity_is_404(self, client: TestClient) -> None:
        assert_problem(client.get("/v1/entities/nobody-at-all/timeline"), 404)


class TestOperations:
    def test_health_and_readiness(self, client: TestClient) -> None:
        assert client.get("/healthz").json() == {"status": "ok"}
        ready = client.get("/readyz")
        assert ready.status_code == 200 and ready.json()["status"] == "ready"


class TestSeeds:
    def test_seed_loads_the_article_and_is_idempotent(self, newsline: Newsline, client: TestClient) -> None:
        first = seeding.load(newsline.app)
        assert newsline.wait_for_views(first.last_position, timeout=30)
        assert first.occurrences_created >= 20 and first.stories_created >= 2
        head = newsline.head()
        second = seeding.load(newsline.app)
        assert second.occurrences_created == second.stories_created == 0
        assert newsline.head() == head
        items: list[dict[str, Any]] = client.get(
            "/v1/stories/russian-troops-ukraine-border/timeline", params={"limit": 1000}
        ).json()["items"]
        orders = [i for i in items if i["kind"] == "order_issued"]
        assert orders and orders[0]["occurred"]["edtf"] == "2014-05-19"
        assert any(i["status"] == "disputed" for i in items)
