"""`newsline draft FILE --published-at T` prints `newsline import` lines."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from adapters import ndjson
from entrypoints.cli import cli
from tests.drafting.evaluation import SEEDS

ARTICLE = SEEDS / "2014-05-19-putin-orders-troops-back.txt"


def run(*args: str) -> list[str]:
    result = CliRunner().invoke(cli, ["draft", str(ARTICLE), *args])
    assert result.exit_code == 0, result.output
    return result.output.splitlines()


def test_prints_import_lines_of_reports_then_relations() -> None:
    lines = run("--published-at", "2014-05-19T12:00:00Z", "--source", "BBC News", "--story", "ukraine")
    reports = [json.loads(line) for line in lines if "revision" not in json.loads(line)]
    links = [json.loads(line) for line in lines if json.loads(line).get("revision") == "linked"]
    assert len(reports) >= 30 and links
    for line in lines:
        assert isinstance(ndjson.read(line), ndjson.Line)
    ids = {report["id"] for report in reports}
    assert all(link["occurrence_id"] in ids and link["target"] in ids for link in links)
    assert all(report["stories"] == ["ukraine"] for report in reports)
    assert all(
        report["source"]["outlet"] == "BBC News" or report["source"]["name"] == "BBC News"
        for report in reports
    )
    assert {report["reported_at"] for report in reports} == {"2014-05-19T12:00:00+00:00"}


def test_the_same_article_drafts_the_same_lines() -> None:
    assert run("--published-at", "2014-05-19") == run("--published-at", "2014-05-19")


def test_a_bad_story_slug_is_an_error_not_a_traceback(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["draft", str(ARTICLE), "--published-at", "2014-05-19", "--story", "Not A Slug"]
    )
    assert result.exit_code == 2
    assert "newsline:" in result.output
