"""The AddedKind aggregate: a kind of occurrence a newsroom adds to the 23 built in.

A kind's id is derived from its slug, so a slug is added once; a kind is
never removed, since occurrences recorded under it keep naming it.
"""

from __future__ import annotations

from functools import lru_cache
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

_KIND_NAMESPACE = uuid5(NAMESPACE_URL, "https://newsline.invalid/kinds")


class AddedKind(Aggregate):
    TOPIC = "newsline:Kind"

    class Event(Aggregate.Event):
        TOPIC = "newsline:Kind.Event"

    class Added(Event, Aggregate.Created):
        """A kind was added, with its description and any CAMEO / PLOVER code."""

        TOPIC = "newsline:Kind.Added"
        kind: str
        description: str
        cameo: str | None
        plover: str | None
        by: str

    @staticmethod
    @lru_cache(maxsize=4096)
    def create_id(kind: str) -> UUID:
        return uuid5(_KIND_NAMESPACE, kind)

    @event(Added)
    def __init__(self, kind: str, description: str, cameo: str | None, plover: str | None, by: str) -> None:
        self.kind = kind
        self.description = description
        self.cameo = cameo
        self.plover = plover
