"""What `newsline serve` prints as it starts: readable text at a terminal, JSON
lines for a log collector, and a short startup that ends with where it listens."""

from __future__ import annotations

import json
import os
import pty
import select
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import drop_schema, new_schema
from tests.e2e.conftest import free_port, server_in_new_directory

LISTENING = "Uvicorn running on"


def startup_lines(env: dict[str, str], *, terminal: bool) -> tuple[list[str], str]:
    """The lines `serve` writes (stdout and stderr) until it says where it listens,
    and then within a second and a half more; and the URL it listens on.

    `terminal`: both go to a pseudo-terminal, as under `make run`; else to a pipe.
    """
    port = free_port()
    if terminal:
        reader, writer = pty.openpty()
    else:
        reader, writer = os.pipe()
    process = subprocess.Popen(
        [sys.executable, "-m", "newsline", "serve", "--port", str(port)],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=writer,
        stderr=writer,
    )
    os.close(writer)
    output = b""
    try:
        deadline = time.monotonic() + 90
        while LISTENING.encode() not in output:
            assert time.monotonic() < deadline, f"serve did not say where it listens:\n{output.decode()}"
            if select.select([reader], [], [], 1)[0]:
                chunk = os.read(reader, 65536)
                assert chunk, f"serve exited:\n{output.decode()}"
                output += chunk
        quiet_until = time.monotonic() + 1.5
        while (left := quiet_until - time.monotonic()) > 0:
            if select.select([reader], [], [], left)[0]:
                output += os.read(reader, 65536)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
        os.close(reader)
    lines = [line for line in output.decode().replace("\r\n", "\n").split("\n") if line.strip()]
    return lines, f"http://127.0.0.1:{port}"


def environment(**settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSLINE_")}
    return env | {"NEWSLINE_TOKENS": "e2e-editor-token:e2e:editor"} | settings


@pytest.fixture
def data_dir() -> Iterator[Path]:
    with server_in_new_directory("nl-e2e-out-") as server:  # stops any PostgreSQL left behind
        yield server.data_dir


@pytest.fixture
def external(database_url: str) -> Iterator[dict[str, str]]:
    """Settings for the test database (no embedded server to start)."""
    schema = new_schema()
    yield {"NEWSLINE_DATABASE_URL": database_url, "NEWSLINE_DATABASE_SCHEMA": schema}
    drop_schema(database_url, schema)


def test_at_a_terminal_a_fresh_start_prints_a_few_text_lines_and_ends_with_where_it_listens(
    data_dir: Path,
) -> None:
    lines, url = startup_lines(environment(NEWSLINE_DATA_DIR=str(data_dir)), terminal=True)
    assert LISTENING in lines[-1] and url in lines[-1], "\n".join(lines)
    assert len(lines) < 15, "\n".join(lines)
    assert not any(line.startswith("{") for line in lines), "\n".join(lines)
    assert " INFO " in lines[-1]


def test_elsewhere_a_fresh_start_prints_a_few_json_lines_and_ends_with_where_it_listens(
    data_dir: Path,
) -> None:
    lines, url = startup_lines(environment(NEWSLINE_DATA_DIR=str(data_dir)), terminal=False)
    records = [json.loads(line) for line in lines]
    assert LISTENING in records[-1]["message"] and url in records[-1]["message"]
    assert len(records) < 15, "\n".join(lines)
    assert all(record["level"] in ("INFO", "WARNING") for record in records)


@pytest.mark.parametrize(("terminal", "log_format"), [(True, "json"), (False, "text")])
def test_an_explicit_log_format_wins(external: dict[str, str], terminal: bool, log_format: str) -> None:
    lines, _ = startup_lines(environment(**external, NEWSLINE_LOG_FORMAT=log_format), terminal=terminal)
    assert LISTENING in lines[-1]
    assert all(line.startswith("{") == (log_format == "json") for line in lines), "\n".join(lines)
