"""Concurrent writers (threads and processes) while a worker follows the log live:
every committed event reaches the view exactly once.

Asynchronous projections on PostgreSQL skip events when positions commit out of
order; this proves ours do not, by comparing what the view applied with the log.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from uuid import UUID

import pytest
from psycopg.sql import SQL

from domain.commands import AmendOccurrence, ReportOccurrence
from domain.errors import Conflict
from domain.event_log import read_log
from domain.service import Request
from newsline.bootstrap import Newsline, build
from tests.conftest import drop_schema, new_schema, settings_for
from tests.helpers import rebuild, view_checksums
from tests.integration.test_crash_recovery import start_worker, wait_until
from tests.unit.test_service import fields

pytestmark = [pytest.mark.timeout(180, method="thread")]

THREADS = 6
PROCESSES = 3
EACH = 25  # occurrences per writer, each reported and amended twice; plus shared amendments


@pytest.fixture
def log_and_worker_env(database_url: str) -> Iterator[tuple[Newsline, dict[str, str], str]]:
    schema = new_schema()
    newsline = build(settings_for(database_url, schema), run_projections=False)
    env = {**os.environ, "NEWSLINE_DATABASE_URL": database_url, "NEWSLINE_DATABASE_SCHEMA": schema}
    yield newsline, env, schema
    newsline.close()
    drop_schema(database_url, schema)


def logged_revisions(newsline: Newsline) -> Counter[tuple[UUID, int]]:
    revisions: Counter[tuple[UUID, int]] = Counter()
    after = 0
    while entries := read_log(newsline.app, after, 1000):
        revisions.update((e.aggregate_id, e.version) for e in entries if e.subject == "occurrence")
        after = entries[-1].position
    return revisions


def viewed_revisions(newsline: Newsline) -> Counter[tuple[UUID, int]]:
    view = newsline.timeline
    with view.datastore.transaction(commit=False) as cursor:
        statement = SQL("SELECT occurrence_id, version FROM {0}").format(view.table("timeline_revisions"))
        rows = cursor.execute(statement).fetchall()
    return Counter((row["occurrence_id"], row["version"]) for row in rows)


def test_concurrent_writers_while_a_worker_follows_live(
    database_url: str, log_and_worker_env: tuple[Newsline, dict[str, str], str]
) -> None:
    newsline, env, schema = log_and_worker_env
    app = newsline.app
    shared = app.report(ReportOccurrence.from_body(fields(title="shared")), Request(by="setup"))
    worker = start_worker(env)
    try:
        processes = [
            subprocess.Popen(
                [sys.executable, "-m", "tests.faults.writer", database_url, schema, f"p{n}", str(EACH)],
                env=env,
                stdout=subprocess.DEVNULL,
            )
            for n in range(PROCESSES)
        ]

        def write(thread: int) -> None:
            writer = Request(by=f"t{thread}")
            for index in range(EACH):
                written = app.report(ReportOccurrence.from_body(fields(title=f"t{thread} #{index}")), writer)
                app.amend(
                    AmendOccurrence.from_body(written.id, {"figures": {"n": index}, "reason": "count"}),
                    writer,
                )
                # Writers also contend for one occurrence, so commits interleave on it;
                # one that keeps losing the race is told to try again, as a client would.
                amend_shared = AmendOccurrence.from_body(
                    shared.id, {"figures": {f"t{thread}": index}, "reason": "count"}
                )
                for attempt in range(5):
                    try:
                        app.amend(amend_shared, writer)
                        break
                    except Conflict:
                        if attempt == 4:
                            raise

        with ThreadPoolExecutor(THREADS) as pool:
            list(pool.map(write, range(THREADS)))
        for process in processes:
            assert process.wait(timeout=300) == 0, "a writer process failed"

        head = newsline.head()
        assert wait_until(lambda: all(view.position() >= head for view in newsline.views), timeout=120)
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=30)

    logged = logged_revisions(newsline)
    expected = 1 + THREADS * EACH * 2 + THREADS * EACH + PROCESSES * EACH * 3
    assert sum(logged.values()) == expected
    viewed = viewed_revisions(newsline)
    assert set(viewed) == set(logged), "an event was skipped, or one the log lacks was applied"
    assert max(viewed.values()) == 1, "an event was applied twice"
    shared_history = newsline.timeline.reader.history(shared.id)
    assert len(shared_history) == 1 + THREADS * EACH
    followed_live = view_checksums(newsline)
    rebuild(newsline)
    assert view_checksums(newsline) == followed_live
