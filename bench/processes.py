"""The processes and databases a benchmark run starts, and the run itself."""

from __future__ import annotations

import os
import platform
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import psycopg
from psycopg.sql import SQL, Identifier

from tests.standby import HotStandby

TOKEN = "bench-editor-token"


@dataclass
class Run:
    url: str
    schema: str
    workdir: Path
    seconds: float  # how long each load phase runs
    # The embedded primary, of which a hot standby can be made (None with an external database).
    servers: HotStandby | None = None

    @property
    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "NEWSLINE_DATABASE_URL": self.url,
            "NEWSLINE_DATABASE_SCHEMA": self.schema,
            "NEWSLINE_TOKENS": f"{TOKEN}:bench:editor",
            "NEWSLINE_WRITE_RATE_LIMIT": "off",
            "NEWSLINE_LOG_FORMAT": "text",
        }


def step(message: str) -> None:
    print(f"[{datetime.now():%H:%M:%S}] {message}", file=sys.stderr, flush=True)


def timed_command(run: Run, *args: str) -> tuple[float, int, str]:
    """Seconds a `newsline` command took, its peak RSS (KiB) and its output."""
    env = {**run.env, "NEWSLINE_RUN_PROJECTIONS": "false" if args[0] == "import" else "true"}
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "newsline", *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
    )
    assert process.stdout is not None
    output = process.stdout.read().decode()
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"newsline {' '.join(args)} failed ({process.returncode}): {output}")
    return seconds, usage.ru_maxrss, output


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def _process_on_port(command: list[str], env: dict[str, str], ready: str) -> Iterator[str]:
    port = _free_port()
    process = subprocess.Popen(
        [*command, "--port", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_for(lambda: httpx.get(base + ready, headers=auth(), timeout=2).status_code == 200, 600)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=60)


@contextmanager
def newsline_server(run: Run, *options: str, env: dict[str, str] | None = None) -> Iterator[str]:
    """`newsline serve [options]` on a port of its own, once it answers `/readyz`, and
    (with standbys) once every standby serves reads."""
    command = [sys.executable, "-m", "newsline", "serve", *options]
    with _process_on_port(command, {**run.env, **(env or {})}, "/readyz") as base:
        _wait_for(lambda: _standbys_serving(base), 120)
        yield base


def _standbys_serving(base: str) -> bool:
    standbys: dict[str, Any] = (
        httpx.get(base + "/readyz", headers=auth(), timeout=2).json().get("standbys", {})
    )
    return all(state["serving"] for state in standbys.values())


def reads_by_source(base: str) -> dict[str, float]:
    """`newsline_reads_total` of a server, by the database that answered."""
    from prometheus_client.parser import text_string_to_metric_families

    text = httpx.get(base + "/metrics", headers=auth(), timeout=10).text
    return {
        sample.labels["source"]: sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "newsline_reads_total"
    }


@contextmanager
def bare_server(run: Run, body: bytes) -> Iterator[str]:
    path = run.workdir / "same.json"
    path.write_bytes(body)
    env = {**run.env, "BENCH_BODY": str(path)}
    command = [sys.executable, "-m", "bench.bare"]
    with _process_on_port(command, env, "/same") as base:
        yield base


def _wait_for(condition: Callable[[], bool], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if condition():
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit("a server did not start")


def auth() -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKEN}"}


# The database.


@contextmanager
def database() -> Iterator[tuple[str, HotStandby | None]]:
    """NEWSLINE_BENCH_DATABASE_URL, or a PostgreSQL of the run's own from the embedded
    binaries (initialised as the embedded server is), of which a hot standby can be made."""
    url = os.environ.get("NEWSLINE_BENCH_DATABASE_URL")
    if url:
        yield url, None
        return
    servers = HotStandby()
    try:
        servers.start_primary()
        yield servers.primary_url, servers
    finally:
        # Stops the standby (if one was made) and the primary, then removes their files.
        servers.close()


def create_schema(url: str, schema: str) -> None:
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(SQL("CREATE SCHEMA {0}").format(Identifier(schema)))


def drop_schema(url: str, schema: str) -> None:
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(SQL("DROP SCHEMA IF EXISTS {0} CASCADE").format(Identifier(schema)))


def postgres_version(url: str) -> str:
    with psycopg.connect(url) as connection:
        row: Any = connection.execute("SHOW server_version").fetchone()
    return f"PostgreSQL {row[0]}"


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        memory = int(Path("/proc/meminfo").read_text().split()[1]) // 1024 // 1024
    except OSError:
        memory = 0
    return f"{os.cpu_count()} CPUs ({cpu}), {memory} GiB RAM, Python {platform.python_version()}"
