"""Idempotency keys: one aggregate per key, saved atomically with the write it answers.

A key is global: whatever request first used it, the same key with the same
body answers that first write again, and with another body it is refused.
"""

from __future__ import annotations

from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

_KEY_NAMESPACE = uuid5(NAMESPACE_URL, "https://newsline.invalid/idempotency-keys")


class IdempotencyKey(Aggregate):
    TOPIC = "newsline:IdempotencyKey"

    class Event(Aggregate.Event):
        TOPIC = "newsline:IdempotencyKey.Event"

    class Created(Event, Aggregate.Created):
        TOPIC = "newsline:IdempotencyKey.Created"

    class Used(Created):
        """A request with this key was written; it wrote `target` at `target_version`."""

        TOPIC = "newsline:IdempotencyKey.Used"
        key: str
        request_hash: str
        target: UUID
        target_version: int

    @staticmethod
    def create_id(key: str) -> UUID:
        return uuid5(_KEY_NAMESPACE, key)

    @event(Used)
    def __init__(self, key: str, request_hash: str, target: UUID, target_version: int) -> None:
        self.key = key
        self.request_hash = request_hash
        self.target = target
        self.target_version = target_version
