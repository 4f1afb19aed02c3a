"""Which process runs which shard: PostgreSQL session advisory locks, held on one connection.

Every process that runs views (`newsline worker`, `newsline serve` with its
views) keeps one connection open for its claims. On it, it holds a shared
advisory lock that makes it a member, and an exclusive one per shard it
runs. PostgreSQL drops a session's locks with its connection, so a process
that dies, even by SIGKILL, frees its shards at once, and the others claim
them at their next round (every second). The connection asks the server to
probe the client with TCP keepalives every second after two idle ones, so a
machine that vanishes from the network loses its claims within a few
seconds too.

Claims are balanced per view: each round, a process reads from `pg_locks`
who the members are and what each holds. It claims free shards while it
holds fewer than its share (the view's shards over the members, rounded up),
gives back what it holds beyond that share, and the member holding the most,
when that is two more than the least, gives one back, so that a process
that joins gets its share. A shard is given back only after its runner has
stopped. A process is a member only while the views hold the projection
version it runs (projections.versions): one of another release waits,
holding nothing, and one whose views an online rebuild moved to another
version gives its shards back.

Exactly-once does not rest on the locks: a shard's rows and position commit
in one transaction that first locks its tracking row (projections.base), so
two runners of one shard, should that happen for a moment, take turns.
"""

from __future__ import annotations

import logging
import math
import threading
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from eventsourcing.application import Application
from eventsourcing.postgres import PostgresApplicationRecorder
from psycopg import Connection

from projections import versions
from projections.base import projected_view
from projections.runner import Listener, Supervisor, Wakeups, follow
from projections.shards import Sharding, ShardSpec
from projections.versions import OtherVersion

log = logging.getLogger(__name__)

# The key (of the pair that names an advisory lock) every member holds, shared.
MEMBERSHIP = 0
ROUND_SECONDS = 1.0
# The server probes a silent client after this many seconds, then every second, twice.
KEEPALIVES = "SET tcp_keepalives_idle = 2; SET tcp_keepalives_interval = 1; SET tcp_keepalives_count = 2"


def advisory_key(text: str) -> int:
    """A stable, positive 32-bit key (advisory locks take two int4 keys)."""
    return zlib.crc32(text.encode()) & 0x7FFFFFFF


def namespace(schema: str) -> int:
    """The first key of every claim on the views of `schema` (one database may hold several)."""
    return advisory_key(f"newsline:{schema}")


def shard_key(key: str) -> int:
    return advisory_key(key) or 1  # never MEMBERSHIP


LOCKS_HELD = """
SELECT l.objid::bigint AS key, l.pid, l.mode, a.application_name AS holder
FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid
WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2 AND l.classid::bigint = %s
  AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
"""


def holders(connection: Connection[Any], schema: str) -> dict[int, tuple[int, str]]:
    """Who holds each claim on the views of `schema`: key -> (server pid, application_name)."""
    rows = connection.execute(LOCKS_HELD, (namespace(schema),)).fetchall()
    return {row["key"]: (row["pid"], row["holder"] or "?") for row in rows if row["key"] != MEMBERSHIP}


def plan(
    group: Sequence[int], me: int, members: set[int], held_by: dict[int, int]
) -> tuple[list[int], list[int]]:
    """This round's moves for member `me` among the shards `group` (one view's keys):
    the shards it gives back, and the free ones it tries to take.

    Each member holds at most its share (the shards over the members, rounded
    up); the member holding the most (the lowest pid among equals) gives one
    back when another holds two fewer, so that one who joins gets its share.
    """
    counts = dict.fromkeys(members | {me}, 0)
    for key in group:
        if held_by.get(key) in counts:
            counts[held_by[key]] += 1
    share = math.ceil(len(group) / len(counts))
    mine = [key for key in group if held_by.get(key) == me]
    most = max(counts.values())
    giver = min(pid for pid, count in counts.items() if count == most)
    excess = len(mine) - share
    if excess <= 0 and giver == me and most >= min(counts.values()) + 2:
        excess = 1
    give_back = mine[len(mine) - excess :] if excess > 0 else []
    free = [key for key in group if key not in held_by]
    start = me % len(group)  # members try the free shards from different places
    take = (free[start:] + free[:start])[: max(share - len(mine), 0)]
    return list(reversed(give_back)), take


