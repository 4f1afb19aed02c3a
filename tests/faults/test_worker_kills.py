"""SIGKILL the workers sharing the views' shards, one after another, under a continuous writer.

Three workers share four timeline shards and the story view's one. Eight
times, a worker picked at random is killed, the survivors take over every
shard it held, and a fresh worker joins (and is given its share). The
writer's every acknowledged write is in the views, no runner ever failed,
and the views end identical to a `newsline rebuild`.
"""

from __future__ import annotations

import random
import signal
import time

import pytest

from tests.e2e.sharded import Writer, deployment, wait_until
from tests.e2e.test_shards import end_as_a_rebuild

pytestmark = [pytest.mark.timeout(400, method="thread")]

KILLS = 8


def test_workers_killed_one_after_another_lose_nothing(database_url: str) -> None:
    rng = random.Random(1609)
    with deployment(database_url, shards=4) as running:
        running.start_api()
        for _ in range(3):
            running.start_worker()

        takeovers = []
        with Writer(running.api.url) as writer:
            assert writer.wait_for(20)
            for kill in range(KILLS):
                alive = [worker for worker in running.workers if worker.poll() is None]
                victim = rng.choice(alive)
                survivors = {worker.pid for worker in alive if worker is not victim}
                victim.send_signal(signal.SIGKILL)
                killed = time.monotonic()
                assert wait_until(lambda: running.all_held_by(survivors), timeout=30), (  # noqa: B023
                    kill,
                    running.newsline.shards(),
                )
                takeovers.append(time.monotonic() - killed)
                joined = running.start_worker()
                assert wait_until(lambda: joined.pid in running.holdings(), timeout=30), (  # noqa: B023
                    kill,
                    running.holdings(),
                )
                written = len(writer.acknowledged)
                assert writer.wait_for(written + 5)
        print(f"\ntakeovers after each SIGKILL: {', '.join(f'{t:.2f}' for t in takeovers)} s")
        end_as_a_rebuild(running, list(writer.acknowledged))
