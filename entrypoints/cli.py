"""The `newsline` command: serve, worker, seed, rebuild, import, draft."""

from __future__ import annotations

import faulthandler
import gc
import logging
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

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

from adapters import database, logs
from entrypoints import stopping
from newsline import __version__
from newsline.bootstrap import Newsline, UnfinishedRebuild, build
from newsline.settings import Settings

# The settings most runs need; README.md, "Configuration", lists every one.
MAIN_SETTINGS = ("database_url", "data_dir", "tokens", "run_projections", "log_format")


def _environment_help() -> str:
    fields = Settings.model_fields
    names = {name: f"NEWSLINE_{name.upper()}" for name in MAIN_SETTINGS}
    width = max(map(len, names.values()))
    lines = [f"  {names[name]:{width}}  {fields[name].description}" for name in MAIN_SETTINGS]
    # \b: print these lines as they are, not rewrapped into one paragraph.
    return "\b\nEnvironment (README.md, Configuration, lists every setting):\n" + "\n".join(lines)


class _Command(typer.core.TyperCommand):
    """A command whose help reads as Click's: arguments in the usage line as
    FILE, [FILE], FILE... (Typer braces required ones: {file}), and its whole
    first paragraph in the list of commands (Click cuts it to the width left)."""

    def get_short_help_str(self, limit: int = 45) -> str:
        return self.short_help or (self.help or "").strip().split("\n\n")[0]

    def collect_usage_pieces(self, ctx: Any) -> list[str]:  # ctx: the Click context Typer uses
        pieces = [self.options_metavar] if self.options_metavar else []
        for param in self.get_params(ctx):
            if isinstance(param, typer.core.TyperArgument):
                name = param.metavar or (param.name or "").upper()
                name = name if param.required else f"[{name}]"
                pieces.append(name + ("..." if param.nargs != 1 else ""))
            else:
                pieces.extend(param.get_usage_pieces(ctx))
        return pieces


# Plain (not rich) help: Typer's rich help gives every flag a type column, `<bool>`.
cli = typer.Typer(
    epilog=_environment_help(),
    no_args_is_help=True,
    rich_markup_mode=None,
)
log = logging.getLogger("newsline")


def _print_version(wanted: bool) -> None:
    if wanted:
        typer.echo(f"newsline {__version__}")
        raise typer.Exit()


@cli.callback()
def _options(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_print_version, is_eager=True, help="print the version and exit"),
    ] = False,
) -> None:
    """Newsline: event-sourced news timelines."""


def _settings() -> Settings:
    settings = Settings()
    logs.configure(settings.log_format)
    return settings


def _build(settings: Settings, *, run_projections: bool | None = None, role: str | None = None) -> Newsline:
    """`build`, with SIGTERM and SIGINT held until it is done: a start of the
    embedded PostgreSQL cut short would leave the server running unaccounted for."""
    with _holding_stop_signals():
        try:
            return build(settings, run_projections=run_projections, role=role)
        except UnfinishedRebuild as error:
            typer.echo(f"newsline: {error}", err=True)
            raise typer.Exit(code=1) from None


@contextmanager
def _holding_stop_signals() -> Iterator[None]:
    """Defer SIGTERM and SIGINT to the end of the block."""
    held: list[int] = []
    stopping = (signal.SIGTERM, signal.SIGINT)
    previous = {signum: signal.signal(signum, lambda got, _: held.append(got)) for signum in stopping}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        for got in held:
            signal.raise_signal(got)


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
    from entrypoints import seeding

    total = seeding.occurrence_count()
    with _progress("seeding", total) as advance:
        report = seeding.load(newsline.app, progress=advance)
    newsline.wait_for_views(report.last_position, timeout=120)
    typer.echo(
        f"seeded: {report.stories_created} stories and {report.occurrences_created} occurrences "
        f"written, {report.unchanged} already there"
    )


@cli.command(cls=_Command)
def serve(
    host: Annotated[str, typer.Option(help="interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to listen on")] = 8000,
    seed: Annotated[bool, typer.Option("--seed", help="load seeds/ before serving")] = False,
    workers: Annotated[int, typer.Option(min=1, max=64, help="API processes behind the port")] = 1,
) -> None:
    """Run the API (with the projections, unless NEWSLINE_RUN_PROJECTIONS=false)."""
    import uvicorn

    from entrypoints.serving import HTTP_STACK
    from newsline.web import create_app

    settings = _settings()
    # With --workers, this process serves no requests: the API processes it starts do.
    role = None if workers == 1 else "views" if settings.run_projections else "main"
    newsline = _build(settings, role=role)
    try:
        if seed:
            _seed(newsline)
        if workers > 1:
            from entrypoints.serving import serve_workers

            serve_workers(newsline, host, port, workers)
        else:
            app = create_app(newsline=newsline)
            uvicorn.run(app, host=host, port=port, log_config=None, **HTTP_STACK)
    finally:
        newsline.close()


