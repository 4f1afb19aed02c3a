"""GET /v1/events/stream against a real `newsline serve`: read live while others write."""

from __future__ import annotations

import json
import queue
import signal
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import EDITOR, Server
from tests.unit.test_service import fields

# A generous bound on waiting for one event; no test asserts how long anything takes.
PATIENCE = 60


@dataclass
class Message:
    id: str | None = None
    data: str = ""
    comments: list[str] = field(default_factory=list)


def messages(response: httpx.Response) -> Iterator[Message]:
    """Server-Sent Events as a client parses them, comment-only blocks included."""
    message = Message()
    for line in response.iter_lines():
        if line == "":
            if message.data or message.comments:
                yield message
                message = Message()
            continue
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "":
            message.comments.append(value)
        elif name == "id":
            message.id = value
        elif name == "data":
            message.data += value


class Subscriber(threading.Thread):
    """Reads a stream in the background, handing each message and comment to the test."""

    def __init__(self, url: str, headers: dict[str, str] | None = None, **params: Any) -> None:
        super().__init__(daemon=True)
        self.url, self.headers, self.params = url, headers or {}, params
        self.received: queue.Queue[Message | None] = queue.Queue()
        self.connected = threading.Event()

    def run(self) -> None:
        try:
            with httpx.stream(
                "GET", f"{self.url}/v1/events/stream", params=self.params, headers=self.headers, timeout=None
            ) as response:
                self.connected.set()
                for message in messages(response):
                    self.received.put(message)
        except httpx.HTTPError:
            pass
        finally:
            self.connected.set()
            self.received.put(None)  # the stream ended

    def next(self) -> Message:
        message = self.received.get(timeout=PATIENCE)
        assert message is not None, "the stream ended"
        return message

    def take(self, count: int) -> list[dict[str, Any]]:
        """The next `count` events, passing over keep-alive comments."""
        events: list[dict[str, Any]] = []
        while len(events) < count:
            message = self.next()
            if message.data:
                events.append(json.loads(message.data))
        return events

    def next_comment(self) -> str:
        while not (message := self.next()).comments:
            assert not message.data, f"an event where a comment was expected: {message.data}"
        return message.comments[0]


def post(server: Server, path: str, body: dict[str, Any], method: str = "POST") -> dict[str, Any]:
    answer = httpx.request(method, f"{server.url}{path}", json=body, headers=EDITOR, timeout=30)
    assert answer.status_code in (200, 201), answer.text
    result: dict[str, Any] = answer.json()
    return result


@pytest.fixture
def live(server: Server) -> Iterator[Server]:
    server.start(settings={"NEWSLINE_STREAM_KEEPALIVE": "0.3"})
    yield server


def test_streams_the_log_then_live_writes_filtered_by_story_and_resumes(live: Server) -> None:
    post(live, "/v1/stories", {"slug": "border", "title": "Border"})
    inside = post(live, "/v1/occurrences", fields(title="In the story", stories=["border"]))
    outside = post(live, "/v1/occurrences", fields(title="Elsewhere"))

    everything = Subscriber(live.url, after=0)
    border = Subscriber(live.url, story="border")
    everything.start()
    border.start()
    caught_up = everything.take(3)
    assert [e["type"] for e in caught_up] == ["story_created", "reported", "reported"]

    # Written while both subscribers are reading.
    later = post(live, "/v1/occurrences", fields(title="Later, in the story", stories=["border"]))
    post(live, f"/v1/occurrences/{outside['id']}", {"stories": ["border"], "reason": "moved"}, "PATCH")
    post(live, f"/v1/occurrences/{inside['id']}/retraction", {"reason": "withdrawn"})
    live_events = everything.take(3)
    assert [(e["type"], e["occurrence_id"]) for e in live_events] == [
        ("reported", later["id"]),
        ("amended", outside["id"]),
        ("retracted", inside["id"]),
    ]

    # The same representation as GET /v1/events, with `id:` the position.
    logged = live.get("/v1/events", after=0).json()["items"]
    assert caught_up + live_events == logged
    assert everything.next_comment().startswith("ping")  # keep-alive while nothing happens

    # The story's stream leaves out the occurrence reported outside it, until it joins.
    story_events = border.take(5)
    assert [(e["type"], e["occurrence_id"] or e["data"]["slug"]) for e in story_events] == [
        ("story_created", "border"),
        ("reported", inside["id"]),
        ("reported", later["id"]),
        ("amended", outside["id"]),
        ("retracted", inside["id"]),
    ]

    # A reconnecting client names the last id it saw: the header wins over `after`.
    resumed = Subscriber(live.url, headers={"Last-Event-ID": str(logged[2]["position"])}, after=0)
    resumed.start()
    assert resumed.take(3) == logged[3:]


def test_subscribing_after_a_position_starts_right_after_it(live: Server) -> None:
    for n in range(4):
        post(live, "/v1/occurrences", fields(title=f"Report {n}"))
    logged = live.get("/v1/events", after=0).json()["items"]
    assert len(logged) == 4

    middle = Subscriber(live.url, after=logged[1]["position"])
    middle.start()
    assert middle.take(2) == logged[2:]
    later = post(live, "/v1/occurrences", fields(title="Later"))
    assert middle.take(1)[0]["occurrence_id"] == later["id"]

    # After the head: nothing of the past, only what is written next.
    head = live.get("/v1/events", after=0).json()["next"]
    newest = Subscriber(live.url, after=head)
    newest.start()
    assert newest.connected.wait(PATIENCE)
    latest = post(live, "/v1/occurrences", fields(title="Latest"))
    received = newest.take(1)
    assert received[0]["occurrence_id"] == latest["id"]
    assert received == live.get("/v1/events", after=head).json()["items"]


def test_bad_resume_points_and_unknown_stories_are_problems(live: Server) -> None:
    for headers, params, status in (
        ({"Last-Event-ID": "seven"}, {}, 422),
        ({}, {"after": "-1"}, 422),
        ({}, {"story": "no-such-story"}, 404),
    ):
        answer = httpx.get(f"{live.url}/v1/events/stream", headers=headers, params=params, timeout=10)
        assert answer.status_code == status
        assert answer.headers["content-type"] == "application/problem+json"


def test_idle_subscribers_hold_no_connection_and_do_not_block_shutdown(server: Server) -> None:
    # One connection for requests (the pool adds three for the views' runners):
    # subscribers that each held a connection would starve the write below.
    server.start(settings={"NEWSLINE_POOL_SIZE": "1"})
    subscribers = [Subscriber(server.url, after=0) for _ in range(16)]
    for subscriber in subscribers:
        subscriber.start()
        assert subscriber.connected.wait(PATIENCE)

    written = post(server, "/v1/occurrences", fields(title="Seen by every subscriber"))
    for subscriber in subscribers:
        assert subscriber.take(1)[0]["occurrence_id"] == written["id"]
    assert server.get("/v1/timeline").status_code == 200

    server.stop(signal.SIGTERM)  # waits for the process to exit, streams open
    for subscriber in subscribers:
        subscriber.join(PATIENCE)
        assert not subscriber.is_alive()
