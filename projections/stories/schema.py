"""The story view's tables: their names, columns and DDL."""

from __future__ import annotations

STORIES = "story_catalogue"
# The kinds newsrooms added (the built-in ones are `domain.kinds`).
KINDS = "kind_catalogue"

#: Every table of the view, dropped by a rebuild.
TABLES = (STORIES, KINDS)

# What a read returns of each story.
READ_COLUMNS = "slug, title, description, created_by, recorded_at"
KIND_COLUMNS = "kind, description, cameo, plover, added_by"

DDL = (
    f"""CREATE TABLE IF NOT EXISTS {{schema}}.{STORIES} (
        slug text PRIMARY KEY,
        id uuid NOT NULL,
        title text NOT NULL,
        description text,
        created_by text NOT NULL,
        recorded_at timestamptz NOT NULL)""",
    f"""CREATE TABLE IF NOT EXISTS {{schema}}.{KINDS} (
        kind text PRIMARY KEY,
        description text NOT NULL,
        cameo text,
        plover text,
        added_by text NOT NULL,
        recorded_at timestamptz NOT NULL)""",
)
