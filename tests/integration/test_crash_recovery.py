"""Killing the projection worker while it catches up loses and repeats nothing."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from domain.commands import AmendOccurrence, ReportOccurrence
from domain.service import Request
from newsline.bootstrap import Newsline, build
from tests.conftest import drop_schema, new_schema, settings_for
from tests.helpers import rebuild, view_checksums
from tests.unit.test_service import fields

ALICE = Request(by="alice")
BASE = datetime(2014, 5, 19, tzinfo=UTC)


@pytest.fixture
def stopped_views(database_url: str) -> Iterator[tuple[Newsline, dict[str, str]]]:
    """A log written while no projection runs, and the environment of a worker for it."""
    schema = new_schema()
    newsline = build(settings_for(database_url, schema), run_projections=False)
    env = {
        **os.environ,
        "NEWSLINE_DATABASE_URL": database_url,
        "NEWSLINE_DATABASE_SCHEMA": schema,
        # Small batches, so that the worker is killed between and inside commits.
        "NEWSLINE_PROJECTION_BATCH_SIZE": "25",
    }
    yield newsline, env
    newsline.close()
    drop_schema(database_url, schema)


def write_log(newsline: Newsline, occurrences: int) -> None:
    app = newsline.app
    previous = None
    for index in range(occurrences):
        relations = [{"type": "disputes", "target": str(previous)}] if previous and index % 3 == 0 else []
        written = app.report(
            ReportOccurrence.from_body(fields(relations=relations), BASE + timedelta(minutes=index)), ALICE
        )
        app.amend(
            AmendOccurrence.from_body(
                written.id, {"figures": {"killed": index}, "reason": "toll"}, BASE + timedelta(days=1)
            ),
            ALICE,
        )
        app.amend(
            AmendOccurrence.from_body(
                written.id,
                {"title": f"#{index}", "reason": "wire"},
                BASE + timedelta(minutes=index, hours=index % 20),
            ),
            ALICE,
        )
        previous = written.id


def start_worker(env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "newsline", "worker"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def wait_until(condition: object, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return True
        time.sleep(0.02)
    return False


def test_sigkill_during_catch_up_then_restart_equals_rebuild(
    stopped_views: tuple[Newsline, dict[str, str]],
) -> None:
    newsline, env = stopped_views
    write_log(newsline, occurrences=300)
    head = newsline.head()
    timeline = newsline.timeline
    rng = random.Random(7)
    kills = 0
    while timeline.position() < head and kills < 6:
        reached = timeline.position()
        worker = start_worker(env)
        # Let it apply a random stretch of events, then kill it mid-stream.
        target = min(head, reached + rng.randint(20, 250))
        wait_until(lambda: timeline.position() >= target, timeout=60)  # noqa: B023
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
        kills += 1
    assert kills >= 2, "the worker finished before it could be killed twice"
    worker = start_worker(env)
    try:
        assert wait_until(lambda: all(v.position() >= head for v in newsline.views), timeout=120)
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=20)
    after_kills = view_checksums(newsline)
    rebuild(newsline)
    assert view_checksums(newsline) == after_kills
