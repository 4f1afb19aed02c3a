"""`newsline serve` as users run it: embedded PostgreSQL, seeds, restarts, kills."""

from __future__ import annotations

import signal

import httpx

from tests.e2e.conftest import EDITOR, Server
from tests.unit.test_service import fields


def test_serve_seeds_keeps_writes_across_restarts_and_kills(server: Server) -> None:
    server.start("--seed")
    seeded = server.get("/v1/timeline", limit=1000).json()["items"]
    assert len(seeded) >= 20

    written = httpx.post(f"{server.url}/v1/occurrences", json=fields(), headers=EDITOR, timeout=10)
    assert written.status_code == 201
    location = written.headers["location"]
    server.stop(signal.SIGKILL)

    server.start()
    assert server.get(location).json() == written.json()
    amended = httpx.patch(
        f"{server.url}{location}", json={"title": "amended", "reason": "r"}, headers=EDITOR, timeout=10
    )
    assert amended.status_code == 200
    server.stop(signal.SIGTERM)

    server.start("--seed")  # seeding again changes nothing
    assert server.get(location).json()["title"] == "amended"
    assert len(server.get("/v1/timeline", limit=1000).json()["items"]) == len(seeded) + 1
    server.stop(signal.SIGTERM)
