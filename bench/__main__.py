"""`python -m bench [--size N]`: Newsline's figures, each beside a baseline of the same run.

Every figure is measured on the same database, in the same run, as its
baseline, so the ratio holds on a noisy machine even when the absolute
numbers do not. See bench/README.md for what each line compares.
"""

from __future__ import annotations

import argparse
import os
import random
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx

from bench import baselines, load
from bench.corpus import Corpus
from bench.processes import (
    TOKEN,
    Run,
    auth,
    bare_server,
    create_schema,
    database,
    drop_schema,
    machine,
    newsline_server,
    postgres_version,
    reads_by_source,
    step,
    timed_command,
)


@dataclass
class Figure:
    name: str
    value: str
    baseline_name: str
    baseline: str
    ratio: str


@dataclass
class Results:
    figures: list[Figure] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    import_events_per_second: float = 0.0
    floor: float = 0.0  # events/s of reading and JSON-parsing every stored event


FLOOR = "reading and JSON-parsing every stored event (`SELECT state` + `orjson.loads`), events/s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", type=int, default=20_000, help="revisions in the corpus")
    parser.add_argument("--seconds", type=float, default=None, help="length of each load phase")
    parser.add_argument("--output", type=Path, default=None, help="also write the table here")
    args = parser.parse_args()
    seconds = args.seconds or (10.0 if args.size <= 100_000 else 30.0)
    with database() as (url, servers), tempfile.TemporaryDirectory(prefix="nl-bench-") as workdir:
        schema = f"bench_{random.randrange(16**8):08x}"
        run = Run(url, schema, Path(workdir), seconds, servers)
        create_schema(url, schema)
        try:
            results = measure(run, args.size)
        finally:
            drop_schema(url, schema)
        server = postgres_version(url)
    report = render(results, args.size, server)
    print(report)
    if args.output:
        args.output.write_text(report)


def measure(run: Run, size: int) -> Results:
    results = Results()
    import_rss = measure_import(run, size, results)
    measure_floor(run, results)
    rebuild_rss = measure_rebuild(run, results)
    revisions = baselines.revisions(run.url, run.schema)
    measure_http(run, revisions, results)
    measure_service_writes(run, results)
    results.figures.append(
        Figure(
            f"peak RSS: import / rebuild of {revisions:,} revisions, MiB",
            f"{import_rss / 1024:,.0f} / {rebuild_rss / 1024:,.0f}",
            "—",
            "—",
            "—",
        )
    )
    return results


def measure_import(run: Run, size: int, results: Results) -> int:
    """`newsline import` of a fresh corpus beside a raw COPY of its lines; the import's peak RSS."""
    corpus = run.workdir / "corpus.ndjson"
    step(f"writing a corpus of {size:,} revisions")
    with corpus.open("w") as file:
        for line in Corpus(size).lines():
            file.write(line + "\n")
    step("importing it with `newsline import`")
    imported, import_rss, import_output = timed_command(run, "import", str(corpus))
    head = baselines.head(run.url, run.schema)
    revisions = baselines.revisions(run.url, run.schema)
    step("the same lines by raw COPY")
    copy_seconds = baselines.raw_copy(run.url, run.schema, corpus)
    lines = sum(1 for _ in corpus.open())
    results.figures.append(
        Figure(
            "bulk import (`newsline import`), revisions/s",
            f"{revisions / imported:,.0f} ({head / imported:,.0f} events/s)",
            "raw `COPY` of the same lines into a plain table, lines/s",
            f"{lines / copy_seconds:,.0f}",
            f"{(revisions / imported) / (lines / copy_seconds):.3f}x",
        )
    )
    results.notes.append(f"import: {import_output.strip().splitlines()[-1]}; {head:,} events in the log")
    results.import_events_per_second = head / imported
    return import_rss


def measure_floor(run: Run, results: Results) -> None:
    """The read-and-parse floor, and the import's events/s against it."""
    step("reading and JSON-parsing every stored event (the floor)")
    head = baselines.head(run.url, run.schema)
    results.floor = head / baselines.read_and_parse(run.url, run.schema)
    results.figures.append(
        Figure(
            "bulk import (`newsline import`), events/s",
            f"{results.import_events_per_second:,.0f}",
            FLOOR,
            f"{results.floor:,.0f}",
            f"{results.import_events_per_second / results.floor:.3f}x",
        )
    )


