"""Logging: one JSON object per line, each carrying the id of the request it belongs to."""

from __future__ import annotations

import logging
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


def configure(log_format: LogFormat = "json", level: int = logging.INFO) -> None:
    """Send every logger, uvicorn's included, through one handler on the root logger."""
    stamp_request_ids()
    handler = logging.StreamHandler()
    if log_format == "json":
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
