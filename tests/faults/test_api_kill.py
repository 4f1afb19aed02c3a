"""SIGKILL `newsline serve` during a write load, start it again: every acknowledged
write is there, and nothing half-written is visible."""

from __future__ import annotations

import signal
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import EDITOR, Server
from tests.faults.conftest import serve_env
from tests.unit.test_service import fields

pytestmark = [pytest.mark.timeout(180, method="thread")]

WRITERS = 6
KILLS = 3


def write_until_refused(url: str, stop: threading.Event) -> list[dict[str, Any]]:
    """Report and amend occurrences until the server goes away; answer what was acknowledged."""
    acknowledged: list[dict[str, Any]] = []
    with httpx.Client(base_url=url, timeout=30, headers=EDITOR) as http:
        while not stop.is_set():
            key = str(uuid.uuid4())
            try:
                created = http.post("/v1/occurrences", json=fields(), headers={"Idempotency-Key": key})
                if created.status_code != 201:
                    continue
                acknowledged.append({"key": key, **created.json()})
                amended = http.patch(
                    f"/v1/occurrences/{created.json()['id']}",
                    json={"figures": {"killed": 7}, "reason": "toll"},
                    headers={"If-Match": '"1"'},
                )
                if amended.status_code == 200:
                    acknowledged.append({"key": key, **amended.json()})
            except httpx.TransportError:
                return acknowledged
    return acknowledged


def test_killed_api_loses_no_acknowledged_write(server: Server) -> None:
    acknowledged: list[dict[str, Any]] = []
    for _ in range(KILLS):
        server.start(env=serve_env(server.data_dir))
        stop = threading.Event()
        with ThreadPoolExecutor(WRITERS) as pool:
            batches = [pool.submit(write_until_refused, server.url, stop) for _ in range(WRITERS)]
            time.sleep(1.5)  # let the load build up; what matters is that writes are in flight
            server.stop(signal.SIGKILL)
            stop.set()
            for batch in batches:
                acknowledged += batch.result(timeout=60)
    server.start(env=serve_env(server.data_dir))
    assert len(acknowledged) > 20, "too little load to prove anything"

    with httpx.Client(base_url=server.url, timeout=30) as http:
        # Every acknowledged write is there, at least at the version acknowledged.
        for answer in acknowledged:
            view = http.get(f"/v1/occurrences/{answer['id']}")
            assert view.status_code == 200
            assert view.json()["version"] >= answer["version"]
            if view.json()["version"] == answer["version"]:
                assert view.json() == {k: v for k, v in answer.items() if k != "key"}

        # Nothing half-written: every event in the log is a whole revision the views show.
        events, after = [], 0
        while True:
            page = http.get("/v1/events", params={"after": after, "limit": 1000}).json()
            events += page["items"]
            if not page["items"]:
                break
            after = page["next"]
        latest: dict[str, int] = {}
        for event in events:
            occurrence = event["occurrence_id"]
            assert event["version"] == latest.get(occurrence, 0) + 1, "a gap or repeat in an occurrence's log"
            latest[occurrence] = event["version"]
        for occurrence, version in latest.items():
            history = http.get(f"/v1/occurrences/{occurrence}/history").json()["revisions"]
            assert [r["version"] for r in history] == sorted(r["version"] for r in history)
            assert len(history) == version
            assert http.get(f"/v1/occurrences/{occurrence}").json()["version"] == version

        # A retry of an acknowledged report replays it rather than writing it twice.
        first = next(answer for answer in acknowledged if answer["version"] == 1)
        retry = http.post(
            "/v1/occurrences", json=fields(), headers={**EDITOR, "Idempotency-Key": first["key"]}
        )
        assert retry.status_code == 201 and retry.json()["id"] == first["id"]
        assert http.get("/v1/events", params={"after": after}).json()["items"] == []
