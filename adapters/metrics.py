"""Store and projection metrics, read from PostgreSQL at scrape time.

These describe the shared store, so every API process reports the same
values whichever one a scrape reaches.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any
from uuid import UUID

from eventsourcing.application import Application
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector


class StoreCollector(Collector):
    """The log's head and size, and each projection's position and lag.

    `positions` tells each projection's applied position by name, `shards`
    each shard's position and holder (see api.ports.ViewProgress.shards).
    """

    def __init__(
        self,
        app: Application[UUID],
        positions: Callable[[], dict[str, int]],
        shards: Callable[[], list[dict[str, object]]] = list,
    ) -> None:
        self.app = app
        self.positions = positions
        self.shards = shards

    def collect(self) -> Iterator[Any]:
        head = self.app.recorder.max_notification_id() or 0
        appended = CounterMetricFamily("newsline_events", "Events appended to the log (its head position)")
        appended.add_metric([], head)
        yield appended
        size = GaugeMetricFamily(
            "newsline_event_store_bytes", "Size of the event store table with its indexes"
        )
        size.add_metric([], self._store_bytes())
        yield size
        position = GaugeMetricFamily(
            "newsline_projection_position", "Last log position a projection applied", labels=["projection"]
        )
        lag = GaugeMetricFamily(
            "newsline_projection_lag_events",
            "Events in the log a projection has not applied",
            labels=["projection"],
        )
        lag_seconds = GaugeMetricFamily(
            "newsline_projection_lag_seconds",
            "Age of the oldest event a projection has not applied (0 when caught up)",
            labels=["projection"],
        )
        now = time.time()
        for name, applied in self.positions().items():
            position.add_metric([name], applied)
            lag.add_metric([name], max(head - applied, 0))
            oldest = self._recorded_at(applied + 1) if head > applied else None
            lag_seconds.add_metric([name], max(now - oldest, 0.0) if oldest else 0.0)
        yield from (position, lag, lag_seconds)
        yield from self._shards()

    def _shards(self) -> Iterator[Any]:
        labels = ["projection", "shard"]
        position = GaugeMetricFamily(
            "newsline_projection_shard_position", "Last log position a shard of a view applied", labels=labels
        )
        claimed = GaugeMetricFamily(
            "newsline_projection_shard_claimed",
            "1 while a running process holds the shard, else 0",
            labels=labels,
        )
        for shard in self.shards():
            names = [str(shard["view"]), str(shard["shard"])]
            position.add_metric(names, float(str(shard["position"])))
            claimed.add_metric(names, 0 if shard["held_by"] is None else 1)
        yield from (position, claimed)

    def _recorded_at(self, position: int) -> float | None:
        """When the event at a position was recorded (the writer's clock), as a Unix time."""
        notifications = self.app.recorder.select_notifications(start=position, limit=1)
        if not notifications:
            return None
        event: Any = self.app.mapper.to_domain_event(notifications[0])
        return float(event.timestamp.timestamp())

    def _store_bytes(self) -> int:
        recorder: Any = self.app.recorder
        with recorder.datastore.transaction(commit=False) as cursor:
            cursor.execute(
                "SELECT pg_total_relation_size(format('%%I.%%I', %s::text, %s::text)::regclass) AS size",
                (recorder.datastore.schema, recorder.events_table_name),
            )
            row = cursor.fetchone()
        return int(row["size"]) if row else 0
