"""An online rebuild in this process: the views it switches to, and the projection versions."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from psycopg import Cursor
from psycopg.rows import DictRow

from domain.commands import ReportOccurrence
from newsline.bootstrap import Newsline
from newsline.rebuilding import rebuild_online
from projections.timeline import TimelineView
from projections.versions import OtherVersion
from tests.e2e.sharded import wait_until
from tests.helpers import newsline_with_corpus, schemas_left, table_id, view_checksums
from tests.unit.test_service import ALICE, T0, fields


@pytest.fixture
def corpus_newsline(database_url: str, tmp_path: Path) -> Iterator[Newsline]:
    with newsline_with_corpus(database_url, tmp_path, 600) as newsline:
        yield newsline


def no_progress(position: int) -> None:
    pass


@pytest.mark.parametrize("processes", [1, 2])
def test_the_views_switched_to_are_a_rebuilds(
    corpus_newsline: Newsline, database_url: str, processes: int
) -> None:
    head = corpus_newsline.rebuild(processes=1)
    rebuilt = view_checksums(corpus_newsline)
    before = table_id(corpus_newsline)
    assert rebuild_online(corpus_newsline, no_progress, processes) == head
    assert view_checksums(corpus_newsline) == rebuilt
    assert table_id(corpus_newsline) != before
    assert corpus_newsline.positions() == {"timeline": head, "stories": head}
    assert schemas_left(database_url, corpus_newsline.datastore.schema) == []


def test_a_process_of_another_projection_version_applies_nothing(
    corpus_newsline: Newsline, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Deploying a new projection version: the old release's runners stop applying
    the views the new release's online rebuild built, and the new release's
    wait for that rebuild instead of applying to the old views."""
    head = corpus_newsline.rebuild(processes=1)
    corpus_newsline.stop_projections()  # this test moves the position itself
    view = corpus_newsline.timeline
    applied: list[int] = []

    def work(cursor: Cursor[DictRow], position: int) -> None:
        applied.append(position)

    monkeypatch.setattr(TimelineView, "version", 2)  # the new release
    with pytest.raises(OtherVersion, match="applies it once `newsline rebuild --online` has built it"):
        view.commit(head + 1, work)
    assert rebuild_online(corpus_newsline, no_progress, processes=1) == head
    assert view.recorded_version() == 2
    view.commit(head + 1, work)
    assert applied == [head]

    monkeypatch.setattr(TimelineView, "version", 1)  # the old release, still running
    with pytest.raises(OtherVersion, match="rebuilt by a newer Newsline"):
        view.commit(head + 2, work)
    assert applied == [head]
    assert view.position() == head + 1


def test_a_process_runs_the_views_only_while_they_hold_its_version(
    corpus_newsline: Newsline, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The new release's process claims no shard (so it keeps none from the old
    release's) until the online rebuild records its version; then it claims every
    shard and applies new writes; and it gives them back once the views hold
    another version."""
    corpus_newsline.rebuild(processes=1)
    corpus_newsline.stop_projections()
    monkeypatch.setattr(TimelineView, "version", 2)
    corpus_newsline.start_projections()
    claims = corpus_newsline.projections
    assert claims is not None
    time.sleep(3)  # three rounds of claiming
    assert claims.held() == []
    rebuild_online(corpus_newsline, no_progress, processes=1)
    assert wait_until(lambda: len(claims.held()) == 2, timeout=30), claims.held()
    written = corpus_newsline.app.report(ReportOccurrence.from_body(fields(), T0), ALICE)
    assert written.position is not None
    assert corpus_newsline.wait_for_views(written.position, timeout=30)
    assert corpus_newsline.timeline.reader.occurrence(written.id) is not None
    monkeypatch.setattr(TimelineView, "version", 1)
    assert wait_until(lambda: claims.held() == [], timeout=30), claims.held()
