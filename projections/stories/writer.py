"""The story view's writes: the stories a batch creates, in one transaction with the position."""

from __future__ import annotations

from collections.abc import Sequence

from psycopg import Cursor
from psycopg.rows import DictRow

from domain.story import Story
from projections.base import Logged, View
from projections.stories.schema import STORIES


class StoryWriter:
    """The writes of a story view."""

    def __init__(self, tables: View) -> None:
        self._tables = tables

    def record_stories(self, created: Sequence[Logged], through: int) -> None:
        """Add the stories created (positions ascending) and move the position to `through`."""
        statement = self._tables.sql("INSERT INTO {stories} VALUES (%s, %s, %s, %s, %s, %s)", stories=STORIES)

        def insert(cursor: Cursor[DictRow], applied: int) -> None:
            rows = [
                (event.slug, event.originator_id, event.title, event.description, event.by, event.timestamp)
                for logged in created
                if logged.position > applied and isinstance(event := logged.event, Story.Created)
            ]
            if rows:
                cursor.executemany(statement, rows)

        self._tables.commit(through, insert)
