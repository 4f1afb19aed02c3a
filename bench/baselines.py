"""The baselines each figure is measured against, on the same database in the same run."""

from __future__ import annotations

import functools
import random
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import orjson
import psycopg
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate
from psycopg.sql import SQL, Composed, Identifier

from adapters import database
from adapters.unit_of_work import StoreUnitOfWork
from domain.commands import ReportOccurrence
from domain.fold import fold
from domain.occurred import parse_occurred
from domain.service import NewslineApplication, Request
from newsline.bootstrap import Newsline, build
from newsline.settings import Settings
from projections.stories.schema import STORIES
from projections.timeline.schema import STATES


def _newsline(env: dict[str, str]) -> Newsline:
    settings = Settings(
        database_url=env["NEWSLINE_DATABASE_URL"], database_schema=env["NEWSLINE_DATABASE_SCHEMA"]
    )
    return build(settings, run_projections=False)


def _one(url: str, statement: Composed, *params: Any) -> Any:
    with psycopg.connect(url) as connection:
        row = connection.execute(statement, params).fetchone()
    assert row is not None
    return row[0]


def head(url: str, schema: str) -> int:
    return int(
        _one(url, SQL("SELECT max(notification_id) FROM {0}.newsline_events").format(Identifier(schema)))
    )


def revisions(url: str, schema: str) -> int:
    statement = SQL("SELECT count(*) FROM {0}.newsline_events WHERE topic LIKE 'newsline:Occurrence.%%'")
    return int(_one(url, statement.format(Identifier(schema))))


def raw_copy(url: str, schema: str, corpus: Path) -> float:
    """Seconds to COPY the corpus lines, as they are, into a plain table."""
    table = Identifier(schema, "bench_raw_lines")
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(SQL("CREATE TABLE {0} (line text)").format(table))
        started = time.perf_counter()
        with connection.transaction(), connection.cursor() as cursor:
            # CSV with quote and delimiter bytes that JSON lines never hold: each line is one value.
            statement = SQL("COPY {0} FROM STDIN (FORMAT csv, QUOTE e'\\x01', DELIMITER e'\\x02')")
            with cursor.copy(statement.format(table)) as copy, corpus.open("rb") as lines:
                while chunk := lines.read(1 << 20):
                    copy.write(chunk)
        seconds = time.perf_counter() - started
        connection.execute(SQL("DROP TABLE {0}").format(table))
    return seconds


def read_and_parse(url: str, schema: str) -> float:
    """Seconds to read every stored event's state and parse its JSON: the floor of
    anything that moves every event (a rebuild, or an import, which writes them)."""
    statement = SQL("SELECT state FROM {0}.newsline_events ORDER BY notification_id")
    with psycopg.connect(url) as connection, connection.cursor(name="every_event") as cursor:
        cursor.itersize = 5000
        started = time.perf_counter()
        cursor.execute(statement.format(Identifier(schema)))
        for (state,) in cursor:
            orjson.loads(state)
        return time.perf_counter() - started


def read_and_decode(env: dict[str, str], last: int) -> float:
    """Seconds to read every event from the store and decode it, in batches as a rebuild does."""
    newsline = _newsline(env)
    try:
        recorder, mapper = newsline.app.recorder, newsline.app.mapper
        started = time.perf_counter()
        position = 0
        while position < last:
            notifications = recorder.select_notifications(
                start=position, limit=2000, inclusive_of_start=False
            )
            for notification in notifications:
                mapper.to_domain_event(notification)
            position = notifications[-1].id
        return time.perf_counter() - started
    finally:
        newsline.close()


def story_queries(url: str, schema: str, count: int) -> list[tuple[str, str]]:
    """(story, as_of) pairs: stories at random, report times across the corpus's years."""
    with psycopg.connect(url) as connection:
        slugs = [
            row[0]
            for row in connection.execute(
                SQL("SELECT slug FROM {0} ORDER BY slug").format(Identifier(schema, STORIES))
            )
        ]
    rng = random.Random(11)
    start, span = datetime(2010, 6, 1, tzinfo=UTC), 14 * 365 * 86400
    moments = [start + timedelta(seconds=rng.randrange(span)) for _ in range(count)]
    return [(rng.choice(slugs), moment.strftime("%Y-%m-%dT%H:%M:%SZ")) for moment in moments]


