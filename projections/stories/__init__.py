"""The story view: the catalogue of stories (slug, title, description) and of added kinds.

- `schema`: the tables (their names defined once) and their DDL;
- `writer`, `projector`: the write half, from log events to rows;
- `reader`: the reader interface (`StoryReader`);
- `queries`: the reads behind that interface;
- `view`: the view owning the table, with its reader and writer parts.

May import `domain`, `projections.base`, psycopg and the event store library;
never `api` or `newsline`, nor another view's package or tables.
"""

from projections.stories.projector import StoryProjection
from projections.stories.reader import StoryReader
from projections.stories.view import StoryView

__all__ = ["StoryProjection", "StoryReader", "StoryView"]
