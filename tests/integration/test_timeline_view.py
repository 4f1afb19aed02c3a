"""The bitemporal timeline view on PostgreSQL: SPEC §2.1 and status as of a time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from domain.commands import AmendOccurrence, CreateStory, LinkOccurrence, ReportOccurrence, RetractOccurrence
from domain.service import Request, Written
from newsline.bootstrap import Newsline, build
from projections.timeline import TimelineProjection, TimelineQuery
from tests.conftest import settings_for
from tests.helpers import rebuild, view_checksums
from tests.unit.test_service import fields

ALICE = Request(by="alice")


def at(day: int, hour: int = 0) -> datetime:
    return datetime(2014, 5, day, hour, tzinfo=UTC)


def synced(newsline: Newsline, written: Written) -> Written:
    assert newsline.wait_for_views(written.position, timeout=20)
    return written


@pytest.fixture(scope="module")
def worked_example(newsline: Newsline) -> dict[str, Any]:
    """SPEC §2.1: a report, a correction, and an older wire report ingested last."""
    app = newsline.app
    report = synced(newsline, app.report(ReportOccurrence.from_body(fields(), at(19, 8)), ALICE))
    synced(
        newsline,
        app.amend(
            AmendOccurrence.from_body(
                report.id, {"figures": {"killed": 2}, "reason": "toll updated"}, at(20, 9)
            ),
            ALICE,
        ),
    )
    second_recorded = newsline.timeline.reader.recorded_at(report.id, 2)
    synced(
        newsline,
        app.amend(
            AmendOccurrence.from_body(
                report.id, {"figures": {"injured": 4}, "reason": "earlier wire copy"}, at(19, 12)
            ),
            ALICE,
        ),
    )
    return {"id": report.id, "second_recorded": second_recorded}


class TestWorkedExample:
    @pytest.mark.parametrize(
        ("as_of", "figures"),
        [
            (at(18), None),
            (at(19, 10), {"killed": 1, "injured": 3}),
            (at(19, 13), {"killed": 1, "injured": 4}),
            (None, {"killed": 2, "injured": 4}),
        ],
    )
    def test_figures_as_of_report_time(
        self, newsline: Newsline, worked_example: dict[str, Any], as_of: datetime | None, figures: Any
    ) -> None:
        view = newsline.timeline.reader.occurrence(worked_example["id"], as_of=as_of)
        assert (view and view["figures"]) == figures

    def test_record_time_leaves_out_what_was_not_yet_recorded(
        self, newsline: Newsline, worked_example: dict[str, Any]
    ) -> None:
        view = newsline.timeline.reader.occurrence(
            worked_example["id"], as_of=at(19, 13), recorded_as_of=worked_example["second_recorded"]
        )
        assert view is not None and view["figures"] == {"killed": 1, "injured": 3}

    def test_history_lists_revisions_in_fold_order_with_changes(
        self, newsline: Newsline, worked_example: dict[str, Any]
    ) -> None:
        history = newsline.timeline.reader.history(worked_example["id"])
        assert [h["version"] for h in history] == [1, 3, 2]
        assert history[1]["changes"] == [{"field": "figures.injured", "old": 3, "new": 4}]
        assert history[2]["changes"] == [{"field": "figures.killed", "old": 1, "new": 2}]
        assert history[2]["reason"] == "toll updated"

    def test_history_as_recorded_before_the_late_report(
        self, newsline: Newsline, worked_example: dict[str, Any]
    ) -> None:
        history = newsline.timeline.reader.history(worked_example["id"], worked_example["second_recorded"])
        assert [h["version"] for h in history] == [1, 2]

    def test_version_and_recorded_at_follow_the_state(
        self, newsline: Newsline, worked_example: dict[str, Any]
    ) -> None:
        early = newsline.timeline.reader.occurrence(worked_example["id"], as_of=at(19, 10))
        latest = newsline.timeline.reader.occurrence(worked_example["id"])
        assert early is not None and latest is not None
        assert (early["version"], latest["version"]) == (1, 3)
        assert early["reported_at"] == latest["reported_at"] == "2014-05-19T08:00:00Z"

    def test_recorded_at_is_when_the_state_was_recorded(
        self, newsline: Newsline, worked_example: dict[str, Any]
    ) -> None:
        """The latest state folds revision 3 (recorded last) before revision 2: it dates from 3."""
        identifier = worked_example["id"]
        latest = newsline.timeline.reader.occurrence(identifier)
        assert latest is not None and latest["version"] == 3
        recorded_last = newsline.timeline.reader.recorded_at(identifier, 3)
        assert recorded_last is not None
        assert datetime.fromisoformat(latest["recorded_at"]) == recorded_last
        for as_of in (at(19, 10), at(19, 13), None):
            view = newsline.timeline.reader.occurrence(identifier, as_of=as_of)
            assert view is not None
            recorded_at = datetime.fromisoformat(view["recorded_at"])
            assert newsline.timeline.reader.occurrence(identifier, as_of, recorded_at) == view, as_of


class TestStatus:
    def test_a_dispute_counts_from_when_the_denial_was_reported(self, newsline: Newsline) -> None:
        app = newsline.app
        claim = synced(
            newsline, app.report(ReportOccurrence.from_body(fields(kind="claim"), at(19, 8)), ALICE)
        )
        relation = [{"type": "disputes", "target": str(claim.id)}]
        denial = synced(
            newsline,
            app.report(
                ReportOccurrence.from_body(fields(kind="denial", relations=relation), at(19, 12)), ALICE
            ),
        )
        before = newsline.timeline.reader.occurrence(claim.id, as_of=at(19, 10))
        after = newsline.timeline.reader.occurrence(claim.id)
        assert before is not None and after is not None
        assert (before["status"], before["disputed_by"]) == ("reported", [])
        assert (after["status"], after["disputed_by"]) == ("disputed", [str(denial.id)])

    def test_a_retracted_denial_no_longer_disputes(self, newsline: Newsline) -> None:
        app = newsline.app
        claim = synced(
            newsline, app.report(ReportOccurrence.from_body(fields(kind="claim"), at(19, 8)), ALICE)
        )
        denial = synced(
            newsline, app.report(ReportOccurrence.from_body(fields(kind="denial"), at(19, 9)), ALICE)
        )
        synced(
            newsline,
            app.link(
                LinkOccurrence.from_body(denial.id, {"type": "disputes", "target": claim.id}, at(19, 10)),
                ALICE,
            ),
        )
        synced(
            newsline,
            app.retract(RetractOccurrence.from_body(denial.id, {"reason": "wrong"}, at(19, 14)), ALICE),
        )
        states = [newsline.timeline.reader.occurrence(claim.id, as_of=at(19, h)) for h in (9, 11, 15)]
        assert [s and s["status"] for s in states] == ["reported", "disputed", "reported"]
        retracted = newsline.timeline.reader.occurrence(denial.id)
        assert retracted is not None and retracted["status"] == "retracted"

    def test_corroboration(self, newsline: Newsline) -> None:
        app = newsline.app
        claim = synced(
            newsline, app.report(ReportOccurrence.from_body(fields(kind="claim"), at(19, 8)), ALICE)
        )
        relation = [{"type": "corroborates", "target": str(claim.id)}]
        other = synced(
            newsline, app.report(ReportOccurrence.from_body(fields(relations=relation), at(19, 9)), ALICE)
        )
        view = newsline.timeline.reader.occurrence(claim.id)
        assert view is not None
        assert (view["status"], view["corroborated_by"]) == ("corroborated", [str(other.id)])


class TestTimelineQueries:
    def test_month_precision_matches_any_day_of_its_month(self, newsline: Newsline) -> None:
        app = newsline.app
        app.create_story(CreateStory.from_body({"slug": "months", "title": "Months"}), ALICE)
        written = synced(
            newsline,
            app.report(
                ReportOccurrence.from_body(fields(occurred="2014-04", stories=["months"]), at(19)), ALICE
            ),
        )
        query = TimelineQuery(
            story="months", start=at(1) - timedelta(days=20), end=at(1) - timedelta(days=19)
        )
        assert [item["id"] for item in newsline.timeline.reader.timeline(query).items] == [str(written.id)]
        query = TimelineQuery(story="months", start=at(1), end=at(31))
        assert newsline.timeline.reader.timeline(query).items == []

    def test_order_is_occurred_start_then_reported_at_then_id(self, newsline: Newsline) -> None:
        app = newsline.app
        app.create_story(CreateStory.from_body({"slug": "order", "title": "Order"}), ALICE)
        later = app.report(
            ReportOccurrence.from_body(fields(occurred="2014-05-02", stories=["order"]), at(19, 8)), ALICE
        )
        second = app.report(
            ReportOccurrence.from_body(fields(occurred="2014-05-01", stories=["order"]), at(19, 9)), ALICE
        )
        first = synced(
            newsline,
            app.report(
                ReportOccurrence.from_body(fields(occurred="2014-05-01", stories=["order"]), at(19, 7)), ALICE
            ),
        )
        del later
        items = newsline.timeline.reader.timeline(TimelineQuery(story="order")).items
        assert [i["id"] for i in items[:2]] == [str(first.id), str(second.id)]

    def test_pages_follow_on_without_gaps(self, newsline: Newsline) -> None:
        app = newsline.app
        app.create_story(CreateStory.from_body({"slug": "pages", "title": "Pages"}), ALICE)
        written = [
            app.report(
                ReportOccurrence.from_body(fields(occurred=f"2014-05-{day:02d}", stories=["pages"]), at(19)),
                ALICE,
            )
            for day in range(1, 8)
        ]
        synced(newsline, written[-1])
        seen: list[str] = []
        query = TimelineQuery(story="pages", limit=3)
        while True:
            page = newsline.timeline.reader.timeline(query)
            seen += [item["id"] for item in page.items]
            if page.next_after is None:
                break
            query = TimelineQuery(story="pages", limit=3, after=page.next_after)
        assert seen == [str(w.id) for w in written]

    def test_full_text_search(self, newsline: Newsline) -> None:
        app = newsline.app
        written = synced(
            newsline,
            app.report(
                ReportOccurrence.from_body(fields(title="Kindergarten used as firing position"), at(19)),
                ALICE,
            ),
        )
        items = newsline.timeline.reader.timeline(TimelineQuery(text="kindergartens")).items
        assert str(written.id) in [item["id"] for item in items]


def test_processing_an_event_twice_changes_nothing(newsline: Newsline) -> None:
    app = newsline.app
    written = synced(newsline, app.report(ReportOccurrence.from_body(fields(), at(19)), ALICE))
    before = view_checksums(newsline)
    notification = app.recorder.select_notifications(start=written.position, limit=1)[0]
    from eventsourcing.persistence import Tracking

    projection = TimelineProjection(newsline.timeline)
    projection.process_event(app.mapper.to_domain_event(notification), Tracking("newsline", notification.id))
    assert view_checksums(newsline) == before


def test_rebuild_gives_the_same_views(newsline: Newsline, worked_example: dict[str, Any]) -> None:
    before = view_checksums(newsline)
    rebuild(newsline)
    assert view_checksums(newsline) == before


def test_a_process_started_later_does_not_wait_for_what_its_views_already_hold(
    database_url: str, newsline: Newsline
) -> None:
    """Its runners have nothing to apply, so only the tracking table tells the waiter."""
    written = synced(newsline, newsline.app.report(ReportOccurrence.from_body(fields(), at(19, 8)), ALICE))
    later = build(settings_for(database_url, newsline.settings.database_schema))
    try:
        assert later.wait_for_views(written.position, timeout=5)
        assert later.timeline.reader.occurrence(written.id) is not None
    finally:
        later.close()
