"""TimelineJS3 JSON: one slide per occurrence, dated at its precision, grouped by kind."""

from __future__ import annotations

import html
from datetime import datetime
from typing import Any

# How much of a date TimelineJS should show, by the precision of `occurred`.
_PARTS = {
    "year": ("year",),
    "season": ("year", "month"),
    "month": ("year", "month"),
    "day": ("year", "month", "day"),
    "minute": ("year", "month", "day", "hour", "minute"),
    "second": ("year", "month", "day", "hour", "minute", "second"),
}


def _date(moment: str, precision: str) -> dict[str, int]:
    value = datetime.fromisoformat(moment)
    return {part: getattr(value, part) for part in _PARTS[precision]}


def _text(entry: dict[str, Any]) -> str:
    """The slide's HTML: summary, status and source, escaped (TimelineJS renders HTML)."""
    source = entry["source"]
    lines = [html.escape(entry["summary"])] if entry.get("summary") else []
    lines.append(f"<em>{html.escape(entry['status'])}</em> · {html.escape(source['name'])}")
    if source.get("article_url"):
        lines.append(f'<a href="{html.escape(source["article_url"])}">article</a>')
    return "<br>".join(lines)


def slide(entry: dict[str, Any]) -> dict[str, Any]:
    occurred = entry["occurred"]
    precision = occurred["precision"]
    result: dict[str, Any] = {
        "unique_id": str(entry["id"]),
        "start_date": _date(occurred["start"], precision),
        "text": {"headline": html.escape(entry["title"]), "text": _text(entry)},
        "group": entry["kind"],
    }
    # A span longer than one unit of its precision (an interval, a season) gets an end.
    if "/" in occurred["edtf"] or precision == "season":
        result["end_date"] = _date(occurred["end"], precision)
    if occurred["approximate"] or occurred["uncertain"]:
        result["display_date"] = occurred["edtf"]
    return result


def render(entries: list[dict[str, Any]], title: str) -> dict[str, Any]:
    return {
        "title": {"text": {"headline": html.escape(title), "text": f"{len(entries)} occurrences"}},
        "events": [slide(entry) for entry in entries],
    }
