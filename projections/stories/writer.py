"""The story view's writes: the stories and kinds a batch adds, in one transaction with the position."""

from __future__ import annotations

from collections.abc import Sequence

from psycopg import Cursor
from psycopg.rows import DictRow

from domain.kind import AddedKind
from domain.story import Story
from projections.base import Logged, View
from projections.stories.schema import KINDS, STORIES


class StoryWriter:
    """The writes of a story view."""

    def __init__(self, tables: View) -> None:
        self._tables = tables

    def record(self, created: Sequence[Logged], through: int) -> None:
        """Add the stories and kinds created (positions ascending) and move the position to `through`."""
        stories = self._tables.sql("INSERT INTO {stories} VALUES (%s, %s, %s, %s, %s, %s)", stories=STORIES)
        kinds = self._tables.sql("INSERT INTO {kinds} VALUES (%s, %s, %s, %s, %s, %s)", kinds=KINDS)

        def insert(cursor: Cursor[DictRow], applied: int) -> None:
            new = [logged.event for logged in created if logged.position > applied]
            story_rows = [
                (event.slug, event.originator_id, event.title, event.description, event.by, event.timestamp)
                for event in new
                if isinstance(event, Story.Created)
            ]
            kind_rows = [
                (event.kind, event.description, event.cameo, event.plover, event.by, event.timestamp)
                for event in new
                if isinstance(event, AddedKind.Added)
            ]
            if story_rows:
                cursor.executemany(stories, story_rows)
            if kind_rows:
                cursor.executemany(kinds, kind_rows)

        self._tables.commit(through, insert)
