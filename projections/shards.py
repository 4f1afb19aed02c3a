"""Shards of the views: the share of the log one runner applies, with a position of its own.

The timeline view is split by occurrence into NEWSLINE_PROJECTION_SHARDS
shards, the partitions a partitioned rebuild uses (projections.partitions):
an occurrence's rows depend only on its own events, so each shard reads only
its occurrences' events and keeps its own tracking row. The story view is one
shard of its own. A view that is not split tracks its position as
APPLICATION_NAME, as it always did, so a database of one shard needs nothing.

The tracking table says how a view is split now (its `newsline:shard-i-of-n`
rows, or none), so every process reads the same split whatever it was
configured with. Splitting anew (`Sharding.split`) is safe: every shard of
the old split first reaches the same position, and then, in one transaction,
the old rows give way to the new ones, all at that position.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from psycopg.sql import SQL

from projections.base import APPLICATION_NAME, SHARD_PREFIX, BatchProjection, View, projected_view
from projections.partitions import Partition, partitions


@dataclass(frozen=True)
class Shard:
    """Shard `partition` of the view named `view_name`."""

    view_name: str
    partition: Partition

    @property
    def tracking_name(self) -> str:
        return shard_tracking_name(self.partition)

    @property
    def label(self) -> str:
        """How operators see it: `2/4` is the second of four."""
        return f"{self.partition.index + 1}/{self.partition.count}"

    @property
    def key(self) -> str:
        """What names its claim (projections.claims)."""
        return f"{self.view_name}:{self.tracking_name}"

    @property
    def split(self) -> bool:
        return self.partition.count > 1


def shard_tracking_name(partition: Partition) -> str:
    if partition.count == 1:
        return APPLICATION_NAME
    return f"{SHARD_PREFIX}{partition.index + 1}-of-{partition.count}"


def split_count(positions: dict[str, int]) -> int:
    """How many shards a view's tracking rows (`View.shard_positions`) say it has."""
    return len(positions) if next(iter(positions)).startswith(SHARD_PREFIX) else 1


@dataclass(frozen=True)
class ShardSpec:
    """A shard with the projection that applies it (on an instance of the view of its own)."""

    shard: Shard
    projection: BatchProjection[Any]

    @property
    def view(self) -> View:
        return projected_view(self.projection)

    @property
    def name(self) -> str:
        return f"{self.shard.view_name} {self.shard.label}"

    @property
    def partition(self) -> Partition | None:
        """The occurrences it reads the events of; None: every event of its topics."""
        return self.shard.partition if self.shard.split else None


class Sharding:
    """The shards of a process's views: the split one view as configured, the others whole."""

    def __init__(
        self, split: BatchProjection[Any], whole: Sequence[BatchProjection[Any]], count: int
    ) -> None:
        self.split_projection = split
        self.whole = list(whole)
        self.count = count

    @property
    def split_view(self) -> View:
        view = self.split_projection.view
        assert isinstance(view, View)
        return view

    def specs(self, count: int | None = None) -> list[ShardSpec]:
        """Every shard as configured (or the split view's in `count` shards, for a new split)."""
        split = [self._spec(self.split_projection, p) for p in partitions(count or self.count)]
        if count is not None:
            return split
        return split + [self._spec(projection, Partition(0, 1)) for projection in self.whole]

    def _spec(self, projection: BatchProjection[Any], partition: Partition) -> ShardSpec:
        shard = Shard(projection.name, partition)
        view = projection.view
        assert isinstance(view, View)
        return ShardSpec(shard, type(projection)(view.for_shard(shard.tracking_name)))

    def current_count(self) -> int:
        """How many shards the split view has in the database now."""
        return split_count(self.split_view.shard_positions())

    def switch(self, old: int, through: int) -> None:
        """Replace the split view's `old` shards, all at position `through`, by the
        configured ones at that position, in one transaction."""
        view = self.split_view
        tracking = view.table(view.tracking_table_name)
        with view.datastore.transaction(commit=True) as cursor:
            cursor.execute(SQL("LOCK TABLE {0} IN EXCLUSIVE MODE").format(tracking))
            rows = cursor.execute(SQL("SELECT application_name, notification_id FROM {0}").format(tracking))
            found = {row["application_name"]: row["notification_id"] for row in rows.fetchall()}
            names = [shard_tracking_name(p) for p in partitions(old)]
            if any(found.get(name) != through for name in names) or (
                old == 1 and any(name.startswith(SHARD_PREFIX) for name in found)
            ):
                raise RuntimeError(f"the {view.tracking_table_name} shards moved while being split anew")
            cursor.execute(
                SQL("DELETE FROM {0} WHERE starts_with(application_name, %s)").format(tracking),
                (SHARD_PREFIX,),
            )
            # The view's own row: its position while whole, a record of the split while split.
            cursor.execute(
                SQL("UPDATE {0} SET notification_id = %s WHERE application_name = %s").format(tracking),
                (through, APPLICATION_NAME),
            )
            if self.count > 1:
                new = [(shard_tracking_name(p), through) for p in partitions(self.count)]
                cursor.executemany(SQL("INSERT INTO {0} VALUES (%s, %s)").format(tracking), new)
        view.shard_positions()
