"""The timeline view: the tables it owns, with a reader part and a writer part.

The view is the tracking recorder of its projection (its position moves in
the same transaction as its rows, see projections.base); `reader` answers the
API (`TimelineReader`), `writer` applies what the projection hands it.
"""

from __future__ import annotations

from collections.abc import Sequence

from eventsourcing.postgres import PostgresDatastore

from projections.base import View
from projections.timeline.queries import TimelineQueries
from projections.timeline.schema import DDL, READER_INDEXES, TABLES
from projections.timeline.writer import TimelineWriter


class TimelineView(View):
    """Every occurrence's states in report and record time, with its edges and entities."""

    tables = TABLES
    reader_indexes = READER_INDEXES

    def __init__(self, datastore: PostgresDatastore, **kwargs: object) -> None:
        super().__init__(datastore, **kwargs)
        self.reader = TimelineQueries(self)
        self.writer = TimelineWriter(self)

    def schema_ddl(self) -> Sequence[str]:
        return DDL
