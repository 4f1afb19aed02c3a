"""What the story view answers: the reader interface."""

from __future__ import annotations

from typing import Any, Protocol


class StoryReader(Protocol):
    """The reads of the story catalogue."""

    def story(self, slug: str) -> dict[str, Any] | None:
        """One story, or None if no story has that slug."""

    def stories(self, limit: int, after: str | None) -> list[dict[str, Any]]:
        """Stories by slug, after the slug `after` (None: from the first)."""

    def added_kinds(self) -> list[dict[str, Any]]:
        """The kinds newsrooms added, by name: kind, description, cameo, plover, added_by."""
