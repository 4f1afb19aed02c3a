"""What the API needs from the rest of Newsline, as narrow interfaces.

The composition root (`newsline.web`) hands these to the API when it starts;
each route depends on the one it uses (the writer, a reader, the views'
progress), never on the whole wiring.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

from prometheus_client.registry import Collector

from api.auth import Principal
from api.rate_limit import WriteLimiter
from domain.service import NewslineApplication
from projections.stories import StoryReader
from projections.timeline import TimelineReader


class ViewProgress(Protocol):
    """How far the views have applied the log."""

    def head(self) -> int:
        """The position of the newest event in the log."""
        ...

    def positions(self) -> dict[str, int]:
        """Each view's applied position, by view name."""
        ...

    def wait_for_views(self, position: int | None, timeout: float | None = None) -> bool:
        """Read-your-writes: block until every view has applied `position`."""
        ...

    def shards(self) -> list[dict[str, object]]:
        """Each shard of each view: `view`, `shard` (`2/4`), `position`, and `held_by`
        (the application_name of the process running it, or None)."""
        ...


class ReadSource(Protocol):
    """A database that answers reads: the primary or a hot standby, with its views' readers."""

    name: str
    timeline: TimelineReader
    stories: StoryReader


@dataclass(frozen=True)
class StandbyState:
    """What was last seen of a hot standby (`lag_*` compare its views with the primary's)."""

    name: str
    up: bool
    position: int
    lag_events: int
    lag_seconds: float
    serving: bool


class ReadRouting(Protocol):
    """Which database answers a request, and the position of the views it reads."""

    def choose_now(self, wanted: int | None) -> tuple[ReadSource, int] | None:
        """A source whose views have reached `wanted`, if one is known without waiting."""
        ...

    def choose(self, wanted: int | None) -> tuple[ReadSource, int]:
        """A source whose views have reached `wanted`, waiting a bounded time for one;
        raises `PositionUnavailable` if none has."""
        ...

    def primary(self) -> tuple[ReadSource, int]:
        """The primary (writes, and reads that must see it)."""
        ...

    def known_position(self) -> int:
        """The primary views' position as last seen (a lower bound; no query)."""
        ...

    def standbys(self) -> list[StandbyState]:
        """Each standby as last seen."""
        ...


@dataclass(frozen=True)
class ApiOptions:
    """The settings the API reads (the composition root takes them from NEWSLINE_*)."""

    reads_require_auth: bool = False
    ready_max_lag: int = 100
    stream_keepalive: float = 15.0
    stream_poll_interval: float = 0.25
    max_body_bytes: int = 1_048_576
    allowed_origins: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Services:
    """What the routes are given: the use cases, the views' readers, who may ask."""

    writer: NewslineApplication
    timeline: TimelineReader
    stories: StoryReader
    progress: ViewProgress
    principals: Mapping[str, Principal]
    write_limiter: WriteLimiter
    store_metrics: Collector
    reads: ReadRouting
