"""The `newsline` command: serve, worker, seed, rebuild, import."""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
)

from newsline import logs
from newsline.bootstrap import Newsline, build
from newsline.settings import Settings

cli = typer.Typer(help="Newsline: event-sourced news timelines.", no_args_is_help=True)
log = logging.getLogger("newsline")


def _settings() -> Settings:
    settings = Settings()
    logs.configure(settings.log_format)
    return settings


@contextmanager
def _progress(description: str, total: float) -> Iterator[Callable[[float], None]]:
    """A progress bar on stderr; yields the function that reports how far it got."""
    counted = MofNCompleteColumn() if total < 1e6 else TaskProgressColumn()
    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        counted,
        TimeElapsedColumn(),
        console=Console(stderr=True),
    )
    with bar:
        task = bar.add_task(description, total=total)
        yield lambda done: bar.update(task, completed=done)


def _seed(newsline: Newsline) -> None:
    from newsline import seeding

    total = seeding.occurrence_count()
    with _progress("seeding", total) as advance:
        report = seeding.load(newsline.app, progress=advance)
    newsline.wait_for_views(report.last_position, timeout=120)
    typer.echo(
        f"seeded: {report.stories_created} stories and {report.occurrences_created} occurrences "
        f"written, {report.unchanged} already there"
    )


@cli.command()
def serve(
    host: Annotated[str, typer.Option(help="interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to listen on")] = 8000,
    seed: Annotated[bool, typer.Option("--seed", help="load seeds/ before serving")] = False,
    workers: Annotated[int, typer.Option(min=1, max=64, help="API processes behind the port")] = 1,
) -> None:
    """Run the API (with the projections, unless NEWSLINE_RUN_PROJECTIONS=false)."""
    import uvicorn

    from api.app import create_app

    settings = _settings()
    # With --workers, this process serves no requests: the API processes it starts do.
    role = None if workers == 1 else "views" if settings.run_projections else "main"
    newsline = build(settings, role=role)
    try:
        if seed:
            _seed(newsline)
        if workers > 1:
            from newsline.serving import serve_workers

            serve_workers(newsline, host, port, workers)
        else:
            uvicorn.run(create_app(newsline=newsline), host=host, port=port, log_config=None)
    finally:
        newsline.close()


@cli.command()
def worker() -> None:
    """Run the projections alone, for deployments with several API processes."""
    newsline = build(_settings(), run_projections=True, role="worker")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    typer.echo("projection worker running; Ctrl-C to stop")
    try:
        stop.wait()
    finally:
        newsline.close()


@cli.command()
def seed() -> None:
    """Load the curated occurrences in seeds/ (idempotent)."""
    newsline = build(_settings(), role="seed")
    try:
        _seed(newsline)
    finally:
        newsline.close()


@cli.command()
def rebuild() -> None:
    """Replay the event log into fresh views (stop other Newsline processes first)."""
    newsline = build(_settings(), run_projections=False, role="rebuild")
    try:
        with _progress("rebuilding", newsline.head()) as advance:
            head = newsline.rebuild(advance)
        typer.echo(f"rebuilt every view up to position {head}")
    finally:
        newsline.close()


@cli.command("import")
def import_(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="an .ndjson file")],
) -> None:
    """Load occurrences and revisions from an NDJSON file, one per line."""
    from newsline.importing import import_file
    from newsline.views_process import views_in_child

    settings = _settings()
    # The views follow in a process of their own, so that they use another core.
    newsline = build(settings, run_projections=False, role="import")
    try:
        with ExitStack() as stack:
            views = stack.enter_context(views_in_child(newsline)) if settings.run_projections else None
            with _progress(f"importing {file.name}", file.stat().st_size) as advance:
                report = import_file(newsline.app, file, progress=advance)
            if views is not None and report.last_position is not None:  # else a worker catches up
                start = min(view.position() for view in newsline.views)
                with _progress("updating the views", report.last_position - start) as advance:
                    caught_up = views.catch_up(report.last_position, lambda done: advance(done - start))
                if not caught_up:  # the child died (killed, out of memory): catch up here
                    newsline.start_projections()
                    newsline.wait_for_views(report.last_position, timeout=3600)
        for number, message in report.errors:
            typer.echo(f"{file}:{number}: {message}", err=True)
        typer.echo(f"imported {report.written}, replayed {report.replayed}, rejected {len(report.errors)}")
        if report.errors:
            raise typer.Exit(code=1)
    finally:
        newsline.close()


def main() -> None:
    cli()
