"""HTTP load: sequential latencies, and throughput from client processes of their own.

The clients run in four processes of four threads each, so that the client's
own interpreter lock does not cap what a server can be shown to answer.
"""

from __future__ import annotations

import multiprocessing
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

_PROCESSES = 4


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered)) - 1))
    return ordered[index]


def latencies(base: str, token: str, paths: list[str]) -> list[float]:
    """Milliseconds per request, one request at a time (after a warm-up pass)."""
    headers = {"Authorization": f"Bearer {token}"}
    found: list[float] = []
    with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
        for path in paths[:20]:
            client.get(path).raise_for_status()
        for path in paths:
            started = time.perf_counter()
            client.get(path).raise_for_status()
            found.append((time.perf_counter() - started) * 1000)
    return found


def throughput(base: str, token: str, method: str, items: list[Any], clients: int, seconds: float) -> float:
    """Successful requests per second from `clients` concurrent clients."""
    context = multiprocessing.get_context("spawn")
    results: Any = context.Queue()
    start_at = time.time() + 2.0  # every process starts together, once spawned
    per_process = max(1, clients // _PROCESSES)
    processes = [
        context.Process(
            target=_client_process,
            args=(
                base,
                token,
                method,
                items[index::_PROCESSES] or items,
                per_process,
                start_at,
                seconds,
                results,
            ),
        )
        for index in range(_PROCESSES)
    ]
    for process in processes:
        process.start()
    counts = [results.get(timeout=seconds + 120) for _ in processes]
    for process in processes:
        process.join()
    done: int = sum(ok for ok, _ in counts)
    failed = sum(bad for _, bad in counts)
    if failed:
        print(f"  ({failed} requests failed)")
    return done / seconds


def _client_process(
    base: str,
    token: str,
    method: str,
    items: list[Any],
    threads: int,
    start_at: float,
    seconds: float,
    results: Any,
) -> None:
    counts = [[0, 0] for _ in range(threads)]
    headers = {"Authorization": f"Bearer {token}"}

    def client(index: int) -> None:
        with httpx.Client(base_url=base, headers=headers, timeout=60) as http:
            time.sleep(max(0.0, start_at - time.time()))
            deadline = start_at + seconds
            position = index
            while time.time() < deadline:
                item = items[position % len(items)]
                position += threads
                answer = http.get(item) if method == "GET" else http.post("/v1/occurrences", json=item)
                counts[index][0 if answer.is_success else 1] += 1

    pool = [threading.Thread(target=client, args=(index,)) for index in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    results.put((sum(c[0] for c in counts), sum(c[1] for c in counts)))


def post_bodies(queries: list[tuple[str, str]]) -> list[dict[str, Any]]:
    """New occurrences for POST, filed under the stories the reads use."""
    now = datetime.now(UTC)
    bodies = []
    for index, (story, _) in enumerate(queries):
        day = now - timedelta(days=index % 300)
        bodies.append(
            {
                "kind": "attack",
                "title": f"Shelling reported near checkpoint {index}",
                "occurred": day.strftime("%Y-%m-%d"),
                "actors": [{"name": "Bench Actor", "role": "agent"}],
                "places": ["Benchtown"],
                "figures": {"killed": index % 7},
                "source": {"name": "Bench Wire"},
                "stories": [story],
            }
        )
    return bodies
