"""Record time within an occurrence only moves forward, whatever the writers' clocks."""

from __future__ import annotations

from datetime import timedelta

from domain.commands import ReportOccurrence
from domain.fold import Revision
from newsline.bootstrap import Newsline
from projections.timeline import PositionedRevision
from tests.integration.test_timeline_view import ALICE, at, synced
from tests.unit.test_service import fields


def test_record_time_stays_increasing_when_writer_clocks_disagree(newsline: Newsline) -> None:
    written = synced(newsline, newsline.app.report(ReportOccurrence.from_body(fields(), at(19, 8)), ALICE))
    first = newsline.timeline.reader.recorded_at(written.id, 1)
    assert first is not None
    behind = Revision(
        2,
        "amended",
        at(19, 9),
        "bob",
        {"patch": {"title": "skewed"}},
        "r",
        None,
        first - timedelta(seconds=5),
    )
    position = newsline.head() + 1  # the last test of its module: nothing is written after it
    newsline.timeline.writer.record_revisions([PositionedRevision(position, written.id, behind)], position)
    second = newsline.timeline.reader.recorded_at(written.id, 2)
    assert second is not None and second > first
    view = newsline.timeline.reader.occurrence(written.id)
    assert view is not None and view["title"] == "skewed"
    assert [h["version"] for h in newsline.timeline.reader.history(written.id)] == [1, 2]
