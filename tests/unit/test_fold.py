"""The report-time fold, merge patches and field-level changes."""

from datetime import UTC, datetime
from typing import Any

import pytest

from domain.fold import Revision, changes_between, fold, fold_order, merge_patch


def revision(version: int, kind: str, hour: int, body: dict[str, Any]) -> Revision:
    return Revision(version, kind, datetime(2014, 5, 19, hour, tzinfo=UTC), "alice", body)  # type: ignore[arg-type]


REPORT = {"kind": "attack", "title": "t", "figures": {"killed": 1, "injured": 3}, "relations": []}


@pytest.mark.parametrize(
    ("target", "patch", "result"),
    [  # RFC 7396 appendix A
        ({"a": "b"}, {"a": "c"}, {"a": "c"}),
        ({"a": "b"}, {"b": "c"}, {"a": "b", "b": "c"}),
        ({"a": "b"}, {"a": None}, {}),
        ({"a": "b", "b": "c"}, {"a": None}, {"b": "c"}),
        ({"a": ["b"]}, {"a": "c"}, {"a": "c"}),
        ({"a": "c"}, {"a": ["b"]}, {"a": ["b"]}),
        ({"a": {"b": "c"}}, {"a": {"b": "d", "c": None}}, {"a": {"b": "d"}}),
        ({"a": [{"b": "c"}]}, {"a": [1]}, {"a": [1]}),
        ({"e": None}, {"a": 1}, {"e": None, "a": 1}),
        ({}, {"a": {"bb": {"ccc": None}}}, {"a": {"bb": {}}}),
    ],
)
def test_merge_patch_follows_rfc_7396(target: Any, patch: Any, result: Any) -> None:
    assert merge_patch(target, patch) == result


def test_merge_patch_leaves_its_inputs_alone() -> None:
    target = {"figures": {"killed": 1}}
    merge_patch(target, {"figures": {"killed": 2}})
    assert target == {"figures": {"killed": 1}}


def test_fold_applies_revisions_in_report_time_order() -> None:
    revisions = [
        revision(1, "reported", 8, REPORT),
        revision(2, "amended", 20, {"patch": {"figures": {"killed": 2}}}),
        revision(3, "amended", 12, {"patch": {"figures": {"injured": 4}}}),
    ]
    assert [r.version for r in fold_order(revisions)] == [1, 3, 2]
    state = fold(revisions)
    assert state is not None
    assert state["figures"] == {"killed": 2, "injured": 4}


def test_ties_in_report_time_fold_in_record_order() -> None:
    revisions = [
        revision(1, "reported", 8, REPORT),
        revision(3, "amended", 9, {"patch": {"title": "third"}}),
        revision(2, "amended", 9, {"patch": {"title": "second"}}),
    ]
    state = fold(revisions)
    assert state is not None and state["title"] == "third"


def test_links_append_and_retraction_marks() -> None:
    target = "8d7e6a40-4d1b-4bb0-9d38-7f1f7e0b4b4a"
    state = fold(
        [
            revision(1, "reported", 8, REPORT),
            revision(2, "linked", 9, {"relation": {"type": "disputes", "target": target}}),
            revision(3, "retracted", 10, {}),
        ]
    )
    assert state is not None
    assert state["relations"] == [{"type": "disputes", "target": target}]
    assert state["retracted"] is True


def test_changes_are_dotted_for_nested_fields() -> None:
    old = {"title": "a", "figures": {"killed": 1, "injured": 3}}
    new = {"title": "a", "figures": {"killed": 2, "injured": 3, "missing": 1}}
    assert [c.as_json() for c in changes_between(old, new)] == [
        {"field": "figures.killed", "old": 1, "new": 2},
        {"field": "figures.missing", "old": None, "new": 1},
    ]


def test_a_patch_that_removes_an_optional_field_clears_it() -> None:
    report = {**REPORT, "summary": "s", "actors": [{"name": "A"}], "places": ["P"], "stories": ["x"]}
    patch = {"summary": None, "actors": None, "places": None, "figures": None, "stories": None}
    state = fold([revision(1, "reported", 8, report), revision(2, "amended", 9, {"patch": patch})])
    assert state is not None
    assert (state["summary"], state["actors"], state["places"], state["figures"], state["stories"]) == (
        None,
        [],
        [],
        {},
        [],
    )
