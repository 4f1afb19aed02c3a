"""Two runners of the same views (a server and a worker started by mistake) take turns."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from newsline.bootstrap import build
from tests.conftest import drop_schema, new_schema, settings_for
from tests.helpers import rebuild, view_checksums
from tests.integration.test_crash_recovery import write_log


@pytest.fixture
def schema(database_url: str) -> Iterator[str]:
    name = new_schema()
    yield name
    drop_schema(database_url, name)


def test_two_runners_of_the_same_views_take_turns_and_end_as_a_rebuild(
    database_url: str, schema: str
) -> None:
    # Small batches, so that the two runners' batches interleave many times.
    settings = settings_for(database_url, schema, projection_batch_size=7)
    first = build(settings, run_projections=False)
    write_log(first, occurrences=60)  # a backlog both start on
    first.start_projections()
    second = build(settings, run_projections=True)
    try:
        write_log(first, occurrences=60)  # and writes while both follow
        head = first.head()
        assert first.wait_for_views(head, timeout=120)
        assert second.wait_for_views(head, timeout=120)
        followed = view_checksums(first)
        second.close()
        rebuild(first)
        assert view_checksums(first) == followed
    finally:
        second.close()
        first.close()
