"""The timeline explorer in headless Chromium, against `newsline serve --seed`.

Needs Debian's `chromium` (`.ci/run` installs it); without it only this test skips.
It takes a screenshot of the explorer into a temporary file, so a test run
leaves the checkout as it was; `make screenshot` runs it with
NEWSLINE_SCREENSHOT=docs/explorer.png to refresh the README's picture.
"""

from __future__ import annotations

import os
from pathlib import Path

import httpx

from tests.e2e.conftest import CHROMIUM, EDITOR, TOKEN, Server, needs_chromium
from tests.unit.test_service import fields

READER_TOKEN = "explorer-reader-token"
STORY = "russian-troops-ukraine-border"

pytestmark = needs_chromium


def amended_occurrence(server: Server) -> str:
    """A shelling in the seeded story, reported at 08:15 and corrected at 11:00."""
    body = fields(
        stories=[STORY], reported_at="2014-05-19T08:15:00Z", title="Checkpoint shelled near Slaviansk"
    )
    headers = {**EDITOR, "Idempotency-Key": "explorer-shelling"}
    created = httpx.post(f"{server.url}/v1/occurrences", json=body, headers=headers, timeout=30)
    assert created.status_code == 201, created.text
    identifier: str = created.json()["id"]
    patch = {"figures": {"killed": 2}, "reason": "toll updated", "reported_at": "2014-05-19T11:00:00Z"}
    amended = httpx.patch(f"{server.url}/v1/occurrences/{identifier}", json=patch, headers=EDITOR, timeout=30)
    assert amended.status_code == 200, amended.text
    return identifier


def retracted_occurrence(server: Server) -> str:
    """A report in the seeded story, withdrawn later that day."""
    body = fields(
        stories=[STORY], reported_at="2014-05-19T13:00:00Z", title="Column seen crossing at Dolzhansky"
    )
    created = httpx.post(f"{server.url}/v1/occurrences", json=body, headers=EDITOR, timeout=30)
    assert created.status_code == 201, created.text
    identifier: str = created.json()["id"]
    retraction = {"reason": "misidentified convoy", "reported_at": "2014-05-19T15:00:00Z"}
    retracted = httpx.post(
        f"{server.url}/v1/occurrences/{identifier}/retraction", json=retraction, headers=EDITOR, timeout=30
    )
    assert retracted.status_code == 200, retracted.text
    return identifier


def linked_target(server: Server, source: str) -> tuple[str, str]:
    """Link `source` as following the story's first occurrence; that occurrence's id and title."""
    answer = httpx.get(
        f"{server.url}/v1/stories/{STORY}/timeline",
        params={"limit": 1},
        headers={"Authorization": f"Bearer {READER_TOKEN}"},
        timeout=30,
    )
    assert answer.status_code == 200, answer.text
    target = answer.json()["items"][0]
    linked = httpx.post(
        f"{server.url}/v1/occurrences/{source}/relations",
        json={"type": "follows", "target": target["id"]},
        headers=EDITOR,
        timeout=30,
    )
    assert linked.status_code == 200, linked.text
    return target["id"], target["title"]


def statuses(server: Server) -> dict[str, str]:
    """Each occurrence of the story and its status, as the API answers (retracted ones included)."""
    answer = httpx.get(
        f"{server.url}/v1/stories/{STORY}/timeline",
        params={"include_retracted": "true", "limit": 1000},
        headers={"Authorization": f"Bearer {READER_TOKEN}"},
        timeout=30,
    )
    assert answer.status_code == 200, answer.text
    return {item["id"]: item["status"] for item in answer.json()["items"]}


