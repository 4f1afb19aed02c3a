"""Domain errors: what a use case can refuse, independent of HTTP."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID


class NewslineError(Exception):
    """Base of every error a use case raises on purpose."""


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str


class ValidationFailed(NewslineError):
    """The input breaks a rule of the domain; nothing was written."""

    def __init__(self, errors: list[FieldError]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in errors))

    @classmethod
    def single(cls, field: str, message: str) -> ValidationFailed:
        return cls([FieldError(field, message)])


class OccurrenceNotFound(NewslineError):
    def __init__(self, occurrence_id: UUID) -> None:
        self.occurrence_id = occurrence_id
        super().__init__(f"occurrence {occurrence_id} does not exist")


class StoryNotFound(NewslineError):
    def __init__(self, slug: str) -> None:
        self.slug = slug
        super().__init__(f"story {slug!r} does not exist")


class EntityNotFound(NewslineError):
    def __init__(self, entity_id: str) -> None:
        self.entity_id = entity_id
        super().__init__(f"entity {entity_id!r} does not exist")


class StaleVersion(NewslineError):
    """If-Match named a version that is no longer the latest."""

    def __init__(self, expected: int, actual: int) -> None:
        self.expected, self.actual = expected, actual
        super().__init__(f"version {expected} is stale: the occurrence is at version {actual}")


class Conflict(NewslineError):
    """The write contradicts what is already recorded (409)."""


class IdempotencyKeyReused(Conflict):
    def __init__(self, key: str) -> None:
        super().__init__(f"Idempotency-Key {key!r} was already used with a different request")
