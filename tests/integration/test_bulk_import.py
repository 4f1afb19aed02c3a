"""Bulk import: batches give the same store as one line at a time, bad lines aside."""

from __future__ import annotations

import gc
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from bench.corpus import Corpus
from domain.occurrence import Occurrence
from entrypoints import importing
from entrypoints.importing import ImportReport, import_file
from newsline.bootstrap import Newsline, build
from tests.conftest import drop_schema, new_schema, settings_for
from tests.unit.test_commands import document_0_2, keys_written_with

UNKNOWN = "00000000-0000-4000-8000-000000000000"


@pytest.fixture
def fresh(database_url: str) -> Iterator[Any]:
    """Newslines on schemas of their own, closed and dropped afterwards."""
    made: list[tuple[Newsline, str]] = []

    def make() -> Newsline:
        schema = new_schema()
        newsline = build(settings_for(database_url, schema), run_projections=False)
        made.append((newsline, schema))
        return newsline

    yield make
    for newsline, schema in made:
        newsline.close()
        drop_schema(database_url, schema)


@pytest.fixture(scope="module")
def corpus_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    lines = [line.encode() for line in Corpus(400, seed=3).lines()]
    bad = [
        b"{not json",
        b'{"title": "caf\xe9 in Latin-1"}',
        json.dumps({"revision": "amended", "occurrence_id": UNKNOWN, "title": "x", "reason": "r"}).encode(),
        json.dumps({"kind": "attack", "title": "no date", "source": {"name": "Wire A"}}).encode(),
    ]
    for offset, line in enumerate(bad):  # spread over several batches
        lines.insert(17 + 90 * offset, line)
    path = tmp_path_factory.mktemp("import") / "corpus.ndjson"
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


def states(newsline: Newsline) -> dict[UUID, Any]:
    app = newsline.app
    found: dict[UUID, Any] = {}
    for notification in app.recorder.select_notifications(start=1, limit=100_000):
        event = app.mapper.to_domain_event(notification)
        if isinstance(event, Occurrence.Event) and event.originator_id not in found:
            occurrence = app.get_occurrence(event.originator_id)
            found[event.originator_id] = [
                (r.version, r.type, r.reported_at, r.by, r.body) for r in occurrence.revisions
            ]
    return found


def numbers(report: ImportReport) -> list[int]:
    return [number for number, _ in report.errors]


def test_batches_write_what_single_lines_write(fresh: Any, corpus_file: Path) -> None:
    batched, single = fresh(), fresh()
    seen: list[int] = []
    by_batch = import_file(batched.app, corpus_file, batch_lines=37, progress=seen.append)
    by_line = import_file(single.app, corpus_file, batch_lines=1)
    assert (by_batch.written, by_batch.replayed) == (by_line.written, by_line.replayed)
    assert by_batch.written >= 390
    assert numbers(by_batch) == numbers(by_line) == [18, 108, 198, 288]
    assert "UTF-8" in by_batch.errors[1][1] and "does not exist" in by_batch.errors[2][1].lower()
    assert states(batched) == states(single)
    assert seen == sorted(seen) and seen[-1] == corpus_file.stat().st_size
    assert by_batch.last_position == batched.head()


def test_lines_read_in_a_process_of_their_own_write_what_lines_read_here_write(
    fresh: Any, corpus_file: Path
) -> None:
    """`newsline import` reads lines in a reader process, batches ahead of the writing."""
    apart, here = fresh(), fresh()
    seen: list[int] = []
    by_reader = import_file(apart.app, corpus_file, batch_lines=29, progress=seen.append, reader_process=True)
    by_here = import_file(here.app, corpus_file, batch_lines=29)
    assert by_reader.errors == by_here.errors and numbers(by_reader) == [18, 108, 198, 288]
    assert (by_reader.written, by_reader.replayed) == (by_here.written, by_here.replayed)
    assert states(apart) == states(here)
    assert seen == sorted(seen) and seen[-1] == corpus_file.stat().st_size
    again = import_file(apart.app, corpus_file, batch_lines=29, reader_process=True)
    assert again.written == 0 and again.replayed == by_reader.written
    assert apart.head() == by_reader.last_position


