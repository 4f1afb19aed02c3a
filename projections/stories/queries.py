"""The story view's reads (`StoryReader`)."""

from __future__ import annotations

from typing import Any

from projections.base import View
from projections.stories.schema import KIND_COLUMNS, KINDS, READ_COLUMNS, STORIES


class StoryQueries:
    """The reads of a story view's table."""

    def __init__(self, tables: View) -> None:
        self._tables = tables

    def story(self, slug: str) -> dict[str, Any] | None:
        statement = self._tables.sql(
            f"SELECT {READ_COLUMNS} FROM {{stories}} WHERE slug = %s", stories=STORIES
        )
        with self._tables.reading() as cursor:
            row = cursor.execute(statement, (slug,)).fetchone()
        return _story(row) if row else None

    def stories(self, limit: int, after: str | None) -> list[dict[str, Any]]:
        statement = self._tables.sql(
            f"SELECT {READ_COLUMNS} FROM {{stories}} WHERE %(after)s::text IS NULL OR slug > %(after)s"
            " ORDER BY slug LIMIT %(limit)s",
            stories=STORIES,
        )
        with self._tables.reading() as cursor:
            rows = cursor.execute(statement, {"after": after, "limit": limit}).fetchall()
        return [_story(row) for row in rows]

    def added_kinds(self) -> list[dict[str, Any]]:
        statement = self._tables.sql(f"SELECT {KIND_COLUMNS} FROM {{kinds}} ORDER BY kind", kinds=KINDS)
        with self._tables.reading() as cursor:
            return [dict(row) for row in cursor.execute(statement).fetchall()]


def _story(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "slug": row["slug"],
        "title": row["title"],
        "description": row["description"],
        # Not in the public story; an NDJSON export keeps it so that an import keeps the writer.
        "created_by": row["created_by"],
        "recorded_at": row["recorded_at"].isoformat().replace("+00:00", "Z"),
    }
