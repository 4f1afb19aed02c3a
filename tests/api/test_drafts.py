"""POST /v1/drafts over HTTP against the real database: SPEC §6."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from entrypoints.drafting import draft_lines
from entrypoints.importing import import_file
from newsline.bootstrap import Newsline
from tests.api.test_occurrences import assert_problem, report
from tests.conftest import EDITOR, READER

SEEDS = Path(__file__).resolve().parents[2] / "seeds"
SEED_ARTICLE = (SEEDS / "2014-05-19-putin-orders-troops-back.txt").read_text()


def unique_word() -> str:
    return "Zar" + secrets.token_hex(4).translate(str.maketrans("0123456789", "ghijklmnop"))


def drafts(client: TestClient, **body: Any) -> list[dict[str, Any]]:
    answer = client.post("/v1/drafts", json={"published_at": "2014-05-19T12:00:00Z", **body}, headers=EDITOR)
    assert answer.status_code == 200, answer.text
    return list(answer.json()["items"])


class TestDrafts:
    def test_every_draft_of_the_seed_is_accepted_as_it_is(self, client: TestClient) -> None:
        items = drafts(client, text=SEED_ARTICLE, stories=[], source={"name": "BBC News"})
        assert len(items) >= 30
        for item in items:
            evidence = item["evidence"]
            assert SEED_ARTICLE[evidence["start"] : evidence["end"]] == evidence["text"]
            answer = client.post("/v1/occurrences", json=item["occurrence"], headers=EDITOR)
            assert answer.status_code == 201, (item, answer.text)
            assert answer.json()["reported_at"] == "2014-05-19T12:00:00Z"

    def test_the_shape_of_a_draft(self, client: TestClient) -> None:
        text = (
            "Mr Putin ordered military forces to return to their permanent bases this morning, "
            'the Kremlin said. "We have not seen any withdrawal," NATO said.'
        )
        order, denial = drafts(client, text=text)
        assert order["occurrence"]["kind"] == "order_issued"
        assert order["occurrence"]["occurred"] == "2014-05-19"
        assert order["occurrence"]["source"]["name"] == "Kremlin"
        assert order["time"] == {"text": "this morning", "edtf": "2014-05-19"}
        assert 0 <= order["confidence"] <= 1
        assert denial["occurrence"]["kind"] == "denial"
        assert denial["occurrence"]["source"]["quote"] == "We have not seen any withdrawal"
        assert denial["relations"] == [{"type": "disputes", "draft": 0}]

    def test_writes_nothing(self, client: TestClient) -> None:
        word = unique_word()
        drafts(client, text=f"Rebels shelled a checkpoint near {word} today, the ministry said.")
        found = client.get("/v1/occurrences", params={"q": word}).json()["items"]
        assert found == []
        assert client.get("/v1/entities", params={"q": word}).json()["items"] == []

    def test_names_entities_the_store_knows_by_their_full_name(self, client: TestClient) -> None:
        surname = unique_word()
        report(client, actors=[{"name": f"Taras {surname}", "role": "agent"}])
        items = drafts(client, text=f"Mr {surname} ordered the troops to withdraw from the border today.")
        assert {"name": f"Taras {surname}", "role": "agent"} in items[0]["occurrence"]["actors"]

    def test_stories_and_source_are_carried_into_every_draft(self, client: TestClient) -> None:
        (item,) = drafts(
            client,
            text="Police arrested seven people after clashes yesterday.",
            stories=["eastern-ukraine-fighting"],
            source={"name": "Wire", "article_url": "https://example.com/a"},
        )
        occurrence = item["occurrence"]
        assert occurrence["stories"] == ["eastern-ukraine-fighting"]
        given = {k: v for k, v in occurrence["source"].items() if v is not None}
        assert given == {"name": "Wire", "article_url": "https://example.com/a"}
        assert occurrence["figures"] == {"arrested": 7}
        assert occurrence["occurred"] == "2014-05-18"

    def test_needs_an_editor(self, client: TestClient) -> None:
        body = {"text": "Rebels shelled a checkpoint today.", "published_at": "2014-05-19T12:00:00Z"}
        assert_problem(client.post("/v1/drafts", json=body), 401)
        assert_problem(client.post("/v1/drafts", json=body, headers=READER), 403)

    def test_bad_input_is_422(self, client: TestClient) -> None:
        assert_problem(client.post("/v1/drafts", json={"text": "x"}, headers=EDITOR), 422)
        too_long = {"text": "a" * 100_001, "published_at": "2014-05-19T12:00:00Z"}
        assert_problem(client.post("/v1/drafts", json=too_long, headers=EDITOR), 422)
        unstorable = {"text": "a\u0000b", "published_at": "2014-05-19T12:00:00Z"}
        assert_problem(client.post("/v1/drafts", json=unstorable, headers=EDITOR), 422)
        no_text = {"text": "", "published_at": "2014-05-19T12:00:00Z"}
        assert_problem(client.post("/v1/drafts", json=no_text, headers=EDITOR), 422)

    def test_an_article_with_nothing_to_draft_gives_no_drafts(self, client: TestClient) -> None:
        assert drafts(client, text="It was a quiet day.") == []


class TestDraftLines:
    def test_the_lines_import_with_their_relations(self, newsline: Newsline, tmp_path: Path) -> None:
        word = unique_word()
        text = (
            f"Mr {word} said on 7 May that forces had been withdrawn from the frontier, "
            "but NATO said there were no signs of a withdrawal."
        )
        lines = list(draft_lines(text, datetime(2014, 5, 19, 12, tzinfo=UTC), "Wire", []))
        path = tmp_path / "drafts.ndjson"
        path.write_text("".join(lines))
        imported = import_file(newsline.app, path)
        assert imported.errors == []
        assert imported.written == 3  # two reports and the relation between them
        again = import_file(newsline.app, path)
        assert again.errors == [] and again.written == 0
