"""The story catalogue: slug, title and description of every story."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from psycopg import Cursor
from psycopg.rows import DictRow

from domain.story import Story
from projections.base import BatchProjection, Logged, View

_DDL = (
    """CREATE TABLE IF NOT EXISTS {schema}.story_catalogue (
        slug text PRIMARY KEY,
        id uuid NOT NULL,
        title text NOT NULL,
        description text,
        created_by text NOT NULL,
        recorded_at timestamptz NOT NULL)""",
)

_COLUMNS = "slug, title, description, created_by, recorded_at"


class StoryView(View):
    tables = ("story_catalogue",)

    def schema_ddl(self) -> Sequence[str]:
        return _DDL

    def record_stories(self, created: Sequence[Logged], through: int) -> None:
        """Add the stories created (positions ascending) and move the position to `through`."""
        statement = self.sql(
            "INSERT INTO {stories} VALUES (%s, %s, %s, %s, %s, %s)", stories="story_catalogue"
        )

        def insert(cursor: Cursor[DictRow], applied: int) -> None:
            rows = [
                (event.slug, event.originator_id, event.title, event.description, event.by, event.timestamp)
                for logged in created
                if logged.position > applied and isinstance(event := logged.event, Story.Created)
            ]
            if rows:
                cursor.executemany(statement, rows)

        self.commit(through, insert)

    def story(self, slug: str) -> dict[str, Any] | None:
        statement = self.sql(f"SELECT {_COLUMNS} FROM {{stories}} WHERE slug = %s", stories="story_catalogue")
        with self.reading() as cursor:
            row = cursor.execute(statement, (slug,)).fetchone()
        return _story(row) if row else None

    def stories(self, limit: int, after: str | None) -> list[dict[str, Any]]:
        statement = self.sql(
            f"SELECT {_COLUMNS} FROM {{stories}} WHERE %(after)s::text IS NULL OR slug > %(after)s"
            " ORDER BY slug LIMIT %(limit)s",
            stories="story_catalogue",
        )
        with self.reading() as cursor:
            rows = cursor.execute(statement, {"after": after, "limit": limit}).fetchall()
        return [_story(row) for row in rows]


def _story(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "slug": row["slug"],
        "title": row["title"],
        "description": row["description"],
        # Not in the public story; an NDJSON export keeps it so that an import keeps the writer.
        "created_by": row["created_by"],
        "recorded_at": row["recorded_at"].isoformat().replace("+00:00", "Z"),
    }


class StoryProjection(BatchProjection[StoryView]):
    name = "stories"
    topics = (Story.Created.TOPIC,)

    def process_batch(self, events: Sequence[Logged], through: int) -> None:
        self.view.record_stories(events, through)
