"""Changing NEWSLINE_PROJECTION_SHARDS on a database that has views: split anew, never applied twice.

From one shard to three, each new shard starts at the old position. From
three shards at different positions to two, the old shards are first brought
to the furthest one's position, then replaced. Either way the views equal a
rebuild, and a process running the old split holds off the new one until it
stops, without giving up any of its shards meanwhile.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from newsline.bootstrap import Newsline, build
from projections.runner import follow
from projections.shards import split_count
from tests.conftest import drop_schema, new_schema, settings_for
from tests.e2e.sharded import wait_until
from tests.helpers import rebuild, view_checksums
from tests.integration.test_crash_recovery import write_log


def all_held(newsline: Newsline) -> bool:
    return all(shard["held_by"] is not None for shard in newsline.shards())


@pytest.fixture
def schema(database_url: str) -> Iterator[str]:
    name = new_schema()
    yield name
    drop_schema(database_url, name)


def test_the_timeline_is_split_anew_from_where_its_shards_stood(database_url: str, schema: str) -> None:
    one = build(settings_for(database_url, schema, projection_batch_size=7), run_projections=True)
    write_log(one, occurrences=20)
    assert one.wait_for_views(one.head(), timeout=60)
    three = build(settings_for(database_url, schema, projection_shards=3), run_projections=True)
    try:
        # A process running the timeline whole holds its one shard: no split meanwhile.
        assert not wait_until(lambda: split_count(one.timeline.shard_positions()) == 3, timeout=2.5)
        one.stop_projections()
        assert wait_until(lambda: split_count(one.timeline.shard_positions()) == 3, timeout=30)
        write_log(one, occurrences=20)
        assert three.wait_for_views(one.head(), timeout=60)

        # One configured for two shards waits, and meanwhile takes nothing from the
        # three shards' share: they all stay held, and writes are still applied.
        waiting = build(settings_for(database_url, schema, projection_shards=2), run_projections=True)
        try:
            assert not wait_until(lambda: not all_held(one), timeout=2.5)
            write_log(one, occurrences=5)
            assert three.wait_for_views(one.head(), timeout=60)
            assert split_count(one.timeline.shard_positions()) == 3
        finally:
            waiting.close()
        three.stop_projections()

        # More events, applied by the first of the three shards only: they now stand apart.
        write_log(one, occurrences=10)
        first = three.sharding.specs()[0]
        follow(first.projection, three.app, lambda _: None, threading.Event(), 7, first.partition, one.head())
        positions = sorted(one.timeline.shard_positions().values())
        assert positions[0] < positions[-1] == one.head()
        # What a reader of a hot standby computes in one statement: the slowest shard's.
        with one.timeline.reading() as cursor:
            row = cursor.execute(one.timeline.position_statement()).fetchone()
        assert row is not None and row["notification_id"] == positions[0] == one.timeline.position()

        two = build(settings_for(database_url, schema, projection_shards=2), run_projections=True)
        try:
            write_log(one, occurrences=10)
            assert two.wait_for_views(one.head(), timeout=60)
            assert split_count(one.timeline.shard_positions()) == 2
            followed = view_checksums(one)
        finally:
            two.close()
        rebuild(one)
        assert view_checksums(one) == followed
    finally:
        three.close()
        one.close()