def test_a_second_import_writes_nothing(fresh: Any, corpus_file: Path) -> None:
    newsline = fresh()
    first = import_file(newsline.app, corpus_file, batch_lines=50)
    head = newsline.head()
    again = import_file(newsline.app, corpus_file, batch_lines=50)
    assert again.written == 0 and again.replayed == first.written
    assert numbers(again) == numbers(first)
    assert newsline.head() == head


def test_a_file_imported_by_0_2_writes_nothing_again(
    fresh: Any, corpus_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Version 0.2 keyed each line by its content (or its own key) with the line's fingerprint."""
    keyed = {"kind": "attack", "title": "Keyed", "occurred": "2014-05-19", "source": {"name": "Wire A"}}
    path = tmp_path / "keyed.ndjson"
    path.write_bytes(corpus_file.read_bytes() + json.dumps({**keyed, "idempotency_key": "wire:1"}).encode())
    hashes_0_2 = {}
    for text in path.read_bytes().splitlines():
        try:
            item = json.loads(text)
        except ValueError:
            continue
        key = item.pop("idempotency_key", None)
        if key is None and "story" not in item and "id" not in item:
            key = "import:" + document_0_2(item)
        hashes_0_2[key] = document_0_2(item)
    newsline = fresh()
    written_as_0_2 = keys_written_with(monkeypatch, hashes_0_2)
    first = import_file(newsline.app, path, batch_lines=50)
    monkeypatch.undo()
    assert "wire:1" in written_as_0_2 and len(written_as_0_2) > 100  # every revision line, and wire:1
    head = newsline.head()
    again = import_file(newsline.app, path, batch_lines=50)
    assert again.written == 0 and again.replayed == first.written
    assert newsline.head() == head


def test_a_known_id_reported_otherwise_is_a_bad_line(fresh: Any, tmp_path: Path) -> None:
    newsline = fresh()
    occurrence = {
        "id": "6f1c1b36-58e4-4a40-9d0e-0c4a3f3a8f01",
        "kind": "attack",
        "title": "Checkpoint shelled",
        "occurred": "2014-05-19",
        "source": {"name": "Wire A"},
        "reported_at": "2014-05-19T08:00:00Z",
    }
    story = {"story": {"slug": "east", "title": "East", "description": None}}
    path = tmp_path / "lines.ndjson"
    path.write_text("\n".join(json.dumps(line) for line in (story, occurrence)))
    assert import_file(newsline.app, path).written == 2
    changed_story = {"story": {**story["story"], "title": "West"}}
    path.write_text("\n".join(json.dumps(line) for line in (changed_story, {**occurrence, "title": "Other"})))
    report = import_file(newsline.app, path)
    assert report.written == 0 and numbers(report) == [1, 2]
    assert newsline.app.get_occurrence(UUID(occurrence["id"])).latest_state()["title"] == "Checkpoint shelled"


def test_what_an_import_forgets_needs_no_cycle_collector(
    fresh: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The import keeps what outlives a batch out of the cycle collector's sight
    (gc.freeze), which is safe only while what it forgets holds no reference cycle:
    reference counting alone must free every aggregate it no longer remembers."""
    monkeypatch.setattr(importing, "KNOWN_LIMIT", 50)  # forget most of what it wrote
    path = tmp_path / "corpus.ndjson"
    path.write_text("".join(line + "\n" for line in Corpus(1200, seed=5).lines()))
    newsline = fresh()
    gc.collect()
    gc.disable()
    try:
        report = import_file(newsline.app, path, batch_lines=100)
        cyclic_garbage = gc.collect()
    finally:
        gc.enable()
    assert report.written > 1000 and not report.errors
    assert cyclic_garbage == 0
