"""Views kept up by a process of their own while this one writes (bulk import).

A process that both writes and projects shares one interpreter, and so one
core, between the two. During an import the views follow the log in a child
process instead, so that writing and projecting run side by side; the
importer then waits for the child to reach the last event it wrote. Both
keep the views' guarantees: the child's runners are the ordinary ones, and a
server running the same views meanwhile takes turns with them.
"""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess

from adapters import logs
from newsline.bootstrap import Newsline, build
from newsline.settings import Settings


class ViewsProcess:
    """A child process running the projections of a Newsline's views."""

    def __init__(self, newsline: Newsline, process: BaseProcess, commands: Connection) -> None:
        self._newsline = newsline
        self._process = process
        self._commands = commands

    def catch_up(self, position: int, progress: Callable[[int], None]) -> bool:
        """Wait until every view has applied `position`, reporting the slowest view's
        position; False if the child stopped first (the views then lag behind)."""
        self._commands.send(position)
        while True:
            reached = min(view.position() for view in self._newsline.views)
            progress(reached)
            if reached >= position:
                return True
            if not self._process.is_alive():
                return False
            time.sleep(0.25)


@contextmanager
def views_in_child(newsline: Newsline) -> Iterator[ViewsProcess]:
    """Run the projections in a child process for the duration of the block."""
    context = multiprocessing.get_context("spawn")
    commands, child_commands = context.Pipe()
    process = context.Process(
        target=_follow,
        args=(newsline.database_url(), child_commands),
        name="newsline-views",
        daemon=True,
    )
    process.start()
    try:
        yield ViewsProcess(newsline, process, commands)
    finally:
        if process.is_alive():
            commands.send(None)
            process.join(timeout=30)
        if process.is_alive():
            process.terminate()
            process.join()


def _follow(url: str, commands: Connection) -> None:
    """The child: follow the log until told a position to reach (None: stop now)."""
    settings = Settings(database_url=url)  # the rest from the same environment
    logs.configure(settings.log_format)
    newsline = build(settings, run_projections=True, role="views")
    try:
        target = commands.recv()
        while target is not None and not newsline.wait_for_views(target, timeout=60):
            if commands.poll() and commands.recv() is None:
                break
    finally:
        newsline.close()
