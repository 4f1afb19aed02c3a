"""CSV: one row per occurrence, ACLED-style columns plus CAMEO/PLOVER codes and precision."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from typing import Any

from domain.kinds import KIND_CATALOGUE

# A kind's CAMEO and PLOVER codes, either of them None where it has none.
Codes = dict[str, tuple[str | None, str | None]]
BUILT_IN_CODES: Codes = {info.kind: (info.cameo, info.plover) for info in KIND_CATALOGUE}

COLUMNS = (
    "event_id_cnty",
    "event_date",
    "event_date_end",
    "year",
    "time_precision",
    "occurred",
    "occurred_precision",
    "event_type",
    "cameo_code",
    "plover_code",
    "title",
    "actor1",
    "assoc_actor_1",
    "actor2",
    "assoc_actor_2",
    "mentioned",
    "location",
    "source",
    "source_outlet",
    "source_url",
    "source_reliability",
    "notes",
    "fatalities",
    "figures",
    "status",
    "stories",
    "reported_at",
    "timestamp",
)

# ACLED's time_precision: 1 = the day is known, 2 = within a week or so, 3 = the month or less.
_ACLED_PRECISION = {"second": 1, "minute": 1, "day": 1, "month": 3, "season": 3, "year": 3}


def _names(entry: dict[str, Any], role: str) -> list[str]:
    return [actor["name"] for actor in entry["actors"] if actor["role"] == role]


# A spreadsheet runs a cell that starts with one of these as a formula (`=HYPERLINK(...)`), and a
# title or a source name comes from whoever reported it. OWASP's advice: a leading `'` makes such a
# cell text again. Only text cells: a number (a negative one too) stays a number.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _inert(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def row(entry: dict[str, Any], codes: Codes) -> dict[str, Any]:
    occurred, source = entry["occurred"], entry["source"]
    start, end = datetime.fromisoformat(occurred["start"]), datetime.fromisoformat(occurred["end"])
    agents, targets = _names(entry, "agent"), _names(entry, "target")
    cameo, plover = codes.get(entry["kind"], (None, None))
    return {
        "event_id_cnty": entry["id"],
        "event_date": start.date().isoformat(),
        "event_date_end": end.date().isoformat(),
        "year": start.year,
        "time_precision": _ACLED_PRECISION[occurred["precision"]],
        "occurred": occurred["edtf"],
        "occurred_precision": occurred["precision"],
        "event_type": entry["kind"],
        "cameo_code": cameo or "",
        "plover_code": plover or "",
        "title": entry["title"],
        "actor1": agents[0] if agents else "",
        "assoc_actor_1": "; ".join(agents[1:]),
        "actor2": targets[0] if targets else "",
        "assoc_actor_2": "; ".join(targets[1:]),
        "mentioned": "; ".join(_names(entry, "mentioned")),
        "location": "; ".join(entry["places"]),
        "source": source["name"],
        "source_outlet": source.get("outlet") or "",
        "source_url": source.get("article_url") or "",
        "source_reliability": source.get("reliability") or "",
        "notes": entry.get("summary") or "",
        "fatalities": entry["figures"].get("killed", 0),
        "figures": json.dumps(entry["figures"], sort_keys=True) if entry["figures"] else "",
        "status": entry["status"],
        "stories": "; ".join(entry["stories"]),
        "reported_at": entry["reported_at"],
        "timestamp": int(datetime.fromisoformat(entry["recorded_at"]).timestamp()),
    }


def render(entries: list[dict[str, Any]], added: list[dict[str, Any]]) -> str:
    """The CSV of the entries; `added` are the added kinds, whose codes it gives where they have them."""
    codes = BUILT_IN_CODES | {kind["kind"]: (kind["cameo"], kind["plover"]) for kind in added}
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(
        {column: _inert(value) for column, value in row(entry, codes).items()} for entry in entries
    )
    return out.getvalue()
