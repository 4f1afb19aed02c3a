"""Balancing claims: members taking rounds in any order end with every shard held, evenly."""

from __future__ import annotations

import random

import pytest

from projections.claims import plan


def rounds(shards: list[int], members: set[int], held_by: dict[int, int], rng: random.Random) -> int:
    """Let the members take rounds (each in a random order, as their clocks fall)
    until a whole round changes nothing; the number of shards that moved."""
    moves = 0
    for _ in range(50):
        changed = False
        for me in rng.sample(sorted(members), len(members)):
            give_back, take = plan(shards, me, members, dict(held_by))
            for key in give_back:
                assert held_by.pop(key) == me
            for key in take:
                if key not in held_by:  # pg_try_advisory_lock: the first one wins
                    held_by[key] = me
            changed = changed or bool(give_back or take)
            moves += len(give_back) + len(take)
        if not changed:
            return moves
    raise AssertionError(f"no steady state: {held_by}")


def assert_balanced(shards: list[int], members: set[int], held_by: dict[int, int]) -> None:
    assert set(held_by) == set(shards)
    counts = [sum(1 for pid in held_by.values() if pid == member) for member in members]
    assert max(counts) - min(counts) <= 1, counts


@pytest.mark.parametrize("count", range(1, 9))
@pytest.mark.parametrize("members", range(1, 5))
def test_members_end_balanced_however_their_rounds_interleave(count: int, members: int) -> None:
    rng = random.Random(count * 10 + members)
    shards = list(range(100, 100 + count))
    held_by: dict[int, int] = {}
    pids = set(range(1, members + 1))
    rounds(shards, pids, held_by, rng)
    assert_balanced(shards, pids, held_by)


def test_two_members_four_shards_two_each_and_a_joiner_gets_its_share() -> None:
    rng = random.Random(4)
    shards = [1, 2, 3, 4]
    held_by: dict[int, int] = {}
    rounds(shards, {10}, held_by, rng)
    assert set(held_by.values()) == {10}
    rounds(shards, {10, 20}, held_by, rng)
    assert sorted(list(held_by.values()).count(pid) for pid in (10, 20)) == [2, 2]
    # A third joins: one shard moves to it, and only one.
    before = dict(held_by)
    assert rounds(shards, {10, 20, 30}, held_by, rng) == 2  # given back once, taken once
    assert_balanced(shards, {10, 20, 30}, held_by)
    assert sum(1 for key in shards if before[key] != held_by[key]) == 1


def test_a_dead_members_shards_are_taken_by_the_survivors() -> None:
    rng = random.Random(5)
    shards = [1, 2, 3, 4, 5]
    held_by: dict[int, int] = {}
    rounds(shards, {10, 20, 30}, held_by, rng)
    # PostgreSQL drops a dead session's locks: its shards are simply free.
    held_by = {key: pid for key, pid in held_by.items() if pid != 20}
    rounds(shards, {10, 30}, held_by, rng)
    assert_balanced(shards, {10, 30}, held_by)
