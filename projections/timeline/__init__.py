"""The timeline view: every occurrence's states in report and record time.

- `schema`: the tables (names defined once), their DDL and the indexes only reads use;
- `document`: the occurrence document a state stores and the API serves;
- `rows`: deriving an occurrence's state rows from its revisions (pure);
- `batch`, `writer`, `projector`: the write half, from log events to rows;
- `reader`: the reader interface (`TimelineReader`) and its values;
- `queries`, `revisions`, `changes`: the reads behind that interface;
- `view`: the view owning the tables, with its reader and writer parts.

May import `domain`, `projections.base`, psycopg, pydantic and the event store
library; never `api` or `newsline`, nor another view's package or tables.
"""

from projections.timeline.batch import PositionedRevision
from projections.timeline.projector import TimelineProjection
from projections.timeline.reader import (
    Cursor,
    EntityRow,
    RecordedRevision,
    TimelinePage,
    TimelineQuery,
    TimelineReader,
)
from projections.timeline.view import TimelineView

__all__ = [
    "Cursor",
    "EntityRow",
    "PositionedRevision",
    "RecordedRevision",
    "TimelinePage",
    "TimelineProjection",
    "TimelineQuery",
    "TimelineReader",
    "TimelineView",
]
