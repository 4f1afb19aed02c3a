"""Helpers shared by the database tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
from fastapi.testclient import TestClient
from psycopg.sql import SQL

from bench.corpus import Corpus
from entrypoints.importing import import_file
from newsline.bootstrap import Newsline, build
from newsline.settings import Settings
from newsline.web import create_app
from projections.blue_green import fresh_schema, retired_schema
from projections.timeline.schema import STATES
from tests.conftest import EDITOR, drop_schema, new_schema, settings_for

# The OpenAPI document as the API publishes it, built once and without a database:
# tests that take their cases from it cover new endpoints without anyone listing them.
API_DOCUMENT: dict[str, Any] = create_app(Settings(database_url="postgresql://documentation-only")).openapi()


def view_checksums(newsline: Newsline) -> dict[str, str]:
    """An md5 of every row of every view table, for comparing views."""
    sums = {}
    for view in newsline.views:
        with view.datastore.transaction(commit=False) as cursor:
            for name in view.tables:
                statement = SQL(
                    "SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) AS sum FROM {0} t"
                )
                row = cursor.execute(statement.format(view.table(name))).fetchone()
                assert row is not None
                sums[name] = row["sum"]
    return sums


def rebuild(newsline: Newsline) -> None:
    """What `newsline rebuild` does, in-process: drop the views and replay the log."""
    assert newsline.rebuild() == newsline.head()


def index_names(newsline: Newsline) -> set[str]:
    """The indexes on every view table."""
    tables = [name for view in newsline.views for name in view.tables]
    with newsline.timeline.reading() as cursor:
        rows = cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE schemaname = %s AND tablename = ANY(%s)",
            (newsline.timeline.datastore.schema, tables),
        ).fetchall()
    return {row["indexname"] for row in rows}


def write(client: TestClient, path: str, body: dict[str, Any], method: str = "POST") -> dict[str, Any]:
    """A write as the editor that must succeed; its answer."""
    answer = client.request(method, path, json=body, headers=EDITOR)
    assert answer.status_code in (200, 201), answer.text
    result: dict[str, Any] = answer.json()
    return result


def table_id(newsline: Newsline) -> int:
    """The id PostgreSQL gives the served timeline states table (a new table, a new id)."""
    with newsline.timeline.reading() as cursor:
        row = cursor.execute("SELECT %s::regclass::oid AS id", (f"{newsline.datastore.schema}.{STATES}",))
        found = row.fetchone()
    assert found is not None
    return int(found["id"])


def schemas_left(database_url: str, schema: str) -> list[str]:
    """What an online rebuild of `schema` left behind: its fresh or retired schema."""
    with psycopg.connect(database_url) as connection:
        rows = connection.execute(
            "SELECT nspname FROM pg_namespace WHERE nspname = ANY(%s)",
            ([fresh_schema(schema), retired_schema(schema)],),
        ).fetchall()
    return [row[0] for row in rows]


@contextmanager
def newsline_with_corpus(database_url: str, directory: Path, revisions: int) -> Iterator[Newsline]:
    """A Newsline in a schema of its own holding a corpus with amendments, links and
    retractions (its views not built: rebuild them)."""
    schema = new_schema()
    newsline = build(settings_for(database_url, schema), run_projections=False)
    path = directory / "corpus.ndjson"
    path.write_text("".join(line + "\n" for line in Corpus(revisions).lines()))
    import_file(newsline.app, path)
    try:
        yield newsline
    finally:
        newsline.close()
        drop_schema(database_url, schema)
