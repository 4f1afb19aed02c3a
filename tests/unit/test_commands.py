"""Commands: each built and checked once from a body, fingerprinted compatibly with
version 0.2's stores, and written to and read from an NDJSON line alike."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest

import adapters.unit_of_work
import adapters.write_batch
from adapters import ndjson
from adapters.unit_of_work import StoreUnitOfWork
from api.answers import write_request
from api.schemas.catalogue import StoryCreate
from api.schemas.occurrences import OccurrenceCreate, OccurrencePatch, RelationCreate, RetractionCreate
from domain.commands import (
    AmendOccurrence,
    Command,
    CreateStory,
    LinkOccurrence,
    ReportOccurrence,
    Request,
    RetractOccurrence,
)
from domain.errors import ValidationFailed
from domain.idempotency import IdempotencyKey, fingerprints_0_2
from domain.service import NewslineApplication, Written
from entrypoints import seeding
from newsline.settings import Principal
from tests.unit.test_service import T0, errors_of, fields

OCCURRENCE = UUID("6f1c1f52-5a43-4a44-9e0e-5d1c0f3d2a11")
TARGET = UUID("0b0f3c9e-2f7e-4d43-8f59-3c7a1f1d9b22")
SOURCE = {"name": "Wire", "outlet": "Daily Courier"}


def http_0_2(operation: str, body: Any) -> str:
    """Version 0.2's fingerprint of an HTTP request, as its `write_request` computed it."""
    canonical = json.dumps({"operation": operation, "body": body}, sort_keys=True, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def document_0_2(document: Any) -> str:
    """Version 0.2's fingerprint of a seed item or an import line (without its key)."""
    return hashlib.sha256(json.dumps(document, sort_keys=True).encode()).hexdigest()


@pytest.fixture
def app() -> NewslineApplication:
    return NewslineApplication(env={"PERSISTENCE_MODULE": "eventsourcing.popo"}, unit_of_work=StoreUnitOfWork)


class TestBuilding:
    def test_each_command_is_built_in_canonical_form(self) -> None:
        report = ReportOccurrence.from_body(fields(title="  Checkpoint shelled  "), T0)
        assert report.fields["title"] == "Checkpoint shelled" and report.fields["summary"] is None
        amend = AmendOccurrence.from_body(
            OCCURRENCE, {"title": " New ", "reason": " toll ", "source": SOURCE}
        )
        assert (amend.patch, amend.reason) == ({"title": "New"}, "toll")
        assert amend.source == {**SOURCE, "article_url": None, "quote": None, "reliability": None}
        link = LinkOccurrence.from_body(OCCURRENCE, {"type": "disputes", "target": str(TARGET)})
        assert (link.relation, link.source) == ({"type": "disputes", "target": str(TARGET)}, None)
        assert RetractOccurrence.from_body(OCCURRENCE, {"reason": " hoax "}).reason == "hoax"
        assert CreateStory.from_body({"slug": "east", "title": " East "}) == CreateStory("east", "East", None)

    @pytest.mark.parametrize(
        ("build", "field"),
        [
            (lambda: ReportOccurrence.from_body(fields(occurred="2014-02-30")), "occurred"),
            (lambda: ReportOccurrence.from_body(fields(colour="red")), "colour"),
            (lambda: AmendOccurrence.from_body(OCCURRENCE, {"title": None, "reason": "r"}), "title"),
            (lambda: AmendOccurrence.from_body(OCCURRENCE, {"reason": "r"}), "patch"),
            (lambda: AmendOccurrence.from_body(OCCURRENCE, {"title": "x", "reason": " "}), "reason"),
            (
                lambda: LinkOccurrence.from_body(OCCURRENCE, {**_link(), "source": {"name": ""}}),
                "source.name",
            ),
            (lambda: RetractOccurrence.from_body(OCCURRENCE, {}), "reason"),
            (lambda: CreateStory.from_body({"slug": "Not A Slug", "title": "x"}), "slug"),
        ],
    )
    def test_each_command_refuses_a_body_that_breaks_a_rule(self, build: Any, field: str) -> None:
        with pytest.raises(ValidationFailed) as failure:
            build()
        assert field in errors_of(failure)

    def test_a_body_read_at_the_door_is_checked_beyond_its_fields_only(self) -> None:
        body = {**fields(), "reported_at": "2014-05-19T08:00:00Z"}
        door = OccurrenceCreate.model_validate(body)
        plain = {key: value for key, value in body.items() if key != "reported_at"}
        assert ReportOccurrence.from_body(door, door.reported_at) == ReportOccurrence.from_body(plain, T0)
        for bad, field in [
            (fields(occurred="2014-05-19/2014-05-01"), "occurred"),  # the door checks its form only
            (fields(relations=[_link(), _link()]), "relations.1"),
        ]:
            with pytest.raises(ValidationFailed) as failure:
                ReportOccurrence.from_body(OccurrenceCreate.model_validate(bad))
            assert field in errors_of(failure)
        with pytest.raises(ValidationFailed) as failure:
            AmendOccurrence.from_body(OCCURRENCE, OccurrencePatch.model_validate({"reason": "r"}))
        assert "patch" in errors_of(failure)
        with pytest.raises(ValidationFailed) as failure:
            RetractOccurrence.from_body(OCCURRENCE, RetractionCreate.model_validate({"reason": "a\x00b"}))
        assert errors_of(failure) == {
            "body": "Value error, reason contains a control character or invalid Unicode"
        }


def _link() -> dict[str, Any]:
    return {"type": "disputes", "target": str(TARGET)}


class TestFingerprints:
    def test_http_writes_keyed_in_0_2_replay(self, app: NewslineApplication) -> None:
        """0.2 hashed their body as the HTTP layer read it, which is the command's canonical body."""
        report = OccurrenceCreate.model_validate({**fields(), "reported_at": "2014-05-19T10:00:00+02:00"})
        command = ReportOccurrence.from_body(report, report.reported_at)
        first = app.report(command, Request(by="alice"))
        _record_as_0_2(app, "r-0.2", http_0_2("report", report.model_dump(mode="json")), first)
        again = app.report(command, Request(by="alice", idempotency_key="r-0.2"))
        assert again.replayed and again.id == first.id
        link = RelationCreate.model_validate({**_link(), "source": SOURCE})
        retraction = RetractionCreate.model_validate({"reason": "hoax", "reported_at": "2014-05-20T08:00:00"})
        story = StoryCreate.model_validate({"slug": "east", "title": "East"})
        cases: list[tuple[Command, str, Any]] = [
            (LinkOccurrence.from_body(OCCURRENCE, link), f"link {OCCURRENCE}", link),
            (RetractOccurrence.from_body(OCCURRENCE, retraction), f"retract {OCCURRENCE}", retraction),
            (CreateStory.from_body(story), "story", story),
        ]
        for command_, operation, body in cases:
            request = Request(by="alice", idempotency_key="k")
            assert http_0_2(operation, body.model_dump(mode="json")) in fingerprints_0_2(command_, request)

    def test_an_amendment_keyed_in_0_2_replays(self, app: NewslineApplication) -> None:
        """0.2 hashed a PATCH body as sent; the request states it, and the key recognises it."""
        reported = app.report(ReportOccurrence.from_body(fields(), T0), Request(by="alice"))
        sent = {"figures": {"killed": 2}, "reason": "toll", "source": {"name": "Wire"}}
        body = OccurrencePatch.model_validate(sent)
        command = AmendOccurrence.from_body(reported.id, body)
        operation = f"amend {reported.id}"
        first = app.amend(command, Request(by="alice"))
        _record_as_0_2(
            app, "k-0.2", http_0_2(operation, body.model_dump(mode="json", exclude_unset=True)), first
        )
        request = write_request(Principal("alice", "editor"), "k-0.2", as_sent=(operation, body))
        again = app.amend(command, request)
        assert again.replayed and again.version == first.version == 2

    def test_a_seed_written_by_0_2_replays(
        self, app: NewslineApplication, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        seeds = {
            "stories": [{"slug": "border", "title": "Border", "description": None}],
            "occurrences": [
                {**fields(stories=["border"]), "key": "a", "reported_at": "2014-05-19T08:00:00+00:00"},
                {
                    **fields(relations=[{"type": "disputes", "target": "a"}]),
                    "key": "b",
                    "reported_at": "2014-05-19T09:00:00+00:00",
                },
            ],
        }
        path = tmp_path / "seeds.json"
        path.write_text(json.dumps(seeds))
        hashes_0_2 = {f"seed:story:{story['slug']}": document_0_2(story) for story in seeds["stories"]}
        hashes_0_2 |= {f"seed:{item['key']}": document_0_2(item) for item in seeds["occurrences"]}
        written_as_0_2 = keys_written_with(monkeypatch, hashes_0_2)
        first = seeding.load(app, path)
        monkeypatch.undo()
        assert (first.stories_created, first.occurrences_created) == (1, 2)
        assert written_as_0_2 == set(hashes_0_2)
        head = app.recorder.max_notification_id()
        again = seeding.load(app, path)
        assert (again.unchanged, again.stories_created, again.occurrences_created) == (3, 0, 0)
        assert app.recorder.max_notification_id() == head


def _record_as_0_2(app: NewslineApplication, key: str, request_hash: str, written: Written) -> None:
    """Record that a request with `key` wrote `written`, as version 0.2 recorded it."""
    app.save(
        IdempotencyKey(key=key, request_hash=request_hash, target=written.id, target_version=written.version)
    )


def keys_written_with(monkeypatch: pytest.MonkeyPatch, hashes: dict[str, str]) -> set[str]:
    """Make the unit of work record keys as version 0.2 did: with `hashes[key]`."""
    written: set[str] = set()

    def as_0_2(aggregate: Any, request: Request, command: Command) -> IdempotencyKey | None:
        if request.idempotency_key is None:
            return None
        written.add(request.idempotency_key)
        return IdempotencyKey(
            key=request.idempotency_key,
            request_hash=hashes[request.idempotency_key],
            target=aggregate.id,
            target_version=aggregate.version,
        )

    monkeypatch.setattr(adapters.unit_of_work, "idempotency_key", as_0_2)
    monkeypatch.setattr(adapters.write_batch, "idempotency_key", as_0_2)
    return written


class TestLines:
    @pytest.mark.parametrize(
        "command",
        [
            ReportOccurrence.from_body(fields(summary="ünïcode"), T0, uuid4()),
            AmendOccurrence.from_body(
                OCCURRENCE, {"figures": {"killed": None}, "reason": "r", "source": SOURCE}, T0
            ),
            LinkOccurrence.from_body(OCCURRENCE, _link(), T0),
            RetractOccurrence.from_body(OCCURRENCE, {"reason": "hoax"}, datetime(2014, 5, 20, tzinfo=UTC)),
        ],
    )
    def test_a_line_written_reads_back_as_the_same_command(self, command: Command) -> None:
        line = ndjson.read(ndjson.write(command, "alice", "k1"))
        assert isinstance(line, ndjson.Line)
        assert line.command == command
        assert (line.request.by, line.request.idempotency_key) == ("alice", "k1")

    def test_a_story_line_reads_back_as_the_same_story(self) -> None:
        story = CreateStory("east", "East", None)
        line = ndjson.read(ndjson.write(story, "alice"))
        assert isinstance(line, ndjson.StoryLine)
        assert line.command() == story and line.request.by == "alice"

    def test_a_line_without_a_key_keeps_0_2s_content_key(self) -> None:
        item = {**fields(), "reported_at": "2014-05-19T08:00:00Z"}
        line = ndjson.read(json.dumps(item))
        assert line.request.idempotency_key == "import:" + document_0_2(item)
        assert line.request.by == ndjson.IMPORT_PRINCIPAL
