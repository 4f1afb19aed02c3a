"""How a command stops on SIGTERM: as on Ctrl-C, by an exception raised
where the main thread is, so that every `finally` block runs.

A library may catch that exception where it calls back into Python and
wrap it in an error of its own: pydantic, for one, reports it as a
`PydanticSerializationError`, which is a `ValueError`. Code that turns such
errors into a per-item report (the import's bad lines) asks `stop_if_asked`
first, so that a stop is never mistaken for a bad line.
"""

from __future__ import annotations

import signal


class Terminated(SystemExit):
    """SIGTERM, raised in the main thread."""


_received: list[int] = []


def terminate(signum: int, frame: object) -> None:
    """The SIGTERM handler."""
    _received.append(signum)
    raise Terminated(128 + signum)


def stop_if_asked() -> None:
    """Raise `Terminated` again if a signal asked to stop, whoever caught it since."""
    if _received:
        raise Terminated(128 + _received[0])


def install() -> None:
    signal.signal(signal.SIGTERM, terminate)
