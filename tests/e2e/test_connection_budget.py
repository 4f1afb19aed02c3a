"""Each Newsline process keeps to its stated budget of database connections.

PostgreSQL refuses connections beyond `max_connections` (100 by default), so a
deployment of several processes must know what each one may hold. The
budget is what the README states: a `serve` that runs the views holds at
most 12, an API process without them and a `worker` at most 8 (with the
default single timeline shard), however many requests arrive at once. The
connections are counted where PostgreSQL sees them (`pg_stat_activity`), by
the `application_name` every Newsline connection carries (the connection
holding a process's claims on its shards adds `@host:pid`), throughout a
burst of concurrent reads and writes.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import httpx
import psycopg

from newsline.bootstrap import connection_budget, shard_count
from newsline.settings import Settings
from tests.e2e.conftest import EDITOR, Server
from tests.unit.test_service import fields

CLIENTS = 16
# The ceilings Newsline promises operators, whatever the budget's formula gives.
SERVE_WITH_VIEWS = 12
API_WITHOUT_VIEWS = 8
WORKER = 8
DEFAULTS = Settings(database_url="postgresql://unused", pool_size=Settings.model_fields["pool_size"].default)
SHARDS = shard_count(DEFAULTS)  # the timeline's one shard and the stories'


def embedded_url(data_dir: Path) -> str:
    """The URL of the embedded PostgreSQL a Newsline process started in `data_dir`,
    read from its postmaster.pid (port and socket directory), without joining it."""
    lines = (data_dir / "postgres" / "postmaster.pid").read_text().splitlines()
    port, socket_dir = lines[3].strip(), lines[4].strip()
    return psycopg.conninfo.make_conninfo(host=socket_dir, port=port, user="postgres", dbname="postgres")


def connections(url: str) -> Counter[str]:
    """Newsline's connections to the server, by application_name (up to any `@host:pid`)."""
    with psycopg.connect(url, autocommit=True) as connection:
        rows = connection.execute(
            "SELECT split_part(application_name, '@', 1), count(*) FROM pg_stat_activity "
            "WHERE application_name LIKE 'newsline%' GROUP BY 1"
        ).fetchall()
    return Counter({name: count for name, count in rows})


@contextmanager
def peak_connections(url: str) -> Iterator[Counter[str]]:
    """Samples the connections until the block ends; yields the peak per name."""
    peak: Counter[str] = Counter()
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            for name, count in connections(url).items():
                peak[name] = max(peak[name], count)
            done.wait(0.05)

    sampler = threading.Thread(target=sample)
    sampler.start()
    try:
        yield peak
    finally:
        done.set()
        sampler.join()
        for name, count in connections(url).items():  # and once more, after the burst
            peak[name] = max(peak[name], count)


def burst(server: Server, rounds: int = 6) -> None:
    """CLIENTS clients at once, each writing and reading back, then reading lists."""

    def client(index: int) -> None:
        with httpx.Client(base_url=server.url, timeout=60) as http:
            for round_ in range(rounds):
                written = http.post(
                    "/v1/occurrences", json=fields(title=f"burst {index}.{round_}"), headers=EDITOR
                )
                assert written.status_code == 201, written.text
                assert http.get(written.headers["location"]).status_code == 200
                assert http.get("/v1/timeline", params={"limit": 50}).status_code == 200
                assert http.get("/v1/events", params={"limit": 20}).status_code == 200
                assert http.get("/v1/stories").status_code == 200

    with ThreadPoolExecutor(CLIENTS) as pool:
        list(pool.map(client, range(CLIENTS)))
    assert server.get("/readyz").status_code == 200


def test_serve_with_its_views_keeps_to_its_budget(server: Server) -> None:
    server.start()  # the default write limit: it counts in the database too
    url = embedded_url(server.data_dir)
    with peak_connections(url) as peak:
        burst(server)
    assert set(peak) == {"newsline-serve"}, peak
    assert 0 < peak["newsline-serve"] <= connection_budget(DEFAULTS, "serve", SHARDS) <= SERVE_WITH_VIEWS, (
        peak
    )
    server.stop(signal.SIGTERM)


def test_an_api_process_without_views_and_a_worker_keep_to_theirs(server: Server) -> None:
    server.start(settings={"NEWSLINE_RUN_PROJECTIONS": "false"})
    environment = {key: value for key, value in os.environ.items() if not key.startswith("NEWSLINE_")}
    environment["NEWSLINE_DATA_DIR"] = str(server.data_dir)
    worker = subprocess.Popen(
        [sys.executable, "-m", "newsline", "worker"],
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        url = embedded_url(server.data_dir)
        deadline = time.monotonic() + 60
        while "newsline-worker" not in connections(url):
            assert worker.poll() is None, "newsline worker exited"
            assert time.monotonic() < deadline, "the worker did not connect"
            time.sleep(0.2)
        with peak_connections(url) as peak:
            burst(server)
        assert set(peak) == {"newsline-api", "newsline-worker"}, peak
        assert peak["newsline-api"] <= connection_budget(DEFAULTS, "api") <= API_WITHOUT_VIEWS, peak
        assert peak["newsline-worker"] <= connection_budget(DEFAULTS, "worker", SHARDS) <= WORKER, peak
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=30)
    server.stop(signal.SIGTERM)


def test_the_compose_deployment_keeps_30_percent_headroom() -> None:
    compose = (Path(__file__).resolve().parents[2] / "docker-compose.yml").read_text()
    ceiling = re.search(r"max_connections=(\d+)", compose)
    api_processes = re.search(r"NEWSLINE_API_WORKERS:-(\d+)", compose)
    shards = re.search(r"NEWSLINE_PROJECTION_SHARDS: \"?\$\{NEWSLINE_PROJECTION_SHARDS:-(\d+)", compose)
    workers = re.search(r"replicas: \$\{NEWSLINE_WORKERS:-(\d+)", compose)
    assert ceiling is not None and api_processes is not None and shards is not None and workers is not None
    settings = Settings(
        database_url="postgresql://unused",
        pool_size=Settings.model_fields["pool_size"].default,
        projection_shards=int(shards[1]),
    )
    assert connection_budget(DEFAULTS, "serve", SHARDS) <= SERVE_WITH_VIEWS
    assert connection_budget(DEFAULTS, "api") <= API_WITHOUT_VIEWS
    assert connection_budget(DEFAULTS, "worker", SHARDS) <= WORKER
    deployment = (
        connection_budget(settings, "main")  # the parent of serve --workers N
        + int(api_processes[1]) * connection_budget(settings, "api")
        + int(workers[1]) * connection_budget(settings, "worker", shard_count(settings))
        + connection_budget(settings, "seed")  # `docker compose run seed`, projections off
    )
    assert deployment <= 0.7 * int(ceiling[1])
