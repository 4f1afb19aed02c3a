"""Blue/green views: fresh views built beside the served ones, then put in their place at once.

`newsline rebuild --online` builds fresh views in a schema of their own
(`<schema>_rebuild`) while every Newsline process keeps serving, and
applying the log to, the views in `<schema>`. The switch is one transaction:

1. it locks each served view's tracking table in EXCLUSIVE mode: reads go
   on, but no runner can commit, so no served position moves;
2. it reads the log's head H, which is at or past every served position,
   and has the fresh views apply the log up to H (on their own connections);
3. it moves the served views' tables to `<schema>_retired` and the fresh
   ones into `<schema>`, and sets every served position (the view's own and
   its shards') to H and the view's version to the fresh views' (the
   positions of a plain rebuild in partitions that stopped go: the views
   are whole again).

A read runs either before the switch, on the old tables, or after it, on the
new ones: PostgreSQL resolves a table's name again when a statement prepared
before the switch next runs. A runner that waited in step 1 goes on from H,
on the new tables, and applies only what came after H. The retired tables
are dropped once no reader holds them.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

import psycopg
from eventsourcing.persistence import PersistenceError
from eventsourcing.postgres import PostgresDatastore
from psycopg.errors import DeadlockDetected, LockNotAvailable
from psycopg.sql import SQL, Identifier, Literal

from projections import versions
from projections.base import APPLICATION_NAME, SHARD_PREFIX, View
from projections.claims import advisory_key
from projections.partitions import TRACKING_PREFIX

log = logging.getLogger(__name__)

# How long the switch waits for the tracking tables (runners committing) and
# then for each table it moves (reads in progress) before it lets go of what
# it holds and tries again, and how often it tries. The tables' waits add up
# to less than PostgreSQL's deadlock_timeout (1 s by default), so that where
# a read and the switch wait for each other, the switch gives up first.
TRACKING_LOCK_TIMEOUT = "2s"
TABLE_LOCK_TIMEOUT = "150ms"
ATTEMPTS = 60
MOVE = SQL("ALTER TABLE IF EXISTS {0} SET SCHEMA {1}")
SET_LOCK_TIMEOUT = SQL("SET LOCAL lock_timeout = {0}")


def fresh_schema(schema: str) -> str:
    """Where the fresh views are built."""
    return f"{schema}_rebuild"


def retired_schema(schema: str) -> str:
    """Where the replaced views wait to be dropped."""
    return f"{schema}_retired"


def make_room(datastore: PostgresDatastore, schema: str) -> None:
    """An empty schema for the fresh views of `schema`; what an earlier rebuild
    that stopped left behind (fresh or retired views) is dropped first."""
    with datastore.get_connection() as connection:
        for leftover in (fresh_schema(schema), retired_schema(schema)):
            connection.execute(SQL("DROP SCHEMA IF EXISTS {0} CASCADE").format(Identifier(leftover)))
        connection.execute(SQL("CREATE SCHEMA {0}").format(Identifier(fresh_schema(schema))))


def switch(
    served: Sequence[View],
    fresh: Sequence[View],
    head_of_log: Callable[[], int],
    catch_up: Callable[[int], None],
) -> int:
    """Put the `fresh` views in place of the `served` ones (pairwise) in one
    transaction; the position both held at that moment.

    `catch_up(H)` must make every fresh view hold exactly the log up to H.
    """
    datastore = served[0].datastore
    for attempt in range(1, ATTEMPTS + 1):
        try:
            with datastore.get_connection() as connection, connection.transaction():
                return _switch(connection, served, fresh, head_of_log, catch_up)
        except (psycopg.Error, PersistenceError) as error:
            if not _waited_for_a_lock(error):
                raise
            # Let the runners and readers that waited on us through, then try again.
            log.info("the switch waited too long for a lock (attempt %d); trying again", attempt)
            time.sleep(0.2)
    raise RuntimeError(f"the views were not switched in {ATTEMPTS} attempts: something holds their tables")


def _switch(
    connection: psycopg.Connection[object],
    served: Sequence[View],
    fresh: Sequence[View],
    head_of_log: Callable[[], int],
    catch_up: Callable[[int], None],
) -> int:
    connection.execute(SET_LOCK_TIMEOUT.format(Literal(TRACKING_LOCK_TIMEOUT)))
    for view in served:
        tracking = view.table(view.tracking_table_name)
        connection.execute(SQL("LOCK TABLE {0} IN EXCLUSIVE MODE").format(tracking))
    head = head_of_log()  # read after the locks: no served position is beyond it
    catch_up(head)
    schema = served[0].datastore.schema
    retired = Identifier(retired_schema(schema))
    connection.execute(SQL("CREATE SCHEMA IF NOT EXISTS {0}").format(retired))
    connection.execute(SET_LOCK_TIMEOUT.format(Literal(TABLE_LOCK_TIMEOUT)))
    for old, new in zip(served, fresh, strict=True):
        tables = dict.fromkeys([*old.tables, *new.tables])  # whichever exist of either
        for name in tables:
            connection.execute(MOVE.format(old.table(name), retired))
        for name in tables:
            connection.execute(MOVE.format(new.table(name), Identifier(schema)))
        tracking = old.table(old.tracking_table_name)
        connection.execute(
            SQL(
                "UPDATE {0} SET notification_id = %s"
                " WHERE application_name = {1} OR starts_with(application_name, {2})"
            ).format(tracking, Literal(APPLICATION_NAME), Literal(SHARD_PREFIX)),
            (head,),
        )
        # What a plain rebuild in partitions that stopped left: the view is whole now.
        connection.execute(
            SQL("DELETE FROM {0} WHERE starts_with(application_name, {1})").format(
                tracking, Literal(TRACKING_PREFIX)
            )
        )
        connection.execute(versions.record(tracking, new.version))
    return head


def drop_leftovers(datastore: PostgresDatastore, schema: str) -> None:
    """Drop the replaced views once no reader holds them, and the fresh views'
    schema (after a switch it holds only their tracking table)."""
    for leftover in (retired_schema(schema), fresh_schema(schema)):
        drop = SQL("DROP SCHEMA IF EXISTS {0} CASCADE").format(Identifier(leftover))
        for attempt in range(1, ATTEMPTS + 1):
            try:
                with datastore.get_connection() as connection, connection.transaction():
                    connection.execute(SET_LOCK_TIMEOUT.format(Literal(TRACKING_LOCK_TIMEOUT)))
                    connection.execute(drop)
                break
            except (psycopg.Error, PersistenceError) as error:
                if not _waited_for_a_lock(error):
                    raise
                log.info("%s is still read (attempt %d); dropping it again shortly", leftover, attempt)
                time.sleep(1.0)
        else:
            log.warning("%s is still in use; drop it later with DROP SCHEMA %s CASCADE", leftover, leftover)


def _waited_for_a_lock(error: Exception) -> bool:
    """A lock_timeout ran out, or PostgreSQL broke a deadlock by ending this
    transaction (the pool's connections give psycopg's error as the cause)."""
    lost = (LockNotAvailable, DeadlockDetected)
    return isinstance(error, lost) or isinstance(error.__cause__, lost)


@contextmanager
def rebuilding_alone(conninfo: str, schema: str) -> Iterator[None]:
    """Hold, for the length of a rebuild, the lock that makes it the only one on `schema`'s views.

    A session advisory lock on a connection of its own: a rebuild that dies
    lets go of it with its connection."""
    key = advisory_key(f"newsline:{schema}:rebuild")
    with psycopg.connect(conninfo, autocommit=True, application_name="newsline-rebuild-lock") as connection:
        row = connection.execute("SELECT pg_try_advisory_lock(%s::bigint)", (key,)).fetchone()
        if not row or not row[0]:
            raise RebuildRunning(f"another `newsline rebuild` is running on the {schema} views: let it end")
        yield


class RebuildRunning(RuntimeError):
    """A rebuild of the same views is under way in another process."""
