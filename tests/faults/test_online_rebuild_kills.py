"""SIGKILL workers, again and again, while `newsline rebuild --online` builds and switches.

Three workers share the shards under a continuous writer and continuous
readers of a fixed story. While the rebuild runs, a worker picked at random
is killed every half second and a fresh one joins. The rebuild ends and switches,
the readers got every entry on every read, every acknowledged write is in
the views, and the views end as a plain rebuild's.
"""

from __future__ import annotations

import random
import signal
import time
from pathlib import Path

import pytest

from tests.e2e.sharded import Writer, wait_until
from tests.e2e.test_online_rebuild import Readers, online_rebuild, rebuilt, serving, story_with_entries
from tests.e2e.test_shards import end_as_a_rebuild

pytestmark = [pytest.mark.timeout(500, method="thread")]


def test_workers_killed_during_an_online_rebuild_lose_nothing(database_url: str, tmp_path: Path) -> None:
    rng = random.Random(1720)
    with serving(database_url, tmp_path, revisions=6000, workers=3) as running:
        expected = story_with_entries(running.api.url)
        with Readers(running.api.url, expected) as readers, Writer(running.api.url) as writer:
            assert writer.wait_for(5)
            rebuild = online_rebuild(running)
            kills = 0
            while rebuild.poll() is None:
                alive = [worker for worker in running.workers if worker.poll() is None]
                rng.choice(alive).send_signal(signal.SIGKILL)
                kills += 1
                running.start_worker()
                time.sleep(0.5)
            rebuilt(running, rebuild)
            # (starting the rebuild's processes alone takes longer than a second)
            assert kills >= 2, "the rebuild ended before workers were killed during it"
            survivors = {worker.pid for worker in running.workers if worker.poll() is None}
            assert wait_until(lambda: running.all_held_by(survivors), timeout=30), running.newsline.shards()
            written = len(writer.acknowledged)
            assert writer.wait_for(written + 5)
        assert readers.wrong == []
        print(f"\n{kills} workers killed during the rebuild; {readers.reads} reads, all whole")
        end_as_a_rebuild(running, list(writer.acknowledged))
