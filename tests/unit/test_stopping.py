"""SIGTERM stops a command even where a library wraps the exception it raises."""

from __future__ import annotations

import signal
from typing import Annotated, Any

import pytest
from pydantic import BaseModel, PlainSerializer
from pydantic_core import PydanticSerializationError

from adapters import ndjson
from entrypoints import importing, stopping


class _Probe(BaseModel):
    value: Annotated[int, PlainSerializer(lambda value: stopping.terminate(signal.SIGTERM, None))]


def _terminated_inside_pydantic() -> Any:
    """What a SIGTERM landing in one of pydantic's callbacks looks like to its caller."""
    return _Probe(value=1).model_dump()


@pytest.fixture(autouse=True)
def no_signal_received(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stopping, "_received", [])


def test_pydantic_reports_a_sigterm_in_its_callback_as_a_value_error() -> None:
    # Why the import must ask: the stop reaches it as an ordinary bad-line error.
    with pytest.raises(PydanticSerializationError) as raised:
        _terminated_inside_pydantic()
    assert isinstance(raised.value, ValueError)
    assert "Terminated" in str(raised.value)


def test_a_sigterm_while_a_line_is_read_stops_the_import_instead_of_failing_the_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(ndjson, "read", lambda text: _terminated_inside_pydantic())
    with pytest.raises(stopping.Terminated) as raised:
        importing._read("{}")
    assert raised.value.code == 128 + signal.SIGTERM


def test_without_a_stop_a_failing_line_is_reported() -> None:
    assert importing._read('{"no": "fields"}').startswith("ValidationFailed")
