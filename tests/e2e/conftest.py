"""The e2e fixture: `newsline serve` in a subprocess, on a fresh data dir."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

TOKEN = "e2e-editor-token"

# Debian's Chromium drives the browser tests. A developer's machine without it
# skips them; CI installs it (.ci/run), and there they must run, never skip.
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None and not os.environ.get("CI"),
    reason="no Chromium on this machine: apt-get install chromium (.ci/run does)",
)
EDITOR = {"Authorization": f"Bearer {TOKEN}"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Server:
    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(
        self,
        *args: str,
        tokens: str = f"{TOKEN}:e2e:editor",
        env: dict[str, str] | None = None,
        settings: dict[str, str] | None = None,
    ) -> None:
        """Start `newsline serve`; by default on an embedded PostgreSQL in the data dir.

        `settings` adds NEWSLINE_ variables to the default environment.
        """
        if env is None:
            env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSLINE_")}
            env |= {"NEWSLINE_DATA_DIR": str(self.data_dir), "NEWSLINE_TOKENS": tokens}
            env |= settings or {}
        command = [sys.executable, "-m", "newsline", "serve", "--port", str(self.port), *args]
        self.process = subprocess.Popen(
            command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/readyz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            assert self.process.poll() is None, "newsline serve exited"
            time.sleep(0.2)
        raise AssertionError("newsline serve did not become ready")

    def stop(self, sig: signal.Signals) -> None:
        assert self.process is not None
        self.process.send_signal(sig)
        self.process.wait(timeout=30)

    def get(self, path: str, **params: Any) -> httpx.Response:
        return httpx.get(f"{self.url}{path}", params=params, timeout=10)


@contextlib.contextmanager
def server_in_new_directory(prefix: str) -> Iterator[Server]:
    """A Server on a data directory of its own, and everything it started stopped afterwards."""
    data_dir = Path(tempfile.mkdtemp(prefix=prefix))
    server = Server(data_dir)
    yield server
    if server.process is not None and server.process.poll() is None:
        server.stop(signal.SIGKILL)
    # A killed server leaves its embedded PostgreSQL running: stop it.
    pid_file = data_dir / "postgres" / "postmaster.pid"
    if pid_file.exists():
        with contextlib.suppress(ProcessLookupError, ValueError):
            os.kill(int(pid_file.read_text().split()[0]), signal.SIGINT)


@pytest.fixture
def server() -> Iterator[Server]:
    with server_in_new_directory("nl-e2e-") as server:
        yield server
