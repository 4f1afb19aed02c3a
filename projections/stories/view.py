"""The story view: the catalogue tables it owns, with a reader part and a writer part."""

from __future__ import annotations

from collections.abc import Sequence

from eventsourcing.postgres import PostgresDatastore

from projections.base import View
from projections.stories.queries import StoryQueries
from projections.stories.schema import DDL, TABLES
from projections.stories.writer import StoryWriter


class StoryView(View):
    """The story catalogue (slug, title and description of every story) and the added kinds."""

    tables = TABLES

    def __init__(self, datastore: PostgresDatastore, **kwargs: object) -> None:
        super().__init__(datastore, **kwargs)
        self.reader = StoryQueries(self)
        self.writer = StoryWriter(self)

    def schema_ddl(self) -> Sequence[str]:
        return DDL
