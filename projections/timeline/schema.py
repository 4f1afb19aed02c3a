"""The timeline view's tables: their names, columns, DDL and the indexes only reads use.

- `timeline_revisions`: each revision as recorded (the input of re-derivation);
- `timeline_states`: one row per fold state, valid over a report-time interval
  [reported_from, reported_to) and a record-time interval [recorded_from,
  recorded_to); open ends are 'infinity';
- `timeline_edges`: the relations each non-retracted state holds, over the
  same intervals, for deriving `status` as of the same point in time;
- `timeline_entities`: every actor and place ever named.

A state's `view` and `history` are `json`, not `jsonb`: they are only ever
read whole, and `json` keeps the text as written, which PostgreSQL neither
parses into a tree on write nor prints again on every read. (Tables made
before hold `jsonb`; both read and write the same.)
"""

from __future__ import annotations

REVISIONS = "timeline_revisions"
STATES = "timeline_states"
EDGES = "timeline_edges"
ENTITIES = "timeline_entities"

# Where a batch's states wait for their search vectors (a temporary table of the session).
STATES_STAGING = f"{STATES}_staging"

#: Every table of the view, dropped by a rebuild.
TABLES = (REVISIONS, STATES, EDGES, ENTITIES)

REVISION_COLUMNS = (
    "occurrence_id, version, type, reported_at, recorded_at, position, by_principal, reason, source, body"
)
STATE_COLUMNS = (
    "occurrence_id, fold_index, recorded_from, recorded_to, reported_from, reported_to, version,"
    " retracted, kind, occurred_start, occurred_end, first_reported_at, stories, actor_ids, place_ids,"
    " search, view, history"
)
EDGE_COLUMNS = "source_id, target_id, type, recorded_from, recorded_to, reported_from, reported_to"

DDL = (
    f"""CREATE TABLE IF NOT EXISTS {{schema}}.{REVISIONS} (
        occurrence_id uuid NOT NULL,
        version integer NOT NULL,
        type text NOT NULL,
        reported_at timestamptz NOT NULL,
        recorded_at timestamptz NOT NULL,
        position bigint NOT NULL,
        by_principal text NOT NULL,
        reason text,
        source jsonb,
        body jsonb NOT NULL,
        PRIMARY KEY (occurrence_id, version))""",
    f"""CREATE TABLE IF NOT EXISTS {{schema}}.{STATES} (
        occurrence_id uuid NOT NULL,
        fold_index integer NOT NULL,
        recorded_from timestamptz NOT NULL,
        recorded_to timestamptz NOT NULL DEFAULT 'infinity',
        reported_from timestamptz NOT NULL,
        reported_to timestamptz NOT NULL,
        version integer NOT NULL,
        retracted boolean NOT NULL,
        kind text NOT NULL,
        occurred_start timestamptz NOT NULL,
        occurred_end timestamptz NOT NULL,
        first_reported_at timestamptz NOT NULL,
        stories text[] NOT NULL,
        actor_ids text[] NOT NULL,
        place_ids text[] NOT NULL,
        search tsvector NOT NULL,
        view json NOT NULL,
        history json NOT NULL,
        PRIMARY KEY (occurrence_id, recorded_from, fold_index))""",
    f"""CREATE TABLE IF NOT EXISTS {{schema}}.{EDGES} (
        source_id uuid NOT NULL,
        target_id uuid NOT NULL,
        type text NOT NULL,
        recorded_from timestamptz NOT NULL,
        recorded_to timestamptz NOT NULL DEFAULT 'infinity',
        reported_from timestamptz NOT NULL,
        reported_to timestamptz NOT NULL)""",
    f"""CREATE INDEX IF NOT EXISTS {EDGES}_source ON {{schema}}.{EDGES}
        (source_id) WHERE recorded_to = 'infinity'""",
    f"""CREATE TABLE IF NOT EXISTS {{schema}}.{ENTITIES} (
        id text PRIMARY KEY,
        name text NOT NULL,
        is_actor boolean NOT NULL,
        is_place boolean NOT NULL)""",
)

# Indexes only the reads use (closing superseded rows uses the primary keys and
# timeline_edges_source, which stay).
READER_INDEXES = {
    f"{STATES}_current": f"ON {{schema}}.{STATES}"
    " (occurred_start, first_reported_at, occurrence_id)"
    " WHERE recorded_to = 'infinity' AND reported_to = 'infinity'",
    f"{STATES}_order": f"ON {{schema}}.{STATES} (occurred_start, first_reported_at, occurrence_id)",
    f"{STATES}_stories": f"ON {{schema}}.{STATES} USING gin (stories)",
    f"{STATES}_entities": f"ON {{schema}}.{STATES} USING gin ((actor_ids || place_ids))",
    f"{STATES}_search": f"ON {{schema}}.{STATES} USING gin (search)",
    f"{EDGES}_target": f"ON {{schema}}.{EDGES} (target_id, type)",
}