def measure_rebuild(run: Run, results: Results) -> int:
    """`newsline rebuild` in one process and in one per core, beside the read-and-parse
    floor, and beside reading and decoding the events through the library; the peak RSS
    of any one of its processes."""
    head = baselines.head(run.url, run.schema)
    revisions = baselines.revisions(run.url, run.schema)
    peak = 0
    for processes in (1, os.cpu_count() or 1):
        step(f"rebuilding the views with `newsline rebuild --processes {processes}`")
        rebuilt, rss, _ = timed_command(run, "rebuild", "--processes", str(processes))
        peak = max(peak, rss)
        results.figures.append(
            Figure(
                f"projection rebuild (`newsline rebuild`), {processes} process(es), events/s",
                f"{head / rebuilt:,.0f} ({revisions / rebuilt:,.0f} revisions/s)",
                FLOOR,
                f"{results.floor:,.0f}",
                f"{head / rebuilt / results.floor:.3f}x",
            )
        )
    step("reading and decoding the same events through the library")
    decode_seconds = baselines.read_and_decode(run.env, head)
    results.notes.append(
        f"reading and decoding every event into the library's objects: {head / decode_seconds:,.0f} events/s"
    )
    return peak


def measure_http(run: Run, revisions: int, results: Results) -> None:
    """As-of reads; read throughput with one API process, with two, and from a hot
    standby; write throughput; all over HTTP."""
    with newsline_server(run) as base:
        step("as-of story timelines over HTTP, and the same answers by replay")
        queries = baselines.story_queries(run.url, run.schema, count=300)
        paths = [f"/v1/stories/{s}/timeline?as_of={t}" for s, t in queries]
        measure_as_of_latency(run, base, queries, paths, revisions, results)
        step(f"GET timeline, one API process, 16 clients for {run.seconds:.0f}s")
        one_process = load.throughput(base, TOKEN, "GET", paths, clients=16, seconds=run.seconds)
        body = httpx.get(base + paths[0], headers=auth()).content
    with newsline_server(run, "--workers", "2") as base:
        step(f"GET timeline, two API processes (`serve --workers 2`), 16 clients for {run.seconds:.0f}s")
        two_processes = load.throughput(base, TOKEN, "GET", paths, clients=16, seconds=run.seconds)
    from_standby = measure_standby_reads(run, paths, results)
    with bare_server(run, body) as bare:
        step("a bare FastAPI endpoint answering the same bytes")
        bare_rate = load.throughput(bare, TOKEN, "GET", ["/same"], clients=16, seconds=run.seconds)
    reads = [
        ("one API process (`newsline serve`)", one_process),
        ("two API processes (`newsline serve --workers 2`)", two_processes),
        ("one API process reading from a hot standby (`NEWSLINE_READ_DATABASE_URLS`)", from_standby),
    ]
    for who, rate in reads:
        results.figures.append(
            Figure(
                f"`GET` story timeline, {who}, 16 concurrent clients, req/s",
                "skipped (see below)" if rate is None else f"{rate:,.0f}",
                "a bare FastAPI endpoint answering the same bytes, req/s",
                f"{bare_rate:,.0f}",
                "—" if rate is None else f"{rate / bare_rate:.2f}x",
            )
        )
    measure_posts(run, queries, body, results)


def measure_standby_reads(run: Run, paths: list[str], results: Results) -> float | None:
    """Timeline reads of one API process whose reads a hot standby of the run's database
    answers: made by `pg_basebackup` once the data is in, stopped after the phase so that
    its replay does not share the cores with the phases after it."""
    if run.servers is None:
        note = (
            "`GET` story timeline from a hot standby: skipped, because NEWSLINE_BENCH_DATABASE_URL"
            " names an external database: there is no embedded primary here to make a standby of"
        )
        step(note)
        results.notes.append(note)
        return None
    step("making a hot standby of the database (`pg_basebackup -R -X stream -c fast`)")
    started = time.perf_counter()
    run.servers.add_standby()
    while run.servers.replay_lag_bytes() > 0 and time.perf_counter() - started < 600:
        time.sleep(0.2)
    copied = time.perf_counter() - started
    try:
        env = {"NEWSLINE_READ_DATABASE_URLS": run.servers.standby_url}
        with newsline_server(run, env=env) as base:
            step(f"GET timeline from the hot standby, one API process, 16 clients for {run.seconds:.0f}s")
            before = reads_by_source(base)
            rate = load.throughput(base, TOKEN, "GET", paths, clients=16, seconds=run.seconds)
            after = reads_by_source(base)
    finally:
        run.servers.stop_standby()
    answered = {source: after.get(source, 0.0) - before.get(source, 0.0) for source in after}
    on_standby = sum(count for source, count in answered.items() if source != "primary")
    results.notes.append(
        f"hot standby: made and caught up in {copied:.1f}s; it answered {on_standby:,.0f} of the"
        f" {sum(answered.values()):,.0f} reads of its phase (`newsline_reads_total`), the primary the others"
    )
    return rate


