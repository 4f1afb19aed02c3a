"""iCalendar: scheduled meetings and elections, for a newsroom's planning calendar."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from icalendar import Calendar, Event, vText

SCHEDULED_KINDS = ("meeting_scheduled", "election_scheduled")
# Below a day, the event has a time; otherwise it is all-day over its span.
_TIMED = ("minute", "second")


def _status(entry: dict[str, Any]) -> str:
    if entry["status"] == "retracted":
        return "CANCELLED"
    return "TENTATIVE" if entry["status"] == "disputed" else "CONFIRMED"


def _span(occurred: dict[str, Any]) -> tuple[date | datetime, date | datetime]:
    """DTSTART and the exclusive DTEND of the span as written."""
    start, end = datetime.fromisoformat(occurred["start"]), datetime.fromisoformat(occurred["end"])
    if occurred["precision"] in _TIMED:
        return start, (end + timedelta(seconds=1)).replace(microsecond=0)
    return start.date(), end.date() + timedelta(days=1)


def event(entry: dict[str, Any]) -> Event:
    item = Event()
    start, end = _span(entry["occurred"])
    item.add("uid", f"{entry['id']}@newsline")
    item.add("dtstamp", datetime.fromisoformat(entry["recorded_at"]))
    item.add("dtstart", start)
    item.add("dtend", end)
    item.add("summary", entry["title"])
    notes = [entry["summary"]] if entry.get("summary") else []
    notes.append(
        f"{entry['status']}; source: {entry['source']['name']}; occurred: {entry['occurred']['edtf']}"
    )
    item.add("description", "\n\n".join(notes))
    if entry["places"]:
        item.add("location", ", ".join(entry["places"]))
    item.add("categories", [entry["kind"]])
    item.add("status", _status(entry))
    item.add("sequence", entry["version"])
    if entry["source"].get("article_url"):
        item.add("url", entry["source"]["article_url"])
    return item


def render(entries: list[dict[str, Any]], title: str) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", "-//Newsline//timeline export//EN")
    calendar.add("version", "2.0")
    # An X- property has no known type: typed as text, its line breaks are escaped
    # (an entity's name may hold one), not written raw into the content line.
    calendar.add("x-wr-calname", vText(title))
    for entry in entries:
        if entry["kind"] in SCHEDULED_KINDS:
            calendar.add_component(event(entry))
    return bytes(calendar.to_ical())
