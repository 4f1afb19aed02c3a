"""The default write limit: a legitimate client's burst never meets it, a runaway
loop does, and every API process counts against the same budget (in PostgreSQL)."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import pytest
from fastapi.testclient import TestClient

from api.errors import Problem
from api.rate_limit import TABLE, WriteLimiter
from newsline.bootstrap import Newsline, build
from newsline.settings import Settings, write_limits
from newsline.web import create_app
from tests.api.test_occurrences import assert_problem
from tests.conftest import EDITOR, settings_for
from tests.unit.test_service import fields

DEFAULT = Settings.model_fields["write_rate_limit"].default


def limiter(newsline: Newsline, text: str = DEFAULT) -> WriteLimiter:
    return WriteLimiter(write_limits(text), newsline.datastore)


def admitted(limiter: WriteLimiter, principal: str, hits: int, threads: int = 8) -> int:
    """How many of `hits` writes by `principal`, sent from `threads` at once, are admitted."""

    def one(_: int) -> bool:
        try:
            limiter.hit(principal)
        except Problem:
            return False
        return True

    with ThreadPoolExecutor(threads) as pool:
        return sum(pool.map(one, range(hits)))


def test_a_burst_of_1000_writes_in_well_under_10_s_meets_no_default_limit(newsline: Newsline) -> None:
    # Every default window is a minute or longer, so 1,000 writes sent as fast as
    # they go (here faster than any server answers them) fit in one window.
    defaults = limiter(newsline)
    assert min(limit.get_expiry() for limit in defaults.limits) >= 10
    assert admitted(defaults, f"burst-{uuid.uuid4()}", 1000) == 1000


def test_a_scripted_client_posting_60_at_once_gets_no_429(newsline: Newsline) -> None:
    settings = newsline.settings.model_copy(update={"write_rate_limit": DEFAULT})
    with TestClient(create_app(newsline=replace(newsline, settings=settings))) as client:

        def post(index: int) -> int:
            return client.post(
                "/v1/occurrences", json=fields(title=f"burst {index}"), headers=EDITOR
            ).status_code

        with ThreadPoolExecutor(8) as pool:
            assert set(pool.map(post, range(60))) == {201}


def test_a_runaway_loop_meets_the_default_limit_with_retry_after(newsline: Newsline) -> None:
    defaults = limiter(newsline)
    per_minute = min(limit.amount for limit in defaults.limits if limit.get_expiry() == 60)
    token = f"runaway-{uuid.uuid4()}"
    assert admitted(defaults, token, per_minute + 50) == per_minute
    with pytest.raises(Problem) as refused:
        defaults.hit(token)
    assert refused.value.status == 429
    assert 1 <= int(refused.value.headers["Retry-After"]) <= 60


def test_two_api_processes_share_one_budget(database_url: str, newsline: Newsline) -> None:
    # A second, separately built Newsline on the same database: its own pool, as another process has.
    other = build(settings_for(database_url, newsline.settings.database_schema), run_projections=False)
    try:
        first, second = limiter(newsline, "10/minute"), limiter(other, "10/minute")
        token = f"shared-{uuid.uuid4()}"
        assert admitted(first, token, 6, threads=1) == 6
        assert admitted(second, token, 6, threads=1) == 4
        assert admitted(first, token, 1, threads=1) == 0
        assert admitted(first, f"another-{uuid.uuid4()}", 1, threads=1) == 1
    finally:
        other.close()


def test_the_counts_are_keyed_by_principal_never_by_token(newsline: Newsline) -> None:
    settings = newsline.settings.model_copy(update={"write_rate_limit": DEFAULT})
    with TestClient(create_app(newsline=replace(newsline, settings=settings))) as client:
        assert client.post("/v1/occurrences", json=fields(), headers=EDITOR).status_code == 201
    with newsline.datastore.cursor() as cursor:
        cursor.execute(
            f'SELECT * FROM "{newsline.settings.database_schema}".{TABLE} WHERE principal = %s', ["alice"]
        )
        rows = [" ".join(map(str, row.values())) for row in cursor.fetchall()]
    token = EDITOR["Authorization"].split()[1]
    assert rows and not any(token in row for row in rows)


def test_two_tokens_of_one_principal_share_its_budget(database_url: str, newsline: Newsline) -> None:
    second_token = "alice-second-token"
    settings = newsline.settings.model_copy(
        update={
            "write_rate_limit": "3/minute",
            "tokens": f"{newsline.settings.tokens},{second_token}:alice:editor",
        }
    )
    changed = replace(newsline, settings=settings, principals=settings.principals())
    with TestClient(create_app(newsline=changed), raise_server_exceptions=False) as client:
        for _ in range(2):
            assert client.post("/v1/occurrences", json=fields(), headers=EDITOR).status_code == 201
        other = {"Authorization": f"Bearer {second_token}"}
        assert client.post("/v1/occurrences", json=fields(), headers=other).status_code == 201
        assert_problem(client.post("/v1/occurrences", json=fields(), headers=other), 429)


def test_a_429_through_the_api_names_the_limit(newsline: Newsline) -> None:
    settings = newsline.settings.model_copy(update={"write_rate_limit": "2/minute"})
    token_headers = {"Authorization": "Bearer admin-token-00001"}
    with TestClient(create_app(newsline=replace(newsline, settings=settings))) as client:
        for _ in range(2):
            assert client.post("/v1/occurrences", json=fields(), headers=token_headers).status_code == 201
        problem = assert_problem(client.post("/v1/occurrences", json=fields(), headers=token_headers), 429)
        assert "2 per 1 minute" in problem["detail"]
