"""Idempotency keys: one aggregate per key, saved atomically with the write it answers.

A key is global: whatever request first used it, the same key with the same
body answers that first write again, and with another body it is refused.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import lru_cache
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.commands import Command, Request, json_digest
from domain.errors import IdempotencyKeyReused
from domain.ports import Written

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
        return _key_id(key)

    @event(Used)
    def __init__(self, key: str, request_hash: str, target: UUID, target_version: int) -> None:
        self.key = key
        self.request_hash = request_hash
        self.target = target
        self.target_version = target_version


@lru_cache(maxsize=4096)  # a write asks for its key's id several times
def _key_id(key: str) -> UUID:
    return uuid5(_KEY_NAMESPACE, key)


def answer_again(
    read: Callable[[UUID], Aggregate | None], request: Request, command: Command
) -> Written | None:
    """The first answer to a request already written with its key, or None if the key is unused.

    A key is read with `read`. The same request (the same command) gets the
    first answer again; another one is refused.
    """
    if request.idempotency_key is None:
        return None
    used = read(IdempotencyKey.create_id(request.idempotency_key))
    if not isinstance(used, IdempotencyKey):
        return None
    recorded = used.request_hash
    if recorded != command.fingerprint() and recorded not in fingerprints_0_2(command, request):
        raise IdempotencyKeyReused(used.key)
    return Written(used.target, used.target_version, None, replayed=True)


def fingerprints_0_2(command: Command, request: Request) -> Iterator[str]:
    """What a key written by version 0.2 may hold for this request.

    Its HTTP layer's digest of the operation and the body, which is the
    command's canonical body for every write but an amendment (whose body it
    took as sent); else the digest of the document the request states 0.2
    hashed: that PATCH body as sent, the seed item, the import line.
    """
    yield json_digest({"operation": command.operation(), "body": command.body()})
    if request.document_0_2 is not None:
        yield json_digest(request.document_0_2)
