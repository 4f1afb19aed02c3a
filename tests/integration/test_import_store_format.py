"""What a bulk import stores reads back through the library as what `app.save()` stores.

The import saves a batch's events straight to the event store; the same
commands carried out one by one through the application's own unit of work
(the library's `save`) must leave the same log: the same aggregates, topics,
originator versions and stored state, and the same aggregates read back.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any
from uuid import UUID

import orjson
import pytest

from adapters import ndjson
from bench.corpus import Corpus
from entrypoints.importing import import_file
from newsline.bootstrap import Newsline, build
from tests.conftest import drop_schema, new_schema, settings_for

# The instant the library stamps an event with is when it was triggered; it
# differs between any two writes, so it is compared by its presence only.
_STAMPS = ("timestamp",)
_AGGREGATE_STAMPS = ("_created_on", "_modified_on")


@pytest.fixture
def two(database_url: str) -> Iterator[tuple[Newsline, Newsline]]:
    made = []
    for _ in range(2):
        schema = new_schema()
        made.append((build(settings_for(database_url, schema), run_projections=False), schema))
    yield made[0][0], made[1][0]
    for newsline, schema in made:
        newsline.close()
        drop_schema(database_url, schema)


def save_one_by_one(newsline: Newsline, path: Path) -> None:
    """Each line carried out through the application's own unit of work."""
    app = newsline.app
    for text in path.read_text().splitlines():
        line = ndjson.read(text)
        if isinstance(line, ndjson.StoryLine):
            app.create_story(line.command(), line.request)
        else:
            app.handle(line.command, line.request)


def stored(newsline: Newsline) -> dict[UUID, list[tuple[int, str, dict[str, Any]]]]:
    """Every aggregate's stored events, in order: version, topic and state without its stamp."""
    app = newsline.app
    found: dict[UUID, list[tuple[int, str, dict[str, Any]]]] = {}
    for notification in app.recorder.select_notifications(start=1, limit=1_000_000):
        state = orjson.loads(notification.state)
        assert all(state.pop(stamp) for stamp in _STAMPS)
        found.setdefault(notification.originator_id, []).append(
            (notification.originator_version, notification.topic, state)
        )
        app.mapper.to_domain_event(notification)  # every stored event reads back
    return found


def read_back(newsline: Newsline, aggregate_id: UUID) -> dict[str, Any]:
    """The aggregate as the library's repository reads it, its stamps left out."""
    aggregate = newsline.app.repository.get(aggregate_id)
    state = {name: value for name, value in vars(aggregate).items() if name not in _AGGREGATE_STAMPS}
    if "revisions" in state:  # a revision's recorded_at is its event's stamp
        state["revisions"] = [replace(revision, recorded_at=None) for revision in state["revisions"]]
    return state


def test_an_import_stores_what_the_library_saves(two: tuple[Newsline, Newsline], tmp_path: Path) -> None:
    path = tmp_path / "corpus.ndjson"
    path.write_text("".join(line + "\n" for line in Corpus(300, seed=5).lines()))
    imported, saved = two
    report = import_file(imported.app, path, batch_lines=64)
    save_one_by_one(saved, path)
    assert not report.errors
    by_import, by_save = stored(imported), stored(saved)
    assert by_import == by_save
    assert len(by_import) > 300
    for aggregate_id in by_import:
        assert read_back(imported, aggregate_id) == read_back(saved, aggregate_id)
