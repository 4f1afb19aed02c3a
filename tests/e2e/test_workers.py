"""`newsline serve --workers N`: several stateless API processes behind one port."""

from __future__ import annotations

import signal
from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families

from tests.e2e.conftest import EDITOR, Server
from tests.unit.test_service import fields


def api_processes(parent: int) -> list[int]:
    """The processes uvicorn spawned to serve requests (not its resource tracker)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields_ = stat.read_text().rsplit(")", 1)[1].split()
            command = (stat.parent / "cmdline").read_bytes()
        except (OSError, IndexError):
            continue
        if int(fields_[1]) == parent and b"spawn_main" in command:
            found.append(int(stat.parent.name))
    return found


def kinds_requests(server: Server) -> float:
    text = server.get("/metrics").text
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == "newsline_http_requests_total" and sample.labels.get("route") == "/v1/kinds":
                return sample.value
    return 0


def test_api_processes_share_the_port_the_writes_and_the_request_metrics(server: Server) -> None:
    server.start("--workers", "2")
    assert server.process is not None
    processes = api_processes(server.process.pid)
    assert len(processes) == 2

    written = httpx.post(f"{server.url}/v1/occurrences", json=fields(), headers=EDITOR, timeout=30)
    assert written.status_code == 201
    for _ in range(6):  # whichever process answers has the write
        assert server.get(written.headers["location"]).json() == written.json()

    for _ in range(20):
        assert server.get("/v1/kinds").status_code == 200
    # Each scrape reaches one process, yet counts the requests every process answered.
    assert [kinds_requests(server) for _ in range(4)] == [20] * 4

    server.stop(signal.SIGTERM)
    assert api_processes(server.process.pid) == []
