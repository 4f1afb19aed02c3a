"""A sharded deployment under test: `newsline serve` without views, `newsline worker`s
sharing the shards, a continuous writer, all real processes on the test database."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from uuid import UUID

import httpx

from newsline.bootstrap import Newsline, build
from tests.conftest import drop_schema, new_schema, settings_for
from tests.e2e.conftest import EDITOR, TOKEN, Server
from tests.unit.test_service import fields


def wait_until(condition: Callable[[], bool], timeout: float, step: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return condition()


class Deployment:
    """One schema of the test database, an API process and workers on it, and a
    Newsline in this process (its views not run) to look at the shards with."""

    def __init__(self, database_url: str, shards: int) -> None:
        self.schema = new_schema()
        self.database_url = database_url
        self.logs = Path(tempfile.mkdtemp(prefix="nl-shards-"))
        self.env = {key: value for key, value in os.environ.items() if not key.startswith("NEWSLINE_")}
        self.env |= {
            "NEWSLINE_DATABASE_URL": database_url,
            "NEWSLINE_DATABASE_SCHEMA": self.schema,
            "NEWSLINE_PROJECTION_SHARDS": str(shards),
            "NEWSLINE_TOKENS": f"{TOKEN}:e2e:editor",
            "NEWSLINE_WRITE_RATE_LIMIT": "off",
            "NEWSLINE_LOG_FORMAT": "text",
        }
        self.newsline: Newsline = build(settings_for(database_url, self.schema), run_projections=False)
        self.api = Server(self.logs)
        self.workers: list[subprocess.Popen[bytes]] = []

    def start_api(self) -> None:
        self.api.start(env=self.env | {"NEWSLINE_RUN_PROJECTIONS": "false"})

    def start_worker(self) -> subprocess.Popen[bytes]:
        log = (self.logs / f"worker-{len(self.workers)}.log").open("wb")
        worker = subprocess.Popen(
            [sys.executable, "-m", "newsline", "worker"], env=self.env, stdout=log, stderr=log
        )
        self.workers.append(worker)
        return worker

    def holdings(self) -> dict[int, list[str]]:
        """Worker pid -> the timeline shards it holds (`2/4`), read from the database."""
        held: dict[int, list[str]] = {}
        for shard in self.newsline.shards():
            found = re.search(r":(\d+)$", str(shard["held_by"] or ""))
            if found and shard["view"] == "timeline":
                held.setdefault(int(found[1]), []).append(str(shard["shard"]))
        return held

    def all_held_by(self, pids: set[int]) -> bool:
        """Every shard of every view is held, each by one of `pids`."""
        shards = self.newsline.shards()
        return (
            all(re.search(r":(\d+)$", str(s["held_by"] or "")) for s in shards)
            and {int(str(s["held_by"]).rsplit(":", 1)[1]) for s in shards} <= pids
        )

    def worker_errors(self) -> list[str]:
        """Lines the workers logged about a runner that failed (an event applied twice would)."""
        lines = []
        for path in sorted(self.logs.glob("worker-*.log")):
            lines += [line for line in path.read_text().splitlines() if "stopped (" in line]
        return lines

    def rebuild(self) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(
            [sys.executable, "-m", "newsline", "rebuild", "--processes", "2"],
            env=self.env,
            capture_output=True,
            timeout=300,
        )

    def close(self) -> None:
        for worker in self.workers:
            if worker.poll() is None:
                worker.send_signal(signal.SIGTERM)
        for worker in self.workers:
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()
        if self.api.process is not None and self.api.process.poll() is None:
            self.api.stop(signal.SIGTERM)
        self.newsline.close()
        drop_schema(self.database_url, self.schema)


@contextmanager
def deployment(database_url: str, shards: int) -> Iterator[Deployment]:
    running = Deployment(database_url, shards)
    try:
        yield running
    finally:
        running.close()


class Writer:
    """Writes occurrences through the API one after another until stopped; keeps the
    ids of those acknowledged (201, so their views had applied them)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.acknowledged: list[UUID] = []
        self.failed = 0
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._write, daemon=True)

    def __enter__(self) -> Writer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stopping.set()
        self._thread.join(timeout=60)

    def _write(self) -> None:
        with httpx.Client(base_url=self.url, headers=EDITOR, timeout=30) as http:
            while not self._stopping.is_set():
                number = len(self.acknowledged) + self.failed
                try:
                    answer = http.post("/v1/occurrences", json=fields(title=f"write {number}"))
                except httpx.HTTPError:
                    self.failed += 1
                    continue
                if answer.status_code == 201:
                    self.acknowledged.append(UUID(answer.json()["id"]))
                else:
                    self.failed += 1

    def wait_for(self, count: int, timeout: float = 60) -> bool:
        return wait_until(lambda: len(self.acknowledged) >= count, timeout)


def missing(newsline: Newsline, ids: list[UUID]) -> list[UUID]:
    """Those of `ids` the timeline view does not hold."""
    return [
        occurrence_id for occurrence_id in ids if newsline.timeline.reader.occurrence(occurrence_id) is None
    ]
