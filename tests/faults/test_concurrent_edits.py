"""50 clients PATCH one occurrence with If-Match: one wins per version, the rest get 412,
and the history shows every winning edit (no lost update)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from tests.e2e.conftest import EDITOR, Server
from tests.faults.conftest import serve_env
from tests.unit.test_service import fields

pytestmark = [pytest.mark.timeout(180, method="thread")]

CLIENTS = 50
ROUNDS = 4


def test_fifty_clients_with_if_match_one_wins_per_version(server: Server) -> None:
    server.start(env=serve_env(server.data_dir))
    created = httpx.post(f"{server.url}/v1/occurrences", json=fields(), headers=EDITOR, timeout=30)
    assert created.status_code == 201
    location = f"{server.url}{created.headers['location']}"
    winners = []
    for round_ in range(ROUNDS):
        version = round_ + 1
        start = threading.Barrier(CLIENTS)

        def edit(client: int, version: int = version, start: threading.Barrier = start) -> tuple[int, str]:
            title = f"edit {version}.{client}"
            headers = {**EDITOR, "If-Match": f'"{version}"'}
            with httpx.Client(timeout=60) as http:
                start.wait(timeout=60)
                answer = http.patch(location, json={"title": title, "reason": "desk edit"}, headers=headers)
            if answer.status_code >= 400:
                assert answer.headers["content-type"].startswith("application/problem+json")
            return answer.status_code, title

        with ThreadPoolExecutor(CLIENTS) as pool:
            answers = list(pool.map(edit, range(CLIENTS)))
        statuses = sorted(status for status, _ in answers)
        assert statuses == [200] + [412] * (CLIENTS - 1), statuses
        winners.append(next(title for status, title in answers if status == 200))

    view = httpx.get(location, timeout=30)
    assert view.json()["version"] == ROUNDS + 1 and view.headers["etag"] == f'"{ROUNDS + 1}"'
    assert view.json()["title"] == winners[-1]
    history = httpx.get(f"{location}/history", timeout=30).json()["revisions"]
    assert [revision["version"] for revision in history] == list(range(1, ROUNDS + 2))
    titles = [change["new"] for revision in history[1:] for change in revision["changes"]]
    assert titles == winners
