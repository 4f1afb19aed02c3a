"""Per-principal limits on writes, counted in PostgreSQL, answered with 429 and Retry-After.

Every API process counts in the same table, so a principal (the name a
token belongs to) has one budget however many processes serve it. Each
limit is a fixed window that starts at the principal's first write after the
previous window ended: the window's writes are counted, and once they pass
the limit the principal waits for the window's end (Retry-After). One statement per write counts it in every
window. A refused write counts too, so a loop that ignores 429 stays
refused until its window ends. The table is UNLOGGED: counts are not worth
a WAL write per request, and a crash that empties it only forgives a window.

Rows are keyed by the principal's name, never by its token or a digest of
it (a digest of a token could be tried against guesses by whoever reads the
table), and by the limit, so a changed limit starts counting afresh. Keying
by principal also means two tokens of one principal (a rotation in
progress) share one budget, and changing the configured tokens resets no
count.
"""

from __future__ import annotations

import math

from eventsourcing.persistence import IntegrityError, InterfaceError, OperationalError
from eventsourcing.postgres import PostgresDatastore
from eventsourcing.utils import retry
from limits import RateLimitItem
from psycopg.sql import SQL, Identifier

from api.errors import Problem

TABLE = "newsline_write_limit_counts"

_CREATE = """
CREATE UNLOGGED TABLE IF NOT EXISTS {table} (
    principal text NOT NULL,
    window_limit text NOT NULL,
    window_seconds integer NOT NULL,
    window_start timestamptz NOT NULL,
    hits integer NOT NULL,
    PRIMARY KEY (principal, window_limit)
)
"""

# One row per limit: a window that has ended starts again at this write.
_HIT = """
INSERT INTO {table} AS c (principal, window_limit, window_seconds, window_start, hits)
SELECT %(principal)s, l.name, l.seconds, statement_timestamp(), 1
FROM unnest(%(names)s::text[], %(seconds)s::integer[]) AS l(name, seconds)
ON CONFLICT (principal, window_limit) DO UPDATE SET
    window_start = CASE WHEN c.window_start + make_interval(secs => c.window_seconds) <= statement_timestamp()
                        THEN statement_timestamp() ELSE c.window_start END,
    hits = CASE WHEN c.window_start + make_interval(secs => c.window_seconds) <= statement_timestamp()
                THEN 1 ELSE c.hits + 1 END
RETURNING window_limit, hits,
    extract(epoch FROM c.window_start + make_interval(secs => c.window_seconds) - statement_timestamp())
        AS resets_in
"""


def limit_name(limit: RateLimitItem) -> str:
    """`6000/60`: the amount per window of seconds, as the table keys it."""
    return f"{limit.amount}/{limit.get_expiry()}"


class WriteLimiter:
    """Counts each principal's writes in the database, against every configured limit."""

    def __init__(self, limits: list[RateLimitItem], datastore: PostgresDatastore) -> None:
        self.limits = limits
        self._datastore = datastore
        self._by_name = {limit_name(limit): limit for limit in limits}
        self._table = Identifier(datastore.schema, TABLE)
        if limits:
            self._create_table()

    def _create_table(self) -> None:
        try:
            with self._datastore.transaction(commit=True) as cursor:
                cursor.execute(SQL(_CREATE).format(table=self._table))
        except IntegrityError:  # another process created it at the same moment
            pass

    def hit(self, principal: str) -> None:
        """Count a write by `principal`, or raise 429 if one of the limits is spent.

        Blocks on the database: call it from a worker thread.
        """
        if not self.limits:
            return
        counted = self._count(principal)
        spent = [
            (self._by_name[name], resets_in)
            for name, hits, resets_in in counted
            if hits > self._by_name[name].amount
        ]
        if spent:
            wait = max(1, math.ceil(max(resets_in for _, resets_in in spent)))
            raise Problem(
                429,
                f"too many writes by {principal!r} (at most {spent[0][0]}); try again in {wait} s",
                {"Retry-After": str(wait)},
            )

    # A retry after a lost answer may count one write twice: a small unfairness
    # to the client, preferable to letting a write through uncounted.
    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def _count(self, principal: str) -> list[tuple[str, int, float]]:
        names = list(self._by_name)
        seconds = [self._by_name[name].get_expiry() for name in names]
        with self._datastore.cursor() as cursor:
            cursor.execute(
                SQL(_HIT).format(table=self._table),
                {"principal": principal, "names": names, "seconds": seconds},
            )
            rows = cursor.fetchall()
        return [(row["window_limit"], int(row["hits"]), float(row["resets_in"])) for row in rows]
