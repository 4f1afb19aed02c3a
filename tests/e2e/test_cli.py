"""The CLI as operators run it: help, import, rebuild, progress bars, a worker beside an API process."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import sysconfig
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import typer.main

from domain.event_log import read_log
from entrypoints import seeding
from entrypoints.cli import cli
from newsline import __version__
from newsline.bootstrap import Newsline, build
from tests.conftest import drop_schema, new_schema, settings_for
from tests.e2e.conftest import EDITOR, TOKEN, Server
from tests.helpers import index_names, rebuild, view_checksums
from tests.unit.test_service import fields


@pytest.fixture
def environment(database_url: str) -> Iterator[dict[str, str]]:
    schema = new_schema()
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSLINE_")}
    env |= {
        "NEWSLINE_DATABASE_URL": database_url,
        "NEWSLINE_DATABASE_SCHEMA": schema,
        "NEWSLINE_TOKENS": f"{TOKEN}:e2e:editor",
    }
    yield env
    drop_schema(database_url, schema)


def newsline_command(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "newsline", *args], env=env, capture_output=True, text=True, timeout=120
    )


def stack(env: dict[str, str]) -> Newsline:
    return build(
        settings_for(env["NEWSLINE_DATABASE_URL"], env["NEWSLINE_DATABASE_SCHEMA"]), run_projections=False
    )


# The commands as the CLI itself defines them: a new one is covered below too.
COMMANDS = typer.main.get_command(cli).commands  # type: ignore[attr-defined]
# What each command's help must say it does (README, "Command line").
PURPOSES = {
    "serve": "Run the API",
    "worker": "Run the projections alone",
    "seed": "seeds/",
    "rebuild": "Replay the event log into fresh views",
    "import": "NDJSON file",
    "draft": "printed as `newsline import` lines",
}


def flat(text: str) -> str:
    """Help text without its boxes and line wrapping, to find phrases in."""
    return " ".join(re.sub(r"[│╭╮╰╯─]", " ", text).split())


def help_of(*args: str) -> str:
    """`newsline ... --help` through the installed `newsline` script, as operators call it."""
    script = shutil.which("newsline", path=sysconfig.get_path("scripts"))
    assert script is not None, "no `newsline` script beside this interpreter: pip install -e ."
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSLINE_")}
    result = subprocess.run([script, *args, "--help"], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return flat(result.stdout)


def test_help_lists_every_command_with_what_it_does() -> None:
    assert set(PURPOSES) <= set(COMMANDS)
    text = help_of()
    assert "Usage: newsline [OPTIONS] COMMAND" in text
    for name, command in COMMANDS.items():
        assert command.help, f"`newsline {name}` has no description"
        assert f"{name} {flat(command.help)}" in text
    assert "--version" in text
    assert "<bool>" not in text  # flags take no value


def test_help_names_the_main_environment_settings() -> None:
    text = help_of()
    for variable, says in [
        ("NEWSLINE_DATABASE_URL", "PostgreSQL URL"),
        ("NEWSLINE_DATA_DIR", "embedded PostgreSQL"),
        ("NEWSLINE_TOKENS", "token:principal:role"),
        ("NEWSLINE_LOG_FORMAT", "json or text"),
    ]:
        assert re.search(rf"{variable} [^A-Z]*{re.escape(says)}", text), variable


def test_version_prints_the_version() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "newsline", "--version"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"newsline {__version__}\n"


@pytest.mark.parametrize("name", COMMANDS)
def test_each_command_describes_itself_and_its_options(name: str) -> None:
    text = help_of(name)
    assert f"Usage: newsline {name}" in text
    usage = text.split("Usage: ", 1)[1].split(flat(COMMANDS[name].help))[0]
    arguments = [p for p in COMMANDS[name].params if not isinstance(p, typer.core.TyperOption)]
    # Arguments as FILE, options as [OPTIONS]: no braces, no lowercase names.
    assert usage.split() == ["newsline", name, "[OPTIONS]", *(p.metavar or p.name.upper() for p in arguments)]
    assert "<bool>" not in text  # flags take no value
    assert flat(COMMANDS[name].help) in text
    assert PURPOSES[name] in text, f"add what `newsline {name}` does to PURPOSES"
    for parameter in COMMANDS[name].params:
        assert parameter.help, f"`newsline {name}`: {parameter.name} has no help"
        assert flat(parameter.help) in text
        for option in parameter.opts if isinstance(parameter, typer.core.TyperOption) else ():
            assert option in text


def finished_bar(stderr: str, description: str) -> tuple[int, int]:
    """How far the progress bar got and its total.

    On a stderr that is no terminal, rich draws the bar once, as it ends.
    """
    bar = re.search(rf"^{re.escape(description)} +━+ +(\d+)/(\d+) +\d+:\d\d:\d\d *$", stderr, re.MULTILINE)
    assert bar is not None, f"no {description!r} progress bar on stderr:\n{stderr}"
    return int(bar[1]), int(bar[2])


def test_seed_import_and_rebuild_show_their_progress_on_stderr(
    environment: dict[str, str], tmp_path: Path
) -> None:
    # No terminal (captured stderr), and none forced: the bar drawn once, as it ends, 100 wide.
    forcing = ("FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE")
    env = {k: v for k, v in environment.items() if k not in forcing} | {"COLUMNS": "100"}
    seeded = newsline_command(env, "seed")
    assert seeded.returncode == 0, seeded.stderr
    total = seeding.occurrence_count()
    assert finished_bar(seeded.stderr, "seeding") == (total, total)
    assert "━" not in seeded.stdout

    path = tmp_path / "reports.ndjson"
    path.write_text("".join(json.dumps(fields(title=f"Report {n}")) + "\n" for n in range(1500)))
    imported = newsline_command(env, "import", str(path))
    assert imported.returncode == 0, imported.stderr
    size = path.stat().st_size
    assert finished_bar(imported.stderr, "importing reports.ndjson") == (size, size)
    applied, to_apply = finished_bar(imported.stderr, "updating the views")
    assert applied == to_apply > 0

    rebuilt = newsline_command(env, "rebuild")
    assert rebuilt.returncode == 0, rebuilt.stderr
    newsline = stack(environment)
    try:
        head = newsline.head()
    finally:
        newsline.close()
    assert finished_bar(rebuilt.stderr, "rebuilding") == (head, head)


def test_import_reports_bad_lines_keeps_good_ones_and_is_idempotent(
    environment: dict[str, str], tmp_path: Path
) -> None:
    lines = [
        json.dumps({**fields(), "idempotency_key": "imp-1", "reported_at": "2014-05-19T08:00:00Z"}),
        json.dumps({**fields(kind="skirmish"), "idempotency_key": "imp-2"}),
        "{not json",
        json.dumps({**fields(title="Second"), "idempotency_key": "imp-3"}),
        "",
    ]
    path = tmp_path / "occurrences.ndjson"
    path.write_text("\n".join(lines))
    first = newsline_command(environment, "import", str(path))
    assert first.returncode == 1
    assert f"{path}:2:" in first.stderr and f"{path}:3:" in first.stderr
    assert "imported 2, replayed 0, rejected 2" in first.stdout
    again = newsline_command(environment, "import", str(path))
    assert "imported 0, replayed 2, rejected 2" in again.stdout
    newsline = stack(environment)
    try:
        titles = sorted(e.data["fields"]["title"] for e in read_log(newsline.app, 0, 1000))
        assert titles == ["Checkpoint shelled near Slaviansk", "Second"]
    finally:
        newsline.close()


def test_rebuild_replays_the_log_into_identical_views(environment: dict[str, str]) -> None:
    assert newsline_command(environment, "seed").returncode == 0
    newsline = stack(environment)
    try:
        before, indexes = view_checksums(newsline), index_names(newsline)
        result = newsline_command(environment, "rebuild")
        assert result.returncode == 0, result.stderr
        assert "rebuilt every view" in result.stdout
        assert view_checksums(newsline) == before
        # The indexes only reads use were dropped for the replay and built again.
        assert "timeline_states_search" in indexes
        assert index_names(newsline) == indexes
        # Rebuilding again, then starting anew, still works (and changes nothing).
        assert newsline_command(environment, "rebuild").returncode == 0
        for _ in range(2):
            again = newsline_command(environment, "seed")
            assert again.returncode == 0, again.stderr
        assert view_checksums(newsline) == before
    finally:
        newsline.close()


def test_api_processes_read_their_writes_from_a_separate_worker(
    environment: dict[str, str], tmp_path: Path
) -> None:
    worker = subprocess.Popen(
        [sys.executable, "-m", "newsline", "worker"],
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    server = Server(tmp_path)
    try:
        server.start(env={**environment, "NEWSLINE_RUN_PROJECTIONS": "false"})
        written = httpx.post(f"{server.url}/v1/occurrences", json=fields(), headers=EDITOR, timeout=20)
        assert written.status_code == 201, written.text
        assert server.get(written.headers["location"]).json() == written.json()
    finally:
        if server.process is not None:
            server.stop(signal.SIGTERM)
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=20)


def _views_child(pid: int) -> int | None:
    """The import's spawned views process (not the multiprocessing resource tracker)."""
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            cmdline = Path(f"/proc/{child}/cmdline").read_bytes()
            if b"spawn_main" in cmdline:
                return int(child)
    return None


def test_import_catches_up_itself_when_its_views_process_dies(
    environment: dict[str, str], tmp_path: Path
) -> None:
    path = tmp_path / "reports.ndjson"
    path.write_text("".join(json.dumps(fields(title=f"Report {n}")) + "\n" for n in range(3000)))
    importer = subprocess.Popen(
        [sys.executable, "-m", "newsline", "import", str(path)],
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    killed = None
    deadline = time.monotonic() + 60
    while killed is None and importer.poll() is None and time.monotonic() < deadline:
        with contextlib.suppress(OSError):  # a process that ended meanwhile
            killed = _views_child(importer.pid)
        if killed is not None:
            os.kill(killed, signal.SIGKILL)
        time.sleep(0.02)
    out, err = importer.communicate(timeout=120)
    assert killed is not None, "the import ran no views process"
    assert importer.returncode == 0, err
    assert "imported 3000" in out
    newsline = stack(environment)
    try:
        # The views already hold every line, and exactly as a rebuild makes them.
        assert newsline.wait_for_views(newsline.head(), timeout=0)
        caught_up = view_checksums(newsline)
        rebuild(newsline)
        assert view_checksums(newsline) == caught_up
    finally:
        newsline.close()
