"""SIGKILL `newsline worker` at random points, at least 20 times, while it catches up on
thousands of events: after each restart the views end identical to `newsline rebuild`.

The worker applies small batches, each kill aims at a random position short of the
head, and every kill is checked to have landed while the worker was still behind (a
kill of a worker that has caught up and sits idle proves nothing). The views are
compared with a rebuild twice: after the 20 kills on 3,000 events, and again after
more kills while the worker catches up on revisions of those occurrences.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest

from domain.commands import AmendOccurrence, CreateStory, LinkOccurrence, ReportOccurrence, RetractOccurrence
from domain.service import NewslineApplication, Request
from newsline.bootstrap import Newsline, build
from tests.conftest import drop_schema, new_schema, settings_for
from tests.helpers import view_checksums
from tests.integration.test_crash_recovery import start_worker, wait_until
from tests.unit.test_service import fields

pytestmark = [pytest.mark.timeout(300, method="thread")]

KILLS = 20  # while the worker catches up on the first log
LATER_KILLS = 5  # while it catches up on revisions of the same occurrences
OCCURRENCES = 1000  # three events each: 3,000 events (and a story every 40th)
BATCH_SIZE = 25  # events per transaction of the worker: a kill lands between or inside commits
# No kill aims closer than this to the head: some 16 batches of room, so that the few
# batches applied between reaching a target and the SIGKILL cannot take it to the head.
MARGIN = 400

ALICE = Request(by="alice")
BASE = datetime(2014, 5, 19, tzinfo=UTC)


@pytest.fixture
def stopped_views(database_url: str) -> Iterator[tuple[Newsline, dict[str, str]]]:
    schema = new_schema()
    newsline = build(settings_for(database_url, schema), run_projections=False)
    env = {
        **os.environ,
        "NEWSLINE_DATABASE_URL": database_url,
        "NEWSLINE_DATABASE_SCHEMA": schema,
        "NEWSLINE_PROJECTION_BATCH_SIZE": str(BATCH_SIZE),
    }
    yield newsline, env
    newsline.close()
    drop_schema(database_url, schema)


def write_log(app: NewslineApplication, occurrences: int) -> list[UUID]:
    """Report `occurrences`, each amended and then amended again or retracted; answer their ids.

    Every third disputes the one before, and every 40th opens a story the next ones belong to,
    so that every view table has rows.
    """
    ids: list[UUID] = []
    story: list[str] = []
    for index in range(occurrences):
        if index % 40 == 0:
            story = [f"story-{index // 40}"]
            app.create_story(
                CreateStory.from_body({"slug": story[0], "title": f"Story {index // 40}"}), ALICE
            )
        relations = [{"type": "disputes", "target": str(ids[-1])}] if ids and index % 3 == 0 else []
        reported = BASE + timedelta(minutes=index)
        written = app.report(
            ReportOccurrence.from_body(fields(relations=relations, stories=story), reported), ALICE
        )
        app.amend(
            AmendOccurrence.from_body(
                written.id, {"figures": {"killed": index}, "reason": "toll"}, BASE + timedelta(days=1)
            ),
            ALICE,
        )
        if index % 10 == 7:
            app.retract(
                RetractOccurrence.from_body(written.id, {"reason": "hoax"}, BASE + timedelta(days=2)), ALICE
            )
        else:
            # Reported before the amendment above for most: it goes into the middle of the history.
            at = reported + timedelta(hours=index % 30)
            app.amend(
                AmendOccurrence.from_body(written.id, {"title": f"#{index}", "reason": "wire"}, at), ALICE
            )
        ids.append(written.id)
    return ids


def revise_log(app: NewslineApplication, ids: list[UUID]) -> None:
    """One revision of each of `ids`, reported between its first report and its retraction:
    a corroboration of another occurrence for every fourth, an amendment for the rest."""
    for index, occurrence_id in enumerate(ids):
        at = BASE + timedelta(minutes=index, hours=12)
        if index % 4 == 0:
            other = ids[(index + 7) % len(ids)]
            app.link(
                LinkOccurrence.from_body(occurrence_id, {"type": "corroborates", "target": other}, at), ALICE
            )
        else:
            app.amend(
                AmendOccurrence.from_body(
                    occurrence_id, {"figures": {"injured": index}, "reason": "update"}, at
                ),
                ALICE,
            )


def kill_while_catching_up(
    newsline: Newsline, env: dict[str, str], kills: int, rng: random.Random
) -> list[tuple[int, int]]:
    """Start a worker and SIGKILL it `kills` times, each at a random position short of the
    head, asserting that it was still behind when killed; answer where each run began and ended."""
    timeline = newsline.timeline
    head = newsline.head()
    last = head - MARGIN  # the furthest a kill aims
    runs = []
    for done in range(kills):
        reached = timeline.position()
        # A random position from the worker's first commit on, on average short of `last` by
        # room for the kills still to come (past `last`, a kill aims at that first commit).
        stride = max(0, last - reached) // (kills - done)
        target = rng.randint(reached + 1, reached + 1 + 2 * stride)
        worker = start_worker(env)
        try:
            applied = wait_until(lambda: timeline.position() >= target, timeout=60)  # noqa: B023
            time.sleep(rng.uniform(0, 0.01))  # anywhere in the batch it is applying
        finally:
            worker.send_signal(signal.SIGKILL)
            worker.wait(timeout=10)
        killed_at = timeline.position()
        runs.append((reached, killed_at))
        assert applied, f"the worker did not reach {target} from {reached} within 60 s: {runs}"
        assert worker.returncode == -signal.SIGKILL, f"the worker ended by itself: {worker.returncode}"
        # The kill hit a worker still catching up, not one that had caught up and sat idle.
        assert killed_at < head, f"kill {done + 1} landed after the worker caught up ({head}): {runs}"
    return runs


def catch_up_and_compare_with_rebuild(newsline: Newsline, env: dict[str, str]) -> None:
    """Let a worker finish catching up, then check the views against `newsline rebuild`.

    Nothing writes meanwhile, so the views after the kills and the rebuilt ones are
    both views of the same, whole log.
    """
    head = newsline.head()
    worker = start_worker(env)
    try:
        assert wait_until(lambda: all(view.position() >= head for view in newsline.views), timeout=120)
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=30)
    assert newsline.head() == head
    after_kills = view_checksums(newsline)
    assert len(after_kills) == sum(len(view.tables) for view in newsline.views)

    rebuilt = subprocess.run(
        [sys.executable, "-m", "newsline", "rebuild"], env=env, capture_output=True, timeout=120
    )
    assert rebuilt.returncode == 0, rebuilt.stderr.decode()[-2000:]
    assert all(view.position() >= head for view in newsline.views)
    assert view_checksums(newsline) == after_kills


def test_twenty_kills_while_catching_up_end_as_a_rebuild(
    stopped_views: tuple[Newsline, dict[str, str]],
) -> None:
    newsline, env = stopped_views
    ids = write_log(newsline.app, OCCURRENCES)
    assert newsline.head() >= 3000
    rng = random.Random(2014)

    runs = kill_while_catching_up(newsline, env, KILLS, rng)
    assert len(runs) >= 20
    catch_up_and_compare_with_rebuild(newsline, env)

    # Again from the rebuilt views, on revisions of the occurrences they already hold.
    revise_log(newsline.app, ids)
    kill_while_catching_up(newsline, env, LATER_KILLS, rng)
    catch_up_and_compare_with_rebuild(newsline, env)
