"""Use cases on the in-memory event store: given events, when a command, then events or an error."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest

from adapters.unit_of_work import StoreUnitOfWork
from domain.commands import AmendOccurrence, CreateStory, LinkOccurrence, ReportOccurrence, RetractOccurrence
from domain.errors import (
    Conflict,
    IdempotencyKeyReused,
    OccurrenceNotFound,
    StaleVersion,
    ValidationFailed,
)
from domain.occurrence import Occurrence
from domain.service import NewslineApplication, Request, occurrence_id_for_key

T0 = datetime(2014, 5, 19, 8, tzinfo=UTC)
ALICE = Request(by="alice")


def fields(**overrides: Any) -> dict[str, Any]:
    return {
        "kind": "attack",
        "title": "Checkpoint shelled near Slaviansk",
        "occurred": "2014-05-19",
        "actors": [{"name": "Pro-Russian separatists", "role": "agent"}],
        "places": ["Slaviansk"],
        "figures": {"killed": 1, "injured": 3},
        "source": {"name": "Ukrainian defence ministry"},
        **overrides,
    }


@pytest.fixture
def app() -> NewslineApplication:
    return NewslineApplication(env={"PERSISTENCE_MODULE": "eventsourcing.popo"}, unit_of_work=StoreUnitOfWork)


def errors_of(failure: pytest.ExceptionInfo[ValidationFailed]) -> dict[str, str]:
    return {error.field: error.message for error in failure.value.errors}


class TestReporting:
    def test_records_a_reported_event_with_normalised_fields(self, app: NewslineApplication) -> None:
        written = app.report(ReportOccurrence.from_body(fields(title="  Checkpoint shelled  "), T0), ALICE)
        occurrence = app.get_occurrence(written.id)
        assert written.version == 1 and written.position == 1
        assert occurrence.latest_state()["title"] == "Checkpoint shelled"
        assert occurrence.latest_state()["retracted"] is False
        events = list(app.events.get(written.id))
        assert [type(e) for e in events] == [Occurrence.Reported]
        assert events[0].by == "alice"  # type: ignore[attr-defined]

    def test_keeps_a_known_id_once(self, app: NewslineApplication) -> None:
        known = uuid4()
        written = app.report(ReportOccurrence.from_body(fields(), T0, known), ALICE)
        assert written.id == known and app.get_occurrence(known).version == 1
        again = app.report(ReportOccurrence.from_body(fields(), T0, known), ALICE)
        assert again.replayed and again.id == known
        with pytest.raises(Conflict):
            app.report(ReportOccurrence.from_body(fields(title="Other"), T0, known), ALICE)
        assert app.get_occurrence(known).latest_state()["title"] == "Checkpoint shelled near Slaviansk"

    @pytest.mark.parametrize(
        ("override", "field"),
        [
            ({"kind": "skirmish"}, "kind"),
            ({"title": ""}, "title"),
            ({"title": "x" * 301}, "title"),
            ({"title": "two\nlines"}, "title"),
            ({"summary": "x" * 5001}, "summary"),
            ({"occurred": "19 May"}, "occurred"),
            ({"figures": {"killed": "one"}}, "figures.killed"),
            ({"figures": {"killed": True}}, "figures.killed"),
            ({"actors": [{"name": "Putin", "role": "leader"}]}, "actors.0.role"),
            ({"actors": [{"name": "!!!"}]}, "actors.0.name"),
            ({"source": {"name": "x", "reliability": "G"}}, "source.reliability"),
            ({"colour": "red"}, "colour"),
        ],
    )
    def test_rejects_invalid_fields_naming_each(
        self, app: NewslineApplication, override: dict[str, Any], field: str
    ) -> None:
        with pytest.raises(ValidationFailed) as failure:
            app.report(ReportOccurrence.from_body(fields(**override), T0), ALICE)
        assert field in errors_of(failure)
        assert app.recorder.max_notification_id() in (None, 0)

    def test_reported_at_may_not_be_in_the_future(self, app: NewslineApplication) -> None:
        with pytest.raises(ValidationFailed) as failure:
            app.report(ReportOccurrence.from_body(fields(), datetime.now(UTC) + timedelta(hours=1)), ALICE)
        assert "reported_at" in errors_of(failure)
        written = app.report(ReportOccurrence.from_body(fields(), T0), ALICE)
        with pytest.raises(ValidationFailed):
            app.amend(
                AmendOccurrence.from_body(
                    written.id, {"title": "x", "reason": "r"}, datetime.now(UTC) + timedelta(days=1)
                ),
                ALICE,
            )

    def test_stories_must_exist(self, app: NewslineApplication) -> None:
        with pytest.raises(ValidationFailed) as failure:
            app.report(ReportOccurrence.from_body(fields(stories=["nowhere"]), T0), ALICE)
        assert "stories.0" in errors_of(failure)
        app.create_story(CreateStory.from_body({"slug": "nowhere", "title": "Nowhere"}), ALICE)
        assert app.report(ReportOccurrence.from_body(fields(stories=["nowhere"]), T0), ALICE).version == 1

    def test_relation_targets_must_exist(self, app: NewslineApplication) -> None:
        with pytest.raises(ValidationFailed) as failure:
            app.report(
                ReportOccurrence.from_body(
                    fields(relations=[{"type": "disputes", "target": str(uuid4())}]), T0
                ),
                ALICE,
            )
        assert "relations.0.target" in errors_of(failure)

    def test_same_idempotency_key_and_body_replays_without_writing(self, app: NewslineApplication) -> None:
        request = Request(by="alice", idempotency_key="k1")
        first = app.report(ReportOccurrence.from_body(fields(), T0), request)
        head = app.recorder.max_notification_id()
        again = app.report(ReportOccurrence.from_body(fields(), T0), request)
        assert first.id == again.id == occurrence_id_for_key("k1")
        assert again.replayed and again.version == 1
        assert app.recorder.max_notification_id() == head

    def test_same_idempotency_key_with_another_body_conflicts(self, app: NewslineApplication) -> None:
        app.report(
            ReportOccurrence.from_body(fields(), T0),
            Request(by="alice", idempotency_key="k2"),
        )
        with pytest.raises(IdempotencyKeyReused):
            app.report(
                ReportOccurrence.from_body(fields(title="Another body"), T0),
                Request(by="alice", idempotency_key="k2"),
            )

    def test_a_key_is_global_across_operations(self, app: NewslineApplication) -> None:
        written = app.report(ReportOccurrence.from_body(fields(), T0), ALICE)
        app.retract(
            RetractOccurrence.from_body(written.id, {"reason": "gone"}),
            Request(by="alice", idempotency_key="k3"),
        )
        with pytest.raises(IdempotencyKeyReused):
            app.report(
                ReportOccurrence.from_body(fields(), T0),
                Request(by="alice", idempotency_key="k3"),
            )
        with pytest.raises(IdempotencyKeyReused):
            app.create_story(
                CreateStory.from_body({"slug": "s", "title": "S"}),
                Request(by="alice", idempotency_key="k3"),
            )


class TestRevising:
    def test_amendment_may_not_predate_the_first_report(self, app: NewslineApplication) -> None:
        written = app.report(ReportOccurrence.from_body(fields(), T0), ALICE)
        with pytest.raises(ValidationFailed) as failure:
            app.amend(
                AmendOccurrence.from_body(
                    written.id, {"title": "x", "reason": "fix"}, T0 - timedelta(hours=1)
                ),
                ALICE,
            )
        assert "reported_at" in errors_of(failure)
        assert app.get_occurrence(written.id).version == 1

    def test_late_older_amendment_is_accepted(self, app: NewslineApplication) -> None:
        written = app.report(ReportOccurrence.from_body(fields(), T0), ALICE)
        app.amend(
            AmendOccurrence.from_body(
                written.id, {"figures": {"killed": 2}, "reason": "toll"}, T0 + timedelta(days=1)
            ),
            ALICE,
        )
        app.amend(
            AmendOccurrence.from_body(
                written.id, {"figures": {"injured": 4}, "reason": "wire"}, T0 + timedelta(hours=4)
            ),
            ALICE,
        )
        state = app.get_occurrence(written.id).latest_state()
        assert state["figures"] == {"killed": 2, "injured": 4}

    @pytest.mark.parametrize(
        ("patch", "field"),
        [
            ({"title": None}, "title"),
            ({"relations": []}, "relations"),
            ({"id": "x"}, "id"),
            ({}, "patch"),
            ({"figures": {"killed": "2"}}, "figures.killed"),
        ],
    )
    def test_rejects_invalid_patches(
        self, app: NewslineApplication, patch: dict[str, Any], field: str
    ) -> None:
        written = app.report(ReportOccurrence.from_body(fields(), T0), ALICE)
        with pytest.raises(ValidationFailed) as failure:
            app.amend(AmendOccurrence.from_body(written.id, {**patch, "reason": "fix"}), ALICE)
        assert field in errors_of(failure)

    def test_reason_is_required(self, app: NewslineApplication) -> None:
        written = app.report(ReportOccurrence.from_body(fields(), T0), ALICE)
        with pytest.raises(ValidationFailed):
            app.amend(AmendOccurrence.from_body(written.id, {"title": "x", "reason": "   "}), ALICE)

    def test_stale_expected_version_is_refused(self, app: NewslineApplication) -> None:
        written = app.report(ReportOccurrence.from_body(fields(), T0), ALICE)
        app.amend(AmendOccurrence.from_body(written.id, {"title": "v2", "reason": "fix"}), ALICE, 1)
        with pytest.raises(StaleVersion):
            app.amend(AmendOccurrence.from_body(written.id, {"title": "v3", "reason": "fix"}), ALICE, 1)

    def test_unknown_occurrence(self, app: NewslineApplication) -> None:
        with pytest.raises(OccurrenceNotFound):
            app.retract(RetractOccurrence.from_body(uuid4(), {"reason": "gone"}), ALICE)

    def test_retraction_closes_the_occurrence_to_later_reports(self, app: NewslineApplication) -> None:
        written = app.report(ReportOccurrence.from_body(fields(), T0), ALICE)
        app.retract(
            RetractOccurrence.from_body(written.id, {"reason": "withdrawn"}, T0 + timedelta(days=2)), ALICE
        )
        with pytest.raises(Conflict):
            app.retract(RetractOccurrence.from_body(written.id, {"reason": "again"}), ALICE)
        with pytest.raises(Conflict):
            app.amend(
                AmendOccurrence.from_body(
                    written.id, {"title": "x", "reason": "late"}, T0 + timedelta(days=3)
                ),
                ALICE,
            )
        # A report older than the retraction still folds in before it.
        app.amend(
            AmendOccurrence.from_body(
                written.id, {"title": "older", "reason": "wire"}, T0 + timedelta(days=1)
            ),
            ALICE,
        )
        assert app.get_occurrence(written.id).version == 3

    def test_relations_are_unique_and_never_to_self(self, app: NewslineApplication) -> None:
        claim = app.report(ReportOccurrence.from_body(fields(kind="claim"), T0), ALICE)
        denial = app.report(ReportOccurrence.from_body(fields(kind="denial"), T0), ALICE)
        app.link(LinkOccurrence.from_body(denial.id, {"type": "disputes", "target": claim.id}), ALICE)
        with pytest.raises(Conflict):
            app.link(LinkOccurrence.from_body(denial.id, {"type": "disputes", "target": claim.id}), ALICE)
        with pytest.raises(ValidationFailed):
            app.link(LinkOccurrence.from_body(denial.id, {"type": "disputes", "target": denial.id}), ALICE)

    def test_revisions_per_occurrence_are_capped(
        self, app: NewslineApplication, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr("domain.occurrence.MAX_REVISIONS", 3)
        written = app.report(ReportOccurrence.from_body(fields(), T0), ALICE)
        app.amend(AmendOccurrence.from_body(written.id, {"title": "2", "reason": "fix"}), ALICE)
        app.amend(AmendOccurrence.from_body(written.id, {"title": "3", "reason": "fix"}), ALICE)
        with pytest.raises(Conflict):
            app.amend(AmendOccurrence.from_body(written.id, {"title": "4", "reason": "fix"}), ALICE)

    def test_idempotent_revision_replays(self, app: NewslineApplication) -> None:
        written = app.report(ReportOccurrence.from_body(fields(), T0), ALICE)
        request = Request(by="alice", idempotency_key="r1")
        first = app.retract(RetractOccurrence.from_body(written.id, {"reason": "withdrawn"}), request)
        again = app.retract(RetractOccurrence.from_body(written.id, {"reason": "withdrawn"}), request)
        assert again.replayed and again.version == first.version == 2


class TestStories:
    def test_story_creation_replays_with_its_key(self, app: NewslineApplication) -> None:
        request = Request(by="alice", idempotency_key="s1")
        first = app.create_story(CreateStory.from_body({"slug": "border", "title": "Border"}), request)
        again = app.create_story(CreateStory.from_body({"slug": "border", "title": "Border"}), request)
        assert again.replayed and again.id == first.id

    def test_a_slug_is_taken_once(self, app: NewslineApplication) -> None:
        app.create_story(CreateStory.from_body({"slug": "border", "title": "Border"}), ALICE)
        with pytest.raises(Conflict):
            app.create_story(CreateStory.from_body({"slug": "border", "title": "Other"}), ALICE)

    def test_slugs_are_lowercase_words(self, app: NewslineApplication) -> None:
        with pytest.raises(ValidationFailed):
            app.create_story(CreateStory.from_body({"slug": "Not A Slug", "title": "x"}), ALICE)
