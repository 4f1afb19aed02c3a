"""Events are a public contract: their topics and fields never change silently.

A failure here means a stored event would no longer be read as it was
written. Change an event only with a new `class_version` and an upcaster,
then update this list on purpose.
"""

from __future__ import annotations

import dataclasses

import pytest

from domain.idempotency import IdempotencyKey
from domain.kind import AddedKind
from domain.occurrence import Occurrence
from domain.story import Story

_BASE = {"originator_id", "originator_version", "timestamp", "originator_topic"}

CONTRACT = {
    Occurrence.Reported: ("newsline:Occurrence.Reported", {"fields", "reported_at", "by"}),
    Occurrence.Amended: ("newsline:Occurrence.Amended", {"patch", "reason", "reported_at", "source", "by"}),
    Occurrence.Linked: ("newsline:Occurrence.Linked", {"relation", "reported_at", "source", "by"}),
    Occurrence.Retracted: ("newsline:Occurrence.Retracted", {"reason", "reported_at", "source", "by"}),
    Story.Created: ("newsline:Story.Created", {"slug", "title", "description", "by"}),
    AddedKind.Added: ("newsline:Kind.Added", {"kind", "description", "cameo", "plover", "by"}),
    IdempotencyKey.Used: (
        "newsline:IdempotencyKey.Used",
        {"key", "request_hash", "target", "target_version"},
    ),
}


@pytest.mark.parametrize("event_class", list(CONTRACT), ids=lambda c: c.__qualname__)
def test_event_topic_and_fields_are_pinned(event_class: type) -> None:
    topic, fields = CONTRACT[event_class]
    assert topic == event_class.TOPIC
    assert {f.name for f in dataclasses.fields(event_class)} - _BASE == fields
    assert getattr(event_class, "class_version", 1) == 1


def test_aggregate_topics_are_pinned() -> None:
    assert (Occurrence.TOPIC, Story.TOPIC, IdempotencyKey.TOPIC, AddedKind.TOPIC) == (
        "newsline:Occurrence",
        "newsline:Story",
        "newsline:IdempotencyKey",
        "newsline:Kind",
    )
