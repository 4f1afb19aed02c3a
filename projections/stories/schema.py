"""The story view's table: its name, columns and DDL."""

from __future__ import annotations

STORIES = "story_catalogue"

#: Every table of the view, dropped by a rebuild.
TABLES = (STORIES,)

# What a read returns of each story.
READ_COLUMNS = "slug, title, description, created_by, recorded_at"

DDL = (
    f"""CREATE TABLE IF NOT EXISTS {{schema}}.{STORIES} (
        slug text PRIMARY KEY,
        id uuid NOT NULL,
        title text NOT NULL,
        description text,
        created_by text NOT NULL,
        recorded_at timestamptz NOT NULL)""",
)