@dataclass
class _Round:
    """What pg_locks says at the start of a round."""

    me: int
    members: set[int]
    held_by: dict[int, int] = field(default_factory=dict)  # shard key -> pid


class Claims:
    """The shards this process runs: claimed, balanced, and run by supervisors."""

    def __init__(
        self,
        sharding: Sharding,
        application: Application[Any],
        batch_size: int,
        connect: Callable[[], Connection[Any]],
    ) -> None:
        recorder = application.recorder
        assert isinstance(recorder, PostgresApplicationRecorder)
        self._sharding = sharding
        self._application = application
        self._batch_size = batch_size
        self._connect = connect
        self._schema = recorder.datastore.schema
        self._namespace = namespace(self._schema)
        self._specs = sharding.specs()
        self._running: dict[str, tuple[Supervisor, Wakeups]] = {}
        self._waiting_for: str | None = None  # the old shard a new split waits for, once logged
        self._other_version: str | None = None  # why the views are not this process's, once logged
        self._views = [sharding.split_view, *(projected_view(p) for p in sharding.whole)]
        self._lock = threading.Lock()
        self._listener = Listener(recorder)
        self._stopping = threading.Event()
        self._first_round = threading.Event()
        self._thread = threading.Thread(target=self._claim, name="projection-claims", daemon=True)

    def start(self) -> None:
        """Start claiming, and return once the first round has (or a few seconds
        have passed): a process says it is running with its shards claimed."""
        self._listener.start()
        self._thread.start()
        self._first_round.wait(timeout=5 * ROUND_SECONDS)

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join(timeout=30)
        self._stop_all()
        self._listener.stop()

    def held(self) -> list[str]:
        """The shards this process runs now (`timeline 2/4`)."""
        with self._lock:
            return sorted(self._running)

    def holds_every_shard(self) -> bool:
        with self._lock:
            return len(self._running) == len(self._specs)

    def _claim(self) -> None:
        delay = ROUND_SECONDS
        while not self._stopping.is_set():
            try:
                with self._connect() as connection:
                    try:
                        self._member(connection)
                        delay = ROUND_SECONDS
                    finally:  # runners stop before the claims go with the connection
                        self._stop_all()
            except Exception as error:  # the connection is gone, and with it every claim
                self._first_round.set()
                log.warning("projection claims lost (%s); claiming again in %.1fs", error, delay)
                self._stopping.wait(delay)
                delay = min(delay * 2, 5.0)

    def _member(self, connection: Connection[Any]) -> None:
        """Claim and balance, a round a second, until stopped.

        A process is a member only while the views hold its projection
        version and once the timeline is split as it is configured: one
        waiting for an online rebuild of its version, or to split the view
        anew, must not count in the others' shares, or shards would go
        unclaimed meanwhile. When an online rebuild records another version,
        the process gives its shards back and waits.
        """
        connection.execute(KEEPALIVES)
        while not self._stopping.is_set():
            if not (self._views_of_this_version(connection) and self._split_as_configured(connection)):
                self._first_round.set()  # (nothing to claim for now)
                self._stopping.wait(ROUND_SECONDS)
                continue
            connection.execute("SELECT pg_advisory_lock_shared(%s, %s)", (self._namespace, MEMBERSHIP))
            try:
                while not self._stopping.is_set() and self._views_of_this_version(connection):
                    self._balance(connection)
                    self._first_round.set()
                    self._stopping.wait(ROUND_SECONDS)
            finally:  # runners stop before their claims go
                self._stop_all()
                connection.execute("SELECT pg_advisory_unlock_all()")

    def _views_of_this_version(self, connection: Connection[Any]) -> bool:
        """Whether every view holds the projection version this process runs (says
        which does not, once, when that changes)."""
        for view in self._views:
            row = connection.execute(versions.select(view.table(view.tracking_table_name))).fetchone()
            assert row is not None, "a scalar query answers one row"
            try:
                versions.check(view.name, row["version"], view.version)
            except OtherVersion as other:
                if self._other_version != str(other):
                    self._other_version = str(other)
                    log.warning("%s; waiting", other)
                return False
        self._other_version = None
        return True

    def _read(self, connection: Connection[Any]) -> _Round:
        rows = connection.execute(LOCKS_HELD, (self._namespace,)).fetchall()
        me = connection.info.backend_pid
        members = {row["pid"] for row in rows if row["key"] == MEMBERSHIP}
        held_by = {row["key"]: row["pid"] for row in rows if row["key"] != MEMBERSHIP}
        return _Round(me, members | {me}, held_by)

    def _balance(self, connection: Connection[Any]) -> None:
        state = self._read(connection)
        groups: dict[str, list[ShardSpec]] = {}
        for spec in self._specs:
            groups.setdefault(spec.shard.view_name, []).append(spec)
        for group in groups.values():
            self._balance_group(connection, state, group)

    def _balance_group(self, connection: Connection[Any], state: _Round, group: Sequence[ShardSpec]) -> None:
        specs = {shard_key(spec.shard.key): spec for spec in group}
        give_back, take = plan(list(specs), state.me, state.members, state.held_by)
        for key in give_back:
            self._give_back(connection, specs[key])
        for key in take:
            self._take(connection, specs[key])

    def _take(self, connection: Connection[Any], spec: ShardSpec) -> None:
        key = shard_key(spec.shard.key)
        row = connection.execute(
            "SELECT pg_try_advisory_lock(%s, %s) AS got", (self._namespace, key)
        ).fetchone()
        if not row or not row["got"]:
            return
        # Claimed: still split as configured? (It cannot change while anyone holds a shard.)
        if spec.shard.view_name == self._sharding.split_projection.name and (
            self._sharding.current_count() != self._sharding.count
        ):
            connection.execute("SELECT pg_advisory_unlock(%s, %s)", (self._namespace, key))
            raise RuntimeError("the timeline was split anew by another process; checking the split again")
        wakeups = Wakeups()
        supervisor = Supervisor(spec, self._application, wakeups, self._batch_size)
        self._listener.add(wakeups)
        with self._lock:
            self._running[spec.name] = (supervisor, wakeups)
        supervisor.start()
        log.info("projection shard %s claimed", spec.name)

    def _give_back(self, connection: Connection[Any], spec: ShardSpec) -> None:
        self._stop_one(spec.name)
        connection.execute("SELECT pg_advisory_unlock(%s, %s)", (self._namespace, shard_key(spec.shard.key)))
        log.info("projection shard %s given back", spec.name)

    def _stop_one(self, name: str) -> None:
        with self._lock:
            running = self._running.pop(name, None)
        if running is not None:
            supervisor, wakeups = running
            supervisor.stop()
            self._listener.remove(wakeups)

    def _stop_all(self) -> None:
        for name in self.held():
            self._stop_one(name)

    def _split_as_configured(self, connection: Connection[Any]) -> bool:
        """Split the timeline as configured if it is split otherwise; False while
        processes running the other split still hold shards of it."""
        current = self._sharding.current_count()
        if current == self._sharding.count:
            return True
        old = self._sharding.specs(current)
        locked: list[int] = []
        try:
            for spec in old:
                key = shard_key(spec.shard.key)
                got = connection.execute(
                    "SELECT pg_try_advisory_lock(%s, %s) AS got", (self._namespace, key)
                ).fetchone()
                if not got or not got["got"]:
                    if self._waiting_for != spec.name:  # once, not every round
                        self._waiting_for = spec.name
                        log.warning(
                            "the timeline is split into %d shards, and a process running them still holds"
                            " %s: stop the processes running %d shards to split it into %d"
                            " (NEWSLINE_PROJECTION_SHARDS); waiting",
                            current,
                            spec.name,
                            current,
                            self._sharding.count,
                        )
                    return False
                locked.append(key)
            positions = self._sharding.split_view.shard_positions()
            if len(positions) != current:
                return False  # split anew meanwhile: look again next round
            through = max(positions.values())
            for spec in old:  # every old shard to the same position first
                follow(
                    spec.projection,
                    self._application,
                    lambda seconds: None,  # never waits: the log holds `through` already
                    self._stopping,
                    self._batch_size,
                    spec.partition,
                    until=through,
                )
            if self._stopping.is_set():
                return False
            self._sharding.switch(current, through)
            log.info(
                "the timeline is split into %d shards (was %d), from position %d",
                self._sharding.count,
                current,
                through,
            )
            return True
        finally:
            for key in locked:
                connection.execute("SELECT pg_advisory_unlock(%s, %s)", (self._namespace, key))
