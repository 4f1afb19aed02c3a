"""The story projection: stories and added kinds in, the view's writer applies them."""

from __future__ import annotations

from collections.abc import Sequence

from domain.kind import AddedKind
from domain.story import Story
from projections.base import BatchProjection, Logged
from projections.stories.view import StoryView


class StoryProjection(BatchProjection[StoryView]):
    name = "stories"
    topics = (Story.Created.TOPIC, AddedKind.Added.TOPIC)

    def process_batch(self, events: Sequence[Logged], through: int) -> None:
        self.view.writer.record(events, through)
