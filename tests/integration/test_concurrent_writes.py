"""Concurrent writers: none is lost, and If-Match lets exactly one win per version."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from domain.commands import AmendOccurrence, ReportOccurrence
from domain.errors import StaleVersion
from domain.service import Request
from newsline.bootstrap import Newsline
from tests.integration.test_timeline_view import ALICE, at, synced
from tests.unit.test_service import fields

WRITERS = 8
EACH = 5


def test_writers_without_if_match_all_land(newsline: Newsline) -> None:
    written = synced(newsline, newsline.app.report(ReportOccurrence.from_body(fields(), at(19)), ALICE))

    def amend(writer: int) -> list[int]:
        return [
            newsline.app.amend(
                AmendOccurrence.from_body(written.id, {"figures": {f"w{writer}": n}, "reason": "count"}),
                Request(by=f"w{writer}"),
            ).version
            for n in range(EACH)
        ]

    with ThreadPoolExecutor(WRITERS) as pool:
        versions = sorted(v for batch in pool.map(amend, range(WRITERS)) for v in batch)
    assert versions == list(range(2, 2 + WRITERS * EACH))
    assert newsline.wait_for_views(newsline.head(), timeout=30)
    view = newsline.timeline.reader.occurrence(written.id)
    assert view is not None
    assert view["figures"] == {"killed": 1, "injured": 3, **{f"w{w}": EACH - 1 for w in range(WRITERS)}}


def test_if_match_lets_one_writer_win_each_version(newsline: Newsline) -> None:
    written = synced(newsline, newsline.app.report(ReportOccurrence.from_body(fields(), at(19)), ALICE))

    def amend(writer: int) -> bool:
        try:
            newsline.app.amend(
                AmendOccurrence.from_body(written.id, {"title": f"by {writer}", "reason": "edit"}),
                Request(by=f"w{writer}"),
                1,
            )
        except StaleVersion:
            return False
        return True

    with ThreadPoolExecutor(WRITERS) as pool:
        wins = list(pool.map(amend, range(WRITERS)))
    assert wins.count(True) == 1
    assert newsline.app.get_occurrence(written.id).version == 2
