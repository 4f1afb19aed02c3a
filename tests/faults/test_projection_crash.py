"""SIGKILL `newsline worker` at random points, at least 20 times, while it catches up on
thousands of events: after each restart the views end identical to `newsline rebuild`."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest

from newsline.bootstrap import Newsline, build
from tests.conftest import drop_schema, new_schema, settings_for
from tests.helpers import view_checksums
from tests.integration.test_crash_recovery import start_worker, wait_until, write_log

KILLS = 20
OCCURRENCES = 1000  # three events each, and a relation on every third


@pytest.fixture
def stopped_views(database_url: str) -> Iterator[tuple[Newsline, dict[str, str]]]:
    schema = new_schema()
    newsline = build(settings_for(database_url, schema), run_projections=False)
    env = {**os.environ, "NEWSLINE_DATABASE_URL": database_url, "NEWSLINE_DATABASE_SCHEMA": schema}
    yield newsline, env
    newsline.close()
    drop_schema(database_url, schema)


def test_twenty_kills_while_catching_up_end_as_a_rebuild(
    stopped_views: tuple[Newsline, dict[str, str]],
) -> None:
    newsline, env = stopped_views
    write_log(newsline, OCCURRENCES)
    assert newsline.head() >= 3000
    rng = random.Random(2014)
    kills, applied_while_killed = 0, []
    while kills < KILLS:
        if min(view.position() for view in newsline.views) >= newsline.head():
            write_log(newsline, 100)  # the worker caught up: give it more to catch up on
        reached = newsline.timeline.position()
        worker = start_worker(env)
        # Kill it at a random moment once it is applying events, mid-stream.
        wait_until(lambda: newsline.timeline.position() > reached, timeout=60)  # noqa: B023
        time.sleep(rng.uniform(0, 0.3))
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
        kills += 1
        applied_while_killed.append(newsline.timeline.position() - reached)
    assert sum(1 for applied in applied_while_killed if applied > 0) >= KILLS // 2, applied_while_killed

    head = newsline.head()
    worker = start_worker(env)
    try:
        assert wait_until(lambda: all(view.position() >= head for view in newsline.views), timeout=300)
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=30)
    after_kills = view_checksums(newsline)

    rebuilt = subprocess.run(
        [sys.executable, "-m", "newsline", "rebuild"], env=env, capture_output=True, timeout=600
    )
    assert rebuilt.returncode == 0, rebuilt.stderr.decode()[-2000:]
    assert view_checksums(newsline) == after_kills
