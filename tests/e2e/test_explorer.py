"""The desk in headless Chromium, against `newsline serve --seed`.

Needs Debian's `chromium` (`.ci/run` installs it); without it only these tests skip.
They take the README's screenshots into a temporary directory, so a test run
leaves the checkout as it was; `make screenshot` runs them with
NEWSLINE_SCREENSHOTS=docs to refresh the pictures.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import httpx

from tests.e2e.conftest import CHROMIUM, EDITOR, TOKEN, Server, needs_chromium
from tests.unit.test_service import fields

READER_TOKEN = "explorer-reader-token"
READER = {"Authorization": f"Bearer {READER_TOKEN}"}
ADMIN_TOKEN = "explorer-admin-token"
STORY = "russian-troops-ukraine-border"

pytestmark = needs_chromium


def screenshot_path(tmp_path: Path, name: str) -> Path:
    return Path(os.environ.get("NEWSLINE_SCREENSHOTS") or tmp_path) / name


def post(server: Server, path: str, body: dict[str, Any], **headers: str) -> dict[str, Any]:
    answer = httpx.post(f"{server.url}{path}", json=body, headers={**EDITOR, **headers}, timeout=30)
    assert answer.status_code in (200, 201), answer.text
    result: dict[str, Any] = answer.json()
    return result


def read(server: Server, path: str, **params: Any) -> Any:
    answer = httpx.get(f"{server.url}{path}", params=params, headers=READER, timeout=30)
    assert answer.status_code == 200, answer.text
    return answer.json()


def amended_occurrence(server: Server) -> str:
    """A shelling in the seeded story, reported at 08:15 and corrected at 11:00."""
    body = fields(
        stories=[STORY], reported_at="2014-05-19T08:15:00Z", title="Checkpoint shelled near Slaviansk"
    )
    identifier: str = post(server, "/v1/occurrences", body, **{"Idempotency-Key": "explorer-shelling"})["id"]
    patch = {"figures": {"killed": 2}, "reason": "toll updated", "reported_at": "2014-05-19T11:00:00Z"}
    amended = httpx.patch(f"{server.url}/v1/occurrences/{identifier}", json=patch, headers=EDITOR, timeout=30)
    assert amended.status_code == 200, amended.text
    return identifier


def retracted_occurrence(server: Server) -> str:
    """A report in the seeded story, withdrawn later that day."""
    body = fields(
        stories=[STORY], reported_at="2014-05-19T13:00:00Z", title="Column seen crossing at Dolzhansky"
    )
    identifier: str = post(server, "/v1/occurrences", body)["id"]
    retraction = {"reason": "misidentified convoy", "reported_at": "2014-05-19T15:00:00Z"}
    post(server, f"/v1/occurrences/{identifier}/retraction", retraction)
    return identifier


def story_entries(server: Server, **params: Any) -> list[dict[str, Any]]:
    answer = read(server, f"/v1/stories/{STORY}/timeline", limit=1000, **params)
    items: list[dict[str, Any]] = answer["items"]
    return items


def classes(page: Any, identifier: str) -> set[str]:
    """The classes of the axis item that shows occurrence `identifier`."""
    found: str = page.locator(f'.vis-item:has(.occ[data-id="{identifier}"])').get_attribute("class")
    return set(found.split())


def test_the_axis_its_two_sliders_what_changed_and_the_revision_panel(server: Server, tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    server.start(
        "--seed",
        tokens=f"{TOKEN}:e2e:editor,{READER_TOKEN}:guest:reader,{ADMIN_TOKEN}:chief:admin",
        settings={"NEWSLINE_READS_REQUIRE_AUTH": "true"},
    )
    shelling = amended_occurrence(server)
    wildfire_kind = {"kind": "wildfire", "description": "A fire in the open."}
    post(server, "/v1/kinds", wildfire_kind, Authorization=f"Bearer {ADMIN_TOKEN}")
    body = fields(
        stories=[STORY],
        kind="wildfire",
        title="Grass fire near Belgorod range",
        reported_at="2014-05-20T10:00:00Z",
    )
    wildfire = post(server, "/v1/occurrences", body)["id"]
    withdrawn = retracted_occurrence(server)
    shelling_history = read(server, f"/v1/occurrences/{shelling}/history")["revisions"]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(server.url)
            expect(page.locator("#message")).to_contain_text("needs a token")
            page.fill("#token", READER_TOKEN)
            page.click("#use-token")
            axis = page.locator("#axis")

            # Every story at first; then the border story: its occurrences on the axis, each once,
            # with its status, at its valid time (spans as bars, uncertain ends softer).
            expect(axis).to_have_attribute("data-as-of", "latest")
            expect(page.locator(f'#axis .occ[data-id="{shelling}"]')).to_have_count(1)
            page.select_option("#story", STORY)
            expected = {entry["id"]: entry for entry in story_entries(server)}
            expect(axis).to_have_attribute("data-count", str(len(expected)))
            shown = page.eval_on_selector_all(
                "#axis .occ", "nodes => nodes.map(n => [n.dataset.id, n.dataset.status])"
            )
            assert dict(shown) == {key: entry["status"] for key, entry in expected.items()}
            assert {"disputed", "corroborated"} <= {entry["status"] for entry in expected.values()}
            spans = [
                entry for entry in expected.values() if entry["occurred"]["edtf"] == "2014-03/2014-05-19?"
            ]
            assert spans, "the seed has a span from March with an uncertain end"
            bar = classes(page, spans[0]["id"])
            assert {
                "vis-range",
                "soft-end",
                f"status-{spans[0]['status']}",
            } <= bar and "soft-start" not in bar
            day = classes(page, shelling)
            assert {"vis-box", "status-reported"} <= day and not {"soft-start", "soft-end"} & day

            # Lines join each occurrence to those that dispute or corroborate it.
            for status, field in (("disputes", "disputed_by"), ("corroborates", "corroborated_by")):
                pairs = {(other, key) for key, entry in expected.items() for other in entry[field]}
                drawn = page.eval_on_selector_all(
                    f"svg.links line.link-{status}", "lines => lines.map(l => [l.dataset.from, l.dataset.to])"
                )
                assert {tuple(pair) for pair in drawn} == pairs and pairs

            # Grouped by kind: one row per kind shown.
            page.select_option("#group-by", "kind")
            kinds = {entry["kind"] for entry in expected.values()}
            expect(page.locator("#axis .vis-labelset .vis-label")).to_have_count(len(kinds))
            expect(page.locator("#axis .vis-labelset")).to_contain_text("denial")
            page.select_option("#group-by", "story")

            # As reported by: at the first report time less had been reported.
            report_stops: list[str] = page.evaluate("() => state.reportStops")
            page.locator("#as-of").fill("0")
            expect(axis).to_have_attribute("data-as-of", report_stops[0])
            expect(page.locator("#as-of-label")).to_contain_text("as of 2014-05-07 12:00 UTC")
            earlier = story_entries(server, as_of=report_stops[0])
            expect(axis).to_have_attribute("data-count", str(len(earlier)))
            assert 0 < len(earlier) < len(expected)
            page.locator("#as-of").fill(str(len(report_stops)))
            expect(axis).to_have_attribute("data-as-of", "latest")

            # As recorded by: when only the shelling's first report was recorded, it shows its first
            # toll even as of the latest report time, and the retracted report had not yet been written.
            record_stops: list[str] = page.evaluate("() => state.recordStops")
            first_recorded = shelling_history[0]["recorded_at"]
            at = next(i for i, stop in enumerate(record_stops) if stop == first_recorded)
            page.locator("#recorded-as-of").fill(str(at))
            expect(axis).to_have_attribute("data-recorded-as-of", first_recorded)
            expect(page.locator(f'#axis .occ[data-id="{withdrawn}"]')).to_have_count(0)
            page.locator(f'#axis .occ[data-id="{shelling}"]').click()
            expect(page.locator("#occurrence-meta")).to_contain_text("version 1")
            expect(page.locator("#revisions li")).to_have_count(1)
            page.locator("#recorded-as-of").fill(str(at - 1))
            expect(page.locator(f'#axis .occ[data-id="{shelling}"]')).to_have_count(0)
            page.locator("#recorded-as-of").fill(str(len(record_stops)))
            expect(axis).to_have_attribute("data-recorded-as-of", "latest")
            expect(page.locator("#occurrence-meta")).to_contain_text("version 2")

            # The revision panel: who wrote each revision, the correction with its reason and change.
            expect(page.locator("#revisions li")).to_have_count(2)
            expect(page.locator("#revisions li .by").first).to_have_text("e2e")
            correction = page.locator('#revisions li[data-type="amended"]')
            expect(correction).to_contain_text("toll updated")
            expect(correction.locator("td.field")).to_have_text("figures.killed")
            expect(correction.locator("td.old")).to_have_text("1")
            expect(correction.locator("td.new")).to_have_text("2")

            # Reported by 08:15, before the correction: it is marked as reported later.
            page.locator("#as-of").fill(str(report_stops.index("2014-05-19T08:15:00Z")))
            expect(page.locator("#occurrence-meta")).to_contain_text("version 1")
            expect(correction).to_have_class("after-as-of")

            # Both sliders together, the README's picture of the axis: reported by noon, which
            # includes the 11:00 correction, but recorded before the correction was written.
            page.locator("#as-of").fill(str(report_stops.index("2014-05-19T12:00:00Z")))
            page.locator("#recorded-as-of").fill(str(at))
            expect(axis).to_have_attribute("data-recorded-as-of", first_recorded)
            expect(axis).to_have_attribute("data-as-of", "2014-05-19T12:00:00Z")
            expect(page.locator("#occurrence-meta")).to_contain_text("version 1")
            expect(page.locator("#revisions li")).to_have_count(1)
            picture = screenshot_path(tmp_path, "desk-axis.png")
            page.screenshot(path=str(picture))
            assert picture.stat().st_size > 10_000  # a rendered page, not a blank one
            page.locator("#as-of").fill(str(len(report_stops)))
            page.locator("#recorded-as-of").fill(str(len(record_stops)))
            expect(page.locator("#revisions li")).to_have_count(2)

            # What changed between 08:15 and the latest report: exactly what /changes says, marked.
            page.check("#what-changed")
            page.select_option("#since", "2014-05-19T08:15:00Z")
            expect(axis).to_have_attribute("data-since", "2014-05-19T08:15:00Z")
            changes = read(server, f"/v1/stories/{STORY}/changes", since="2014-05-19T08:15:00Z")
            marked = {
                "added": {item["id"] for item in changes["added"]},
                "changed": {item["id"] for item in changes["changed"]},
                "retracted": {item["id"] for item in changes["retracted"]},
            }
            assert shelling in marked["changed"] and withdrawn in marked["retracted"] and marked["added"]
            for change, ids in marked.items():
                # (an occurrence in two stories is on the axis twice, once in each story's row)
                highlighted = f".vis-item.change-{change} .occ"
                expect(page.locator(highlighted).first).to_be_visible()
                found = page.eval_on_selector_all(highlighted, "nodes => nodes.map(n => n.dataset.id)")
                assert set(found) == ids
            listed = page.locator("#changes-list li.changed", has_text="Checkpoint shelled near Slaviansk")
            expect(listed.locator("td.field")).to_have_text("figures.killed")
            expect(page.locator("#changes-list li.retracted")).to_contain_text("misidentified convoy")
            page.uncheck("#what-changed")
            expect(page.locator(".vis-item.change-changed")).to_have_count(0)

            # Filters: the search, an entity, a kind; retracted reports only when asked for.
            expect(page.locator(f'#axis .occ[data-id="{withdrawn}"]')).to_have_count(0)
            page.check("#include-retracted")
            expect(page.locator(f'#axis .occ[data-id="{withdrawn}"]')).to_have_attribute(
                "data-status", "retracted"
            )
            page.locator(f'#axis .occ[data-id="{withdrawn}"]').click()
            expect(page.locator('#revisions li[data-type="retracted"] .reason')).to_have_text(
                "reason: misidentified convoy"
            )
            page.uncheck("#include-retracted")
            page.select_option("#kind", "denial")
            denials = story_entries(server, kind="denial")
            expect(axis).to_have_attribute("data-count", str(len(denials)))
            page.select_option("#kind", "wildfire")  # an added kind
            expect(axis).to_have_attribute("data-count", "1")
            expect(page.locator("#axis .occ")).to_have_attribute("data-id", wildfire)
            page.select_option("#kind", "")
            page.fill("#entity", "Slaviansk")
            page.locator("#entity").dispatch_event("change")
            slaviansk = read(server, "/v1/occurrences", story=STORY, place="Slaviansk")["items"]
            expect(axis).to_have_attribute("data-count", str(len(slaviansk)))
            page.fill("#entity", "")
            page.fill("#q", "Rasmussen")
            page.locator("#q").dispatch_event("change")
            found = read(server, "/v1/occurrences", story=STORY, q="Rasmussen")["items"]
            expect(axis).to_have_attribute("data-count", str(len(found)))
            assert 0 < len(found) < len(expected)
            shown_ids = page.eval_on_selector_all("#axis .occ", "nodes => nodes.map(n => n.dataset.id)")
            assert set(shown_ids) == {item["id"] for item in found}

            # A relation names its target by title in the panel.
            target = next(entry for entry in found if entry["id"] != shelling)
            post(server, f"/v1/occurrences/{shelling}/relations", {"type": "follows", "target": target["id"]})
            page.fill("#q", "")
            page.locator("#q").dispatch_event("change")
            page.locator(f'#axis .occ[data-id="{shelling}"]').click()
            relation = page.locator('#revisions li[data-type="linked"] td.new .relation')
            expect(relation.locator(".target-title")).to_have_text(target["title"])
            expect(page.locator("#occurrence-relations .relation")).to_contain_text(target["title"])
        finally:
            browser.close()


ARTICLE = Path(__file__).resolve().parents[2] / "seeds" / "2014-05-19-putin-orders-troops-back.txt"
PUBLISHED = "2014-05-19T12:00:00Z"


def test_drafts_from_the_seed_article_are_reviewed_edited_accepted_and_shown(
    server: Server, tmp_path: Path
) -> None:
    from playwright.sync_api import expect, sync_playwright

    server.start("--seed", tokens=f"{TOKEN}:e2e:editor,{READER_TOKEN}:guest:reader")
    text = ARTICLE.read_text(encoding="utf-8")
    drafts = post(server, "/v1/drafts", {"text": text, "published_at": PUBLISHED, "stories": [STORY]})[
        "items"
    ]
    assert len(drafts) >= 20
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            posted: list[tuple[str, str | None, str | None]] = []
            page.on(
                "request",
                lambda request: (
                    request.method == "POST"
                    and posted.append(
                        (request.url, request.headers.get("idempotency-key"), request.post_data)
                    )
                ),
            )
            page.goto(server.url)
            page.fill("#token", TOKEN)
            page.click("#use-token")
            page.select_option("#story", STORY)
            expect(page.locator("#axis")).to_have_attribute("data-count", str(len(story_entries(server))))

            # Paste the article and its publication time: the drafts beside the text.
            page.click("#new-article")
            page.fill("#article-input", text)
            page.fill("#published-at", PUBLISHED)
            page.click("#draft")
            cards = page.locator("#drafts .draft")
            expect(cards).to_have_count(len(drafts))
            assert page.text_content("#article-text") == text  # the whole text, evidence marked in it
            for index in (0, len(drafts) // 2):
                cards.nth(index).hover()
                marked = "".join(page.locator("#article-text mark.active").all_text_contents())
                assert marked == drafts[index]["evidence"]["text"]
            card = cards.nth(0)
            expect(card.locator('[name="kind"]')).to_have_value(drafts[0]["occurrence"]["kind"])
            expect(card.locator('[name="occurred"]')).to_have_value(drafts[0]["occurrence"]["occurred"])

            # Edit fields of the first draft, then a double click on Accept: it is written once.
            title = "US wants firm evidence of a Russian pullback"
            card.locator('[name="title"]').fill(title)
            card.locator('[name="figures"]').fill("officials: 1")
            card.locator(".accept").dblclick()
            expect(card).to_have_class(re.compile(r"\baccepted\b"))
            accepted = card.get_attribute("data-id")
            assert accepted
            made = read(server, f"/v1/occurrences/{accepted}")
            assert (
                made["title"] == title and made["figures"] == {"officials": 1} and made["stories"] == [STORY]
            )
            writes = [entry for entry in posted if entry[0].endswith("/v1/occurrences")]
            assert len(writes) == 1 and writes[0][1], "one POST, with an Idempotency-Key"
            # Sent again with its key (as a retry would be), it writes nothing new.
            again = post(
                server, "/v1/occurrences", json_body(writes[0][2]), **{"Idempotency-Key": writes[0][1]}
            )
            assert again["id"] == accepted
            assert (
                len(
                    [
                        item
                        for item in read(server, "/v1/occurrences", q="pullback")["items"]
                        if item["title"] == title
                    ]
                )
                == 1
            )
            # The picture: a draft whose time was resolved, its evidence marked in the text.
            timed = next(i for i, draft in enumerate(drafts) if draft["time"] and i > 0)
            cards.nth(timed).hover()
            expect(cards.nth(timed).locator(".draft-time")).to_contain_text(drafts[timed]["time"]["edtf"])
            picture = screenshot_path(tmp_path, "desk-drafts.png")
            page.screenshot(path=str(picture))
            assert picture.stat().st_size > 10_000

            # Accept all the rest: every draft is on the axis, and suggested relations are kept.
            page.click("#accept-all")
            expect(page.locator("#draft-message")).to_have_text("every draft accepted", timeout=60_000)
            expect(page.locator("#drafts .draft.accepted")).to_have_count(len(drafts))
            ids = [cards.nth(index).get_attribute("data-id") for index in range(len(drafts))]
            assert len(set(ids)) == len(drafts)
            expect(page.locator("#axis")).to_have_attribute("data-count", str(len(story_entries(server))))
            on_axis = set(page.eval_on_selector_all("#axis .occ", "nodes => nodes.map(n => n.dataset.id)"))
            assert set(ids) <= on_axis
            disputes = [
                (i, r["draft"])
                for i, d in enumerate(drafts)
                for r in d["relations"]
                if r["type"] == "disputes"
            ]
            assert disputes
            for source, target in disputes:
                assert ids[source] in read(server, f"/v1/occurrences/{ids[target]}")["disputed_by"]
        finally:
            browser.close()


def json_body(data: str | None) -> dict[str, Any]:
    assert data is not None
    body: dict[str, Any] = json.loads(data)
    return body
