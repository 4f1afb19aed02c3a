"""Workers sharing the shards of the views (NEWSLINE_PROJECTION_SHARDS): real processes.

Two workers with four timeline shards split them two and two; one SIGKILLed
under a continuous writer loses its claims with its connection, and the other
takes its shards over; a worker that joins gets its share. Through it all every
acknowledged write is in the views, no runner fails (an event applied twice
would fail on the view's unique rows), and the views end identical to a
`newsline rebuild`.
"""

from __future__ import annotations

import signal
import time
from uuid import UUID

import pytest

from tests.e2e.sharded import Deployment, Writer, deployment, missing, wait_until
from tests.helpers import view_checksums

pytestmark = [pytest.mark.timeout(300, method="thread")]

SHARDS = 4


def end_as_a_rebuild(running: Deployment, acknowledged: list[UUID]) -> None:
    """The views hold every acknowledged write, and equal a rebuild once the workers stop."""
    newsline = running.newsline
    head = newsline.head()
    assert newsline.wait_for_views(head, timeout=60)
    assert missing(newsline, acknowledged) == []
    assert running.worker_errors() == []
    running.api.stop(signal.SIGTERM)
    for worker in running.workers:
        if worker.poll() is None:
            worker.send_signal(signal.SIGTERM)
            worker.wait(timeout=30)
    followed = view_checksums(newsline)
    rebuilt = running.rebuild()
    assert rebuilt.returncode == 0, rebuilt.stderr.decode()[-2000:]
    assert view_checksums(newsline) == followed


def test_a_killed_workers_shards_are_taken_over_and_every_write_is_kept(database_url: str) -> None:
    with deployment(database_url, SHARDS) as running:
        running.start_api()
        first, second = running.start_worker(), running.start_worker()
        # Balanced: two timeline shards each (the story view's one shard goes to either).
        assert wait_until(lambda: sorted(map(len, running.holdings().values())) == [2, 2], timeout=60), (
            running.holdings()
        )
        with Writer(running.api.url) as writer:
            assert writer.wait_for(30)
            first.send_signal(signal.SIGKILL)
            killed = time.monotonic()
            taken_over = wait_until(lambda: running.all_held_by({second.pid}), timeout=30)
            takeover = time.monotonic() - killed
            assert taken_over, running.newsline.shards()
            print(f"\nshards taken over {takeover:.2f} s after the SIGKILL")
            written = len(writer.acknowledged)
            assert writer.wait_for(written + 30)  # writes go on through the survivor
        assert first.wait(timeout=10) == -signal.SIGKILL
        end_as_a_rebuild(running, list(writer.acknowledged))


def test_a_worker_that_joins_gets_its_share_and_nothing_is_applied_twice(database_url: str) -> None:
    with deployment(database_url, SHARDS) as running:
        running.start_api()
        first = running.start_worker()
        assert wait_until(lambda: running.all_held_by({first.pid}), timeout=60)
        with Writer(running.api.url) as writer:
            assert writer.wait_for(30)
            second = running.start_worker()
            assert wait_until(lambda: sorted(map(len, running.holdings().values())) == [2, 2], timeout=60), (
                running.holdings()
            )
            assert set(running.holdings()) == {first.pid, second.pid}
            written = len(writer.acknowledged)
            assert writer.wait_for(written + 30)
        end_as_a_rebuild(running, list(writer.acknowledged))