def measure_posts(run: Run, queries: list[tuple[str, str]], body: bytes, results: Results) -> None:
    """POST throughput over HTTP beside the library's `app.save()` behind FastAPI."""
    with newsline_server(run) as base:
        step(f"POST /v1/occurrences, 16 clients for {run.seconds:.0f}s")
        posts = load.post_bodies(queries)
        post_rate = load.throughput(base, TOKEN, "POST", posts, clients=16, seconds=run.seconds)
    with bare_server(run, body) as bare:
        step("the library's app.save() of one aggregate per request, over HTTP, 16 clients")
        http_save_rate = load.throughput(bare, TOKEN, "POST", posts, clients=16, seconds=run.seconds)
    step("a loop of the library's app.save(), one aggregate per call")
    save_rate = baselines.single_saves(run.env, seconds=run.seconds)
    results.figures.append(
        Figure(
            "`POST /v1/occurrences` over HTTP, 16 concurrent clients, req/s",
            f"{post_rate:,.0f}",
            "the library's `app.save()` of one aggregate per request behind a FastAPI endpoint,"
            " served the same way, same clients, req/s",
            f"{http_save_rate:,.0f}",
            f"{post_rate / http_save_rate:.2f}x",
        )
    )
    results.notes.append(
        f"a loop of the library's `app.save()` of one aggregate per call, in one process: {save_rate:,.0f}"
        f" saves/s (POST over HTTP is {post_rate / save_rate:.2f}x that)"
    )


def measure_as_of_latency(
    run: Run, base: str, queries: list[tuple[str, str]], paths: list[str], revisions: int, results: Results
) -> None:
    latencies = load.latencies(base, TOKEN, paths)
    replays = baselines.replay_latencies(run.env, run.url, run.schema, queries[:15])
    p50, p95, p99 = (load.percentile(latencies, p) for p in (50, 95, 99))
    replay50 = load.percentile(replays, 50)
    results.figures.append(
        Figure(
            f"`GET` story timeline `as_of=T` at {revisions:,} revisions, p50 / p95 / p99 ms",
            f"{p50:.1f} / {p95:.1f} / {p99:.1f}",
            "the same answer by replaying each occurrence (library repository), p50 ms",
            f"{replay50:.1f}",
            f"{replay50 / p50:,.0f}x faster",
        )
    )


def measure_service_writes(run: Run, results: Results) -> None:
    step("the application service in one process, 16 writer threads, with and without group commit")
    grouped = baselines.service_writes(run.env, run.seconds, group_commit=True)
    alone = baselines.service_writes(run.env, run.seconds, group_commit=False)
    results.figures.append(
        Figure(
            "reports through the application service, 16 threads in one process, writes/s",
            f"{grouped:,.0f}",
            "the same with group commit off (one transaction per write), writes/s",
            f"{alone:,.0f}",
            f"{grouped / alone:.2f}x",
        )
    )


def render(results: Results, size: int, server: str) -> str:
    lines = [
        f"# Newsline benchmark: {size:,} revisions",
        "",
        f"Run on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; {machine()}; {server}.",
        "",
        "| figure | value | baseline (same run, same database) | baseline value | ratio |",
        "| --- | --- | --- | --- | --- |",
    ]
    lines += [
        f"| {f.name} | {f.value} | {f.baseline_name} | {f.baseline} | {f.ratio} |" for f in results.figures
    ]
    lines += ["", *(f"- {note}" for note in results.notes), ""]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