def replay_latencies(
    env: dict[str, str], url: str, schema: str, queries: list[tuple[str, str]]
) -> list[float]:
    """Milliseconds to answer each query by loading every occurrence ever in the story
    through the library's repository and folding it as of the query's report time.

    The occurrences' ids are handed over (found in the view, untimed), and the
    statuses from other occurrences' relations are left out: both make the
    baseline faster than a real replay would be.
    """
    newsline = _newsline(env)
    found: list[float] = []
    try:
        for story, as_of in queries:
            ids = _occurrences_ever_in(url, schema, story)
            moment = datetime.fromisoformat(as_of.replace("Z", "+00:00"))
            started = time.perf_counter()
            entries = []
            for occurrence_id in ids:
                occurrence = newsline.app.get_occurrence(occurrence_id)
                state = fold(r for r in occurrence.revisions if r.reported_at <= moment)
                if state and story in state["stories"] and not state["retracted"]:
                    start = parse_occurred(state["occurred"], checked=True).start
                    entries.append((start, occurrence.first_reported_at, str(occurrence_id), state))
            entries.sort(key=lambda entry: entry[:3])
            del entries[100:]
            found.append((time.perf_counter() - started) * 1000)
    finally:
        newsline.close()
    return found


def _occurrences_ever_in(url: str, schema: str, story: str) -> list[UUID]:
    statement = SQL("SELECT DISTINCT occurrence_id FROM {0} WHERE stories @> ARRAY[%s]")
    with psycopg.connect(url) as connection:
        return [row[0] for row in connection.execute(statement.format(Identifier(schema, STATES)), (story,))]


class Note(Aggregate):
    """The smallest aggregate the library saves."""

    def __init__(self, text: str) -> None:
        self.text = text


class SaveLoop(Application[UUID]):
    name = "bench_saves"


def save_loop_application(url: str, schema: str, pool_size: int = 6) -> SaveLoop:
    """The library's application with its own recorder (not Newsline's), on the same database."""
    db = database.from_url(url, schema)
    library_env = {
        k: v for k, v in db.eventsourcing_env(pool_size).items() if k != "APPLICATION_RECORDER_TOPIC"
    }
    return SaveLoop(env=library_env)


def single_saves(env: dict[str, str], seconds: float) -> float:
    """Saves per second of a loop of the library's `app.save()`, one aggregate per call."""
    app = save_loop_application(env["NEWSLINE_DATABASE_URL"], env["NEWSLINE_DATABASE_SCHEMA"], 2)
    try:
        saved = 0
        deadline = time.perf_counter() + seconds
        started = time.perf_counter()
        while time.perf_counter() < deadline:
            app.save(Note(f"note {saved}"))
            saved += 1
        return saved / (time.perf_counter() - started)
    finally:
        app.close()


def service_writes(env: dict[str, str], seconds: float, *, group_commit: bool, threads: int = 16) -> float:
    """Reports per second from `threads` writers calling the application service in one process."""
    db = database.from_url(env["NEWSLINE_DATABASE_URL"], env["NEWSLINE_DATABASE_SCHEMA"])
    app = NewslineApplication(
        env={**db.eventsourcing_env(threads), "CREATE_TABLE": "n"},
        unit_of_work=functools.partial(StoreUnitOfWork, group_commit=group_commit),
    )
    written = [0] * threads
    body = {
        "kind": "attack",
        "title": "Shelling reported",
        "occurred": "2024-05-19",
        "source": {"name": "Wire"},
    }
    deadline = time.perf_counter() + seconds

    def writer(index: int) -> None:
        while time.perf_counter() < deadline:
            app.report(ReportOccurrence.from_body(dict(body)), Request(by="bench"))
            written[index] += 1

    pool = [threading.Thread(target=writer, args=(index,)) for index in range(threads)]
    started = time.perf_counter()
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    rate = sum(written) / (time.perf_counter() - started)
    app.close()
    return rate
