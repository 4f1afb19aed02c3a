"""`newsline rebuild --online` while Newsline serves and writes.

An API process and two workers sharing the shards run throughout. Readers
of a fixed story get every one of its entries, with 200, on every read; a
writer keeps writing, and every write it was acknowledged for is in the
views afterwards. The served tables are replaced (their ids change), nothing
of the rebuild is left behind, and the views end as a plain rebuild's.
"""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from bench.corpus import Corpus
from entrypoints.importing import import_file
from projections.blue_green import rebuilding_alone
from tests.e2e.conftest import EDITOR
from tests.e2e.sharded import Deployment, Writer, deployment, wait_until
from tests.e2e.test_shards import end_as_a_rebuild
from tests.helpers import schemas_left, table_id
from tests.unit.test_service import fields

pytestmark = [pytest.mark.timeout(400, method="thread")]

STORY = "online-rebuild"
ENTRIES = 30


def fill(running: Deployment, tmp_path: Path, revisions: int) -> None:
    """A log long enough that the rebuild takes a while: a corpus, imported."""
    path = tmp_path / "corpus.ndjson"
    path.write_text("".join(line + "\n" for line in Corpus(revisions).lines()))
    import_file(running.newsline.app, path)


def story_with_entries(url: str) -> set[str]:
    with httpx.Client(base_url=url, headers=EDITOR, timeout=30) as http:
        assert http.post("/v1/stories", json={"slug": STORY, "title": "Read throughout"}).status_code == 201
        written = [
            http.post("/v1/occurrences", json=fields(title=f"entry {n}", stories=[STORY]))
            for n in range(ENTRIES)
        ]
    assert {answer.status_code for answer in written} == {201}
    return {answer.json()["id"] for answer in written}


class Readers:
    """Threads reading until stopped, keeping what went wrong: the story's timeline
    (every entry, every time) and the entity listing, whose query takes the
    tables' locks in another order."""

    def __init__(self, url: str, expected: set[str], count: int = 2) -> None:
        self.url, self.expected = url, expected
        self.reads = 0
        self.wrong: list[str] = []
        self._stopping = threading.Event()
        self._threads = [threading.Thread(target=self._read, daemon=True) for _ in range(count)]

    def __enter__(self) -> Readers:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stopping.set()
        for thread in self._threads:
            thread.join(timeout=60)

    def _read(self) -> None:
        with httpx.Client(base_url=self.url, timeout=30) as http:
            while not self._stopping.is_set():
                answer = http.get(f"/v1/stories/{STORY}/timeline", params={"limit": 100})
                self.reads += 1
                if answer.status_code != 200:
                    self.wrong.append(f"timeline {answer.status_code}: {answer.text[:200]}")
                    continue
                ids = {item["id"] for item in answer.json()["items"]}
                if ids != self.expected:
                    self.wrong.append(f"{len(ids & self.expected)} of {len(self.expected)} entries")
                listing = http.get("/v1/entities", params={"limit": 5})
                if listing.status_code != 200 or not listing.json()["items"]:
                    self.wrong.append(f"entities {listing.status_code}: {listing.text[:200]}")


def online_rebuild(running: Deployment) -> subprocess.Popen[bytes]:
    log = (running.logs / "rebuild.log").open("wb")
    return subprocess.Popen(
        [sys.executable, "-m", "newsline", "rebuild", "--online", "--processes", "2"],
        env=running.env,
        stdout=log,
        stderr=log,
    )


def rebuilt(running: Deployment, rebuild: subprocess.Popen[bytes]) -> None:
    assert rebuild.wait(timeout=300) == 0, (running.logs / "rebuild.log").read_text()[-3000:]
    assert "and switched to them" in (running.logs / "rebuild.log").read_text()


@contextmanager
def serving(database_url: str, tmp_path: Path, revisions: int, workers: int) -> Iterator[Deployment]:
    with deployment(database_url, shards=2) as running:
        fill(running, tmp_path, revisions)
        for _ in range(workers):
            running.start_worker()
        # (the API is ready once the views have caught up)
        assert running.newsline.wait_for_views(running.newsline.head(), timeout=120)
        running.start_api()
        yield running


def test_readers_and_writers_go_on_throughout_an_online_rebuild(database_url: str, tmp_path: Path) -> None:
    with serving(database_url, tmp_path, revisions=3000, workers=2) as running:
        expected = story_with_entries(running.api.url)
        before = table_id(running.newsline)
        with Readers(running.api.url, expected) as readers, Writer(running.api.url) as writer:
            assert writer.wait_for(5)
            rebuild = online_rebuild(running)
            rebuilt(running, rebuild)
            written = len(writer.acknowledged)
            assert writer.wait_for(written + 5), "writes go on after the switch"
            reads = readers.reads
            assert wait_until(lambda: readers.reads > reads + 5, timeout=30), "reads go on after the switch"
        assert readers.wrong == []
        assert writer.failed == 0
        assert table_id(running.newsline) != before, "the served tables were replaced"
        assert schemas_left(database_url, running.schema) == []
        end_as_a_rebuild(running, list(writer.acknowledged))


def test_a_second_rebuild_is_refused_while_one_runs(database_url: str) -> None:
    with deployment(database_url, shards=1) as running, rebuilding_alone(database_url, running.schema):
        for online in (["--online"], []):
            second = subprocess.run(
                [sys.executable, "-m", "newsline", "rebuild", *online],
                env=running.env,
                capture_output=True,
                timeout=120,
            )
            assert second.returncode == 1
            assert "another `newsline rebuild` is running" in second.stderr.decode()
