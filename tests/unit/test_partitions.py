"""Partitions of the occurrences: each occurrence is in exactly one."""

from __future__ import annotations

import uuid

import pytest

from projections.partitions import Partition, partitions


@pytest.mark.parametrize("count", [1, 2, 3, 7])
def test_every_occurrence_is_in_exactly_one_partition(count: int) -> None:
    ids = [uuid.uuid4() for _ in range(2000)] + [uuid.UUID(int=0), uuid.UUID(int=(1 << 128) - 1)]
    for occurrence_id in ids:
        assert sum(partition.owns(occurrence_id) for partition in partitions(count)) == 1


def test_no_such_partition() -> None:
    with pytest.raises(ValueError):
        Partition(2, 2)
