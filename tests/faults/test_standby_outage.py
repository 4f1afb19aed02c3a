"""Stop the hot standby under a read load, then bring it back: every read is answered
(by the primary meanwhile), `/readyz` says the standby is down, and reads return to
the standby once it is back.

The primary and standby are this test's own, started from the embedded binaries.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import httpx
import pytest
from fastapi.testclient import TestClient

from newsline.bootstrap import build
from newsline.web import create_app
from tests.conftest import EDITOR, drop_schema, new_schema, settings_for
from tests.e2e.conftest import Server, server_in_new_directory
from tests.e2e.test_standby_reads import eventually, reader_env, reads_by_source, standby_state
from tests.standby import HotStandby
from tests.unit.test_service import fields

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(240, method="thread")]


@pytest.fixture
def stack(hot_standby: HotStandby) -> Iterator[tuple[TestClient, Server]]:
    """A writing API on the primary, and an API process reading from the standby."""
    schema = new_schema()
    newsline = build(settings_for(hot_standby.primary_url, schema))
    try:
        with (
            TestClient(create_app(newsline=newsline), raise_server_exceptions=False) as writer,
            server_in_new_directory("nl-so-") as reader,
        ):
            reader.start(env=reader_env(hot_standby, schema))
            yield writer, reader
    finally:
        newsline.close()
        drop_schema(hot_standby.primary_url, schema)


class Readers:
    """Clients reading one occurrence in a loop, keeping every status they were answered."""

    def __init__(self, url: str, count: int = 3) -> None:
        self.url, self.statuses, self.stop = url, list[int | str](), threading.Event()
        self.threads = [threading.Thread(target=self._read) for _ in range(count)]

    def _read(self) -> None:
        with httpx.Client(timeout=30) as client:
            while not self.stop.is_set():
                try:
                    self.statuses.append(client.get(self.url).status_code)
                except httpx.HTTPError as error:
                    self.statuses.append(type(error).__name__)

    def __enter__(self) -> Readers:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=60)


def test_reads_fall_back_to_the_primary_and_return_to_the_standby(
    hot_standby: HotStandby, stack: tuple[TestClient, Server]
) -> None:
    writer, reader = stack
    answer = writer.post("/v1/occurrences", json=fields(title="Read through an outage"), headers=EDITOR)
    assert answer.status_code == 201
    position, path = int(answer.headers["Newsline-Position"]), f"/v1/occurrences/{answer.json()['id']}"
    eventually(
        lambda: standby_state(reader)["serving"] and standby_state(reader)["position"] >= position, "up"
    )

    with Readers(f"{reader.url}{path}") as load:
        eventually(lambda: len(load.statuses) > 20, "reads before the outage")
        hot_standby.stop_standby(mode="immediate")  # as abrupt as a crash
        down = eventually(
            lambda: not (s := standby_state(reader))["up"] and s, "/readyz sees the standby down"
        )
        assert not down["serving"]
        on_primary = reads_by_source(reader)["primary"]
        eventually(
            lambda: reads_by_source(reader)["primary"] > on_primary + 20, "reads answered by the primary"
        )

        hot_standby.start_standby()
        eventually(lambda: standby_state(reader)["serving"], "/readyz sees the standby back")
        name = standby_state(reader)["name"]
        on_standby = reads_by_source(reader)[name]
        eventually(
            lambda: reads_by_source(reader)[name] > on_standby + 20, "reads answered by the standby again"
        )
    # Every read was answered, and answered with the occurrence.
    assert load.statuses and set(load.statuses) == {200}, sorted(set(map(str, load.statuses)))
