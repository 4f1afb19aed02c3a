"""The Story aggregate: a named thread that occurrences list by slug."""

from __future__ import annotations

from functools import lru_cache
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

_STORY_NAMESPACE = uuid5(NAMESPACE_URL, "https://newsline.invalid/stories")


class Story(Aggregate):
    TOPIC = "newsline:Story"

    class Event(Aggregate.Event):
        TOPIC = "newsline:Story.Event"

    class Created(Event, Aggregate.Created):
        """A story was opened under a slug that never changes."""

        TOPIC = "newsline:Story.Created"
        slug: str
        title: str
        description: str | None
        by: str

    @staticmethod
    @lru_cache(maxsize=65536)
    def create_id(slug: str) -> UUID:
        """A story's id is derived from its slug, so a slug is taken once."""
        return uuid5(_STORY_NAMESPACE, slug)

    @event(Created)
    def __init__(
        self,
        slug: str,
        title: str,
        description: str | None,
        by: str,
    ) -> None:
        self.slug = slug
        self.title = title
        self.description = description
