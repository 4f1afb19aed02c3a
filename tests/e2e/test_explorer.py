"""The desk in headless Chromium, against `newsline serve --seed`.

Needs Debian's `chromium` (`.ci/run` installs it); without it only these tests skip.
They take the README's screenshots into a temporary directory, so a test run
leaves the checkout as it was; `make screenshot` runs them with
NEWSLINE_SCREENSHOTS=docs to refresh the pictures.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import httpx

from tests.e2e.conftest import CHROMIUM, EDITOR, TOKEN, Server, needs_chromium
from tests.unit.test_service import fields

READER_TOKEN = "explorer-reader-token"
READER = {"Authorization": f"Bearer {READER_TOKEN}"}
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
    body = fields(stories=[STORY], reported_at="2014-05-19T08:15:00Z", title="Checkpoint shelled near Slaviansk")
    identifier: str = post(server, "/v1/occurrences", body, **{"Idempotency-Key": "explorer-shelling"})["id"]
    patch = {"figures": {"killed": 2}, "reason": "toll updated", "reported_at": "2014-05-19T11:00:00Z"}
    amended = httpx.patch(f"{server.url}/v1/occurrences/{identifier}", json=patch, headers=EDITOR, timeout=30)
    assert amended.status_code == 200, amended.text
    return identifier


def retracted_occurrence(server: Server) -> str:
    """A report in the seeded story, withdrawn later that day."""
    body = fields(stories=[STORY], reported_at="2014-05-19T13:00:00Z", title="Column seen crossing at Dolzhansky")
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
        tokens=f"{TOKEN}:e2e:editor,{READER_TOKEN}:guest:reader",
        settings={"NEWSLINE_READS_REQUIRE_AUTH": "true"},
    )
    shelling = amended_occurrence(server)
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
            on_axis = page.locator("#axis .occ")

            # Every story at first; then the border story: its occurrences on the axis, each once,
            # with its status, at its valid time (spans as bars, uncertain ends softer).
            expect(axis).to_have_attribute("data-as-of", "latest")
            expect(page.locator(f'#axis .occ[data-id="{shelling}"]')).to_have_count(1)
            page.select_option("#story", STORY)
            expected = {entry["id"]: entry for entry in story_entries(server)}
            expect(axis).to_have_attribute("data-count", str(len(expected)))
            shown = page.eval_on_selector_all("#axis .occ", "nodes => nodes.map(n => [n.dataset.id, n.dataset.status])")
            assert dict(shown) == {key: entry["status"] for key, entry in expected.items()}
            assert {"disputed", "corroborated"} <= {entry["status"] for entry in expected.values()}
            spans = [entry for entry in expected.values() if entry["occurred"]["edtf"] == "2014-03/2014-05-19?"]
            assert spans, "the seed has a span from March with an uncertain end"
            bar = classes(page, spans[0]["id"])
            assert {"vis-range", "soft-end", f"status-{spans[0]['status']}"} <= bar and "soft-start" not in bar
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

            # Both sliders together, the panel open: the README's picture of the axis.
            page.locator("#as-of").fill(str(report_stops.index("2014-05-19T08:15:00Z")))
            expect(page.locator("#occurrence-meta")).to_contain_text("version 1")
            expect(correction).to_have_class("after-as-of")
            picture = screenshot_path(tmp_path, "desk-axis.png")
            page.screenshot(path=str(picture))
            assert picture.stat().st_size > 10_000  # a rendered page, not a blank one
            page.locator("#as-of").fill(str(len(report_stops)))

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
            expect(page.locator(f'#axis .occ[data-id="{withdrawn}"]')).to_have_attribute("data-status", "retracted")
            page.locator(f'#axis .occ[data-id="{withdrawn}"]').click()
            expect(page.locator('#revisions li[data-type="retracted"] .reason')).to_have_text(
                "reason: misidentified convoy"
            )
            page.uncheck("#include-retracted")
            page.select_option("#kind", "denial")
            denials = story_entries(server, kind="denial")
            expect(axis).to_have_attribute("data-count", str(len(denials)))
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
