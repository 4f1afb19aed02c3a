"""A rebuild by partitions of the occurrences gives the views a rebuild in one process gives."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from eventsourcing.postgres import PostgresApplicationRecorder
from psycopg.sql import SQL

from domain.occurrence import Occurrence
from newsline.bootstrap import Newsline, UnfinishedRebuild, build
from projections.partitions import TRACKING_PREFIX, partitions, select_notifications
from projections.timeline import TimelineProjection
from projections.timeline.stored import revision_of
from tests.helpers import newsline_with_corpus, view_checksums


@pytest.fixture(scope="module")
def corpus_newsline(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Newsline]:
    """A Newsline holding a corpus with amendments, links and retractions."""
    with newsline_with_corpus(database_url, Path(tmp_path_factory.mktemp("corpus")), 1500) as newsline:
        yield newsline


def test_partitioned_rebuild_gives_byte_identical_views(corpus_newsline: Newsline) -> None:
    head = corpus_newsline.head()
    assert corpus_newsline.rebuild(processes=1) == head
    alone = view_checksums(corpus_newsline)
    for processes in (2, 3):
        assert corpus_newsline.rebuild(processes=processes) == head
        assert view_checksums(corpus_newsline) == alone
        assert corpus_newsline.positions() == {"timeline": head, "stories": head}
        assert corpus_newsline.timeline.positions(TRACKING_PREFIX) == []


def test_the_sql_condition_owns_what_python_owns(database_url: str) -> None:
    ids = [uuid.uuid4() for _ in range(500)]
    with psycopg.connect(database_url) as connection:
        for partition in partitions(3):
            statement = SQL("SELECT originator_id FROM unnest(%s::uuid[]) AS originator_id WHERE {0}")
            rows = connection.execute(statement.format(partition.where("originator_id")), (ids,)).fetchall()
            assert {row[0] for row in rows} == {i for i in ids if partition.owns(i)}


def test_revisions_read_from_stored_json_are_the_librarys(corpus_newsline: Newsline) -> None:
    app, head = corpus_newsline.app, corpus_newsline.head()
    recorder = app.recorder
    assert isinstance(recorder, PostgresApplicationRecorder)
    every = partitions(1)[0]
    notifications = select_notifications(recorder, every, 0, head, TimelineProjection.topics)
    assert {n.topic for n in notifications} == set(TimelineProjection.topics)
    for notification in notifications:
        event = app.mapper.to_domain_event(notification)
        assert isinstance(event, Occurrence.Event)
        assert revision_of(notification, app.mapper) == Occurrence.revision_of(event)


def test_views_a_stopped_partitioned_rebuild_left_are_not_run_until_rebuilt(
    database_url: str, corpus_newsline: Newsline
) -> None:
    """Rows without the position that accounts for them would be applied twice:
    no process may run the views until `newsline rebuild` has run again."""
    settings = corpus_newsline.settings
    corpus_newsline.rebuild(processes=1)
    corpus_newsline.close()
    partition = build(settings, run_projections=False)
    partition.timeline.track_as(f"{TRACKING_PREFIX}1")  # as a partition that never finished
    partition.close()
    stopped = build(settings, run_projections=False)
    try:
        with pytest.raises(UnfinishedRebuild, match="run `newsline rebuild` again"):
            stopped.start_projections()
        with pytest.raises(UnfinishedRebuild):
            build(settings, run_projections=True).close()
        assert stopped.rebuild(processes=1) == stopped.head()
        assert stopped.timeline.positions(TRACKING_PREFIX) == []
        build(settings, run_projections=True).close()
    finally:
        stopped.close()
