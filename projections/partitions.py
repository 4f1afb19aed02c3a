"""Partitions of the occurrences: the share of the log one process projects.

An occurrence's rows depend only on its own events, so a view can be built by
several processes at once, each owning a contiguous range of occurrence ids
and keeping a tracking position of its own. Ids are random, so equal ranges
hold about equal shares. A range of ids is a range of the event store's
`originator_id` (PostgreSQL compares UUIDs byte by byte, Python as integers:
the same order), so a partition reads only its own events.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Notification
from eventsourcing.postgres import PostgresApplicationRecorder
from psycopg.sql import SQL, Composed, Identifier, Literal

from projections.base import APPLICATION_NAME

_IDS = 1 << 128


@dataclass(frozen=True)
class Partition:
    """Partition `index` of `count` equal ranges of occurrence ids."""

    index: int
    count: int

    def __post_init__(self) -> None:
        if not 0 <= self.index < self.count:
            raise ValueError(f"no partition {self.index} of {self.count}")

    @property
    def lower(self) -> UUID:
        return UUID(int=self.index * _IDS // self.count)

    @property
    def upper(self) -> UUID | None:
        """The first id after the range; None for the last partition (no end)."""
        if self.index + 1 == self.count:
            return None
        return UUID(int=(self.index + 1) * _IDS // self.count)

    def owns(self, occurrence_id: UUID) -> bool:
        upper = self.upper
        return self.lower <= occurrence_id and (upper is None or occurrence_id < upper)

    def where(self, column: str) -> Composed:
        """The SQL condition that `column` (a uuid) falls in this partition."""
        condition = SQL("{0} >= {1}::uuid").format(Identifier(column), Literal(str(self.lower)))
        upper = self.upper
        if upper is not None:
            condition = SQL("{0} AND {1} < {2}::uuid").format(
                condition, Identifier(column), Literal(str(upper))
            )
        return condition

    @property
    def tracking_name(self) -> str:
        """The name its position is tracked under, beside the view's own."""
        return f"{APPLICATION_NAME}:partition-{self.index + 1}-of-{self.count}"


def partitions(count: int) -> list[Partition]:
    """Every partition of `count`: together they own every occurrence once."""
    return [Partition(index, count) for index in range(count)]


#: The name prefix of every partition's tracking row.
TRACKING_PREFIX = f"{APPLICATION_NAME}:partition-"


def select_notifications(
    recorder: PostgresApplicationRecorder,
    partition: Partition,
    start: int,
    stop: int,
    topics: tuple[str, ...],
) -> list[Notification]:
    """The partition's events of `topics` in (start, stop], in log order.

    The caller bounds the window (stop - start) rather than a LIMIT: with a
    LIMIT, PostgreSQL may gather the partition's every later event to sort them.
    """
    statement = SQL(
        "SELECT notification_id, originator_id, originator_version, topic, state FROM {0}"
        " WHERE notification_id > %s AND notification_id <= %s AND topic = ANY(%s) AND {1}"
        " ORDER BY notification_id"
    ).format(
        Identifier(recorder.datastore.schema, recorder.events_table_name), partition.where("originator_id")
    )
    with recorder.datastore.get_connection() as connection, connection.cursor() as cursor:
        rows: list[Any] = cursor.execute(statement, (start, stop, list(topics))).fetchall()
    return [
        Notification(
            id=row["notification_id"],
            originator_id=row["originator_id"],
            originator_version=row["originator_version"],
            topic=row["topic"],
            state=bytes(row["state"]),
        )
        for row in rows
    ]
