"""Fault tests: real processes and real PostgreSQL servers, broken on purpose.

Each test bounds its own waits; `make faults` runs them (they are not part of
`make test`).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.conftest import TOKEN, Server, server_in_new_directory

READER_TOKEN = "faults-reader-token"
TOKENS = f"{TOKEN}:e2e:editor,{READER_TOKEN}:guest:reader"


def serve_env(data_dir: Path, **settings: str) -> dict[str, str]:
    """The environment of a `newsline serve` under test: no rate limit, our tokens."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("NEWSLINE_")}
    env |= {"NEWSLINE_DATA_DIR": str(data_dir), "NEWSLINE_TOKENS": TOKENS, "NEWSLINE_WRITE_RATE_LIMIT": "off"}
    return env | {f"NEWSLINE_{name.upper()}": value for name, value in settings.items()}


@pytest.fixture
def server() -> Iterator[Server]:
    with server_in_new_directory("nl-f-") as server:
        yield server