@cli.command(cls=_Command)
def worker() -> None:
    """Run the projections alone, for deployments with several API processes;
    any number of workers share the views' shards."""
    settings = _settings()
    newsline = _build(settings, run_projections=True, role="worker")
    stop = threading.Event()
    # Ctrl-C is an ordinary stop (exit 0); SIGTERM interrupts the wait as it does
    # every command (see main), so the process ends by it as supervisors expect.
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    shards = settings.projection_shards
    typer.echo(
        f"projection worker running (the timeline in {shards} shard{'s' if shards > 1 else ''},"
        " shared with the other workers); Ctrl-C to stop"
    )
    try:
        stop.wait()
    finally:
        newsline.close()


@cli.command(cls=_Command)
def seed() -> None:
    """Load the curated occurrences in seeds/ (idempotent)."""
    newsline = _build(_settings(), role="seed")
    try:
        _seed(newsline)
    finally:
        newsline.close()


@cli.command(cls=_Command)
def rebuild(
    processes: Annotated[
        int | None,
        typer.Option(
            help="processes building the timeline, by partitions of the occurrences [default: cores]"
        ),
    ] = None,
    online: Annotated[
        bool,
        typer.Option(
            "--online",
            help="build beside the served views while Newsline keeps running, then switch to them at once",
        ),
    ] = False,
) -> None:
    """Replay the event log into fresh views (without --online, stop other Newsline processes first)."""
    from newsline.rebuilding import rebuild_online
    from projections.blue_green import RebuildRunning, rebuilding_alone

    newsline = _build(_settings(), run_projections=False, role="rebuild")
    # What the process holds once started (modules, models, the pool) outlives the
    # rebuild: out of the cycle collector's sight, its full collections stop walking
    # it again while batches allocate (about a tenth of the rebuild's CPU time).
    gc.freeze()
    try:
        total = newsline.head()
        with (
            rebuilding_alone(newsline.database_url(), newsline.datastore.schema),
            _progress("rebuilding", total) as advance,
        ):
            if online:  # (the log grows meanwhile: the bar counts what was there at the start)
                head = rebuild_online(newsline, lambda position: advance(min(position, total)), processes)
            else:
                head = newsline.rebuild(advance, processes)
        switched = " and switched to them" if online else ""
        typer.echo(f"rebuilt every view up to position {head}{switched}")
    except RebuildRunning as error:
        typer.echo(f"newsline: {error}", err=True)
        raise typer.Exit(code=1) from None
    finally:
        newsline.close()


@cli.command("import", cls=_Command)
def import_(
    file: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, metavar="FILE", help="an .ndjson file")
    ],
) -> None:
    """Load occurrences and revisions from an NDJSON file, one per line."""
    from entrypoints.importing import import_file
    from entrypoints.views_process import views_in_child

    settings = _settings()
    # The views follow in a process of their own, so that they use another core.
    newsline = _build(settings, run_projections=False, role="import")
    try:
        with ExitStack() as stack:
            views = stack.enter_context(views_in_child(newsline)) if settings.run_projections else None
            with _progress(f"importing {file.name}", file.stat().st_size) as advance:
                report = import_file(newsline.app, file, progress=advance, reader_process=True)
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


@cli.command("draft", cls=_Command)
def draft(
    file: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, metavar="FILE", help="the article, as plain text")
    ],
    published_at: Annotated[
        datetime,
        typer.Option(
            "--published-at",
            metavar="T",
            formats=["%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M%z", "%Y-%m-%d"],
            help="when the article was published (ISO 8601): times are resolved against it",
        ),
    ],
    source: Annotated[str | None, typer.Option("--source", metavar="NAME", help="the outlet")] = None,
    story: Annotated[
        list[str] | None, typer.Option("--story", metavar="SLUG", help="a story the drafts belong to")
    ] = None,
) -> None:
    """Draft the occurrences an article reports, printed as `newsline import` lines."""
    from domain.errors import ValidationFailed
    from entrypoints.drafting import draft_lines

    text = file.read_text(encoding="utf-8")
    moment = published_at if published_at.tzinfo else published_at.replace(tzinfo=UTC)
    try:
        for line in draft_lines(text, moment, source, story or []):
            typer.echo(line, nl=False)
    except (ValueError, ValidationFailed) as error:  # a --story that is not a slug, a long --source
        stopping.stop_if_asked()
        typer.echo(f"newsline: {error}", err=True)
        raise typer.Exit(code=2) from None


def main() -> None:
    """Run a command; stop the embedded PostgreSQL it started once no Newsline
    process uses it any more, however the command ends.

    SIGTERM (what supervisors send) ends a command as Ctrl-C does: its
    `finally` blocks run. uvicorn shuts down gracefully first and then raises
    the signal again, which lands here too. Once cleaned up, the process ends
    by SIGTERM after all, so that a supervisor sees the usual status.
    """
    stopping.install()
    # `kill -USR1 <pid>` prints every thread's stack on stderr: what a process that
    # seems stuck is waiting for.
    faulthandler.register(signal.SIGUSR1, all_threads=True)
    try:
        cli()
    except stopping.Terminated:
        _release_database()
        logging.shutdown()
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.raise_signal(signal.SIGTERM)
        raise  # only as PID 1, which the kernel does not end by a signal it has no handler for: exit 143
    finally:
        _release_database()


def _release_database() -> None:
    """Release the embedded server, not to be cut short by a second signal."""
    stopping = (signal.SIGTERM, signal.SIGINT)
    previous = {signum: signal.signal(signum, signal.SIG_IGN) for signum in stopping}
    try:
        database.release_embedded()
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