def test_pick_a_story_slide_through_report_time_and_read_revisions(server: Server, tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    server.start(
        "--seed",
        tokens=f"{TOKEN}:e2e:editor,{READER_TOKEN}:guest:reader",
        settings={"NEWSLINE_READS_REQUIRE_AUTH": "true"},
    )
    shelling = amended_occurrence(server)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 860})
            page.goto(server.url)
            expect(page.locator("#message")).to_contain_text("needs a token")
            page.fill("#token", READER_TOKEN)
            page.click("#use-token")

            # The first story opens; the user picks the border story from the list.
            entries = page.locator("#timeline li")
            expect(page.locator("#timeline")).to_have_attribute("data-as-of", "latest")
            assert page.input_value("#story") != STORY
            expect(page.locator(f'#timeline li[data-id="{shelling}"]')).to_have_count(0)
            page.select_option("#story", label="Russian troops on the Ukraine border")
            expect(page.locator("#story")).to_have_value(STORY)
            expect(page.locator(f'#timeline li[data-id="{shelling}"]')).to_have_count(1)

            # Every occurrence of the story, each with its status and the badge that shows it.
            expected = statuses(server)
            shown = page.eval_on_selector_all(
                "#timeline li", "items => items.map(item => [item.dataset.id, item.dataset.status])"
            )
            assert dict(shown) == expected and len(shown) == len(expected)
            latest = entries.count()
            assert latest >= 15
            for status in ("disputed", "corroborated"):
                count = sum(1 for value in expected.values() if value == status)
                assert count > 0, f"the seeded story has no {status} occurrence"
                expect(page.locator(f"#timeline .badge.{status}")).to_have_count(count)
                expect(page.locator(f"#timeline .badge.{status}").first).to_have_text(status)
            starts = page.locator("#timeline .when").all_text_contents()
            assert starts[0].startswith("2014-03"), "ordered by valid time"

            # The slider stops at each report time; at the first, less had been reported.
            stops: list[str] = page.evaluate("() => state.stops")
            slider = page.locator("#as-of")
            slider.fill("0")
            expect(page.locator("#timeline")).to_have_attribute("data-as-of", stops[0])
            expect(page.locator("#as-of-label")).to_contain_text("as of 2014-05-07 12:00 UTC")
            assert entries.count() < latest

            # Between the report and its correction: the earlier toll, the correction marked as later.
            slider.fill(str(next(i for i, stop in enumerate(stops) if stop.startswith("2014-05-19T08:15"))))
            page.locator(f'#timeline li[data-id="{shelling}"]').click()
            expect(page.locator("#revisions li")).to_have_count(2)
            expect(page.locator("#occurrence-meta")).to_contain_text("version 1")
            correction = page.locator('#revisions li[data-type="amended"]')
            expect(correction).to_have_class("after-as-of")
            expect(correction).to_contain_text("toll updated")
            expect(correction.locator("td.field")).to_have_text("figures.killed")
            expect(correction.locator("td.old")).to_have_text("1")
            expect(correction.locator("td.new")).to_have_text("2")
            screenshot = Path(os.environ.get("NEWSLINE_SCREENSHOT") or tmp_path / "explorer.png")
            page.screenshot(path=str(screenshot))
            assert screenshot.stat().st_size > 10_000  # a rendered page, not a blank one

            slider.fill(str(len(stops)))  # latest again
            expect(page.locator("#timeline")).to_have_attribute("data-as-of", "latest")
            expect(entries).to_have_count(latest)
            expect(page.locator("#occurrence-meta")).to_contain_text("version 2")

            # A report withdrawn later (after the screenshot, which it would otherwise change):
            # picking the story again shows it with its badge, and without before its retraction.
            withdrawn = retracted_occurrence(server)
            page.select_option("#story", label="Ukraine presidential election 2014")
            expect(page.locator(f'#timeline li[data-id="{shelling}"]')).to_have_count(0)
            page.select_option("#story", label="Russian troops on the Ukraine border")
            entry = page.locator(f'#timeline li[data-id="{withdrawn}"]')
            expect(entry).to_have_attribute("data-status", "retracted")
            expect(entry.locator(".badge.retracted")).to_have_text("retracted")
            expect(entries).to_have_count(latest + 1)
            stops = page.evaluate("() => state.stops")
            reported = next(stop for stop in stops if stop.startswith("2014-05-19T13:00"))
            slider.fill(str(stops.index(reported)))
            expect(page.locator("#timeline")).to_have_attribute("data-as-of", reported)
            expect(entry).to_have_attribute("data-status", "reported")
            expect(entry.locator(".badge")).to_have_count(0)

            # A relation added later names its target by title, beside its id.
            target_id, target_title = linked_target(server, shelling)
            page.select_option("#story", label="Ukraine presidential election 2014")
            page.select_option("#story", label="Russian troops on the Ukraine border")
            page.locator(f'#timeline li[data-id="{shelling}"]').click()
            relation = page.locator('#revisions li[data-type="linked"] td.new .relation')
            expect(relation).to_have_count(1)
            expect(relation.locator(".target-title")).to_have_text(target_title)
            expect(relation.locator(".target-id")).to_have_text(target_id)
            expect(relation).to_contain_text("follows")
        finally:
            browser.close()
