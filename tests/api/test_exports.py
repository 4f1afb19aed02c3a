"""Timeline exports: TimelineJS3, CSV and iCalendar, each as of a report and record time."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from fastapi.testclient import TestClient
from icalendar import Calendar

from api.exports import table
from tests.helpers import write
from tests.unit.test_service import fields

pytestmark = pytest.mark.postgres

STORY = "/v1/stories/summit-desk/timeline"
ATTACK = "Shelling <b>near</b> Slaviansk"
MOVED = "Putin-Ban meeting moved to Beijing"


@pytest.fixture(scope="module")
def desk(client: TestClient) -> dict[str, Any]:
    """A story with a scheduled meeting (later moved), an election, an attack and a denial."""
    write(client, "/v1/stories", {"slug": "summit-desk", "title": "Summit <desk>"})
    story = {"stories": ["summit-desk"]}
    meeting = write(
        client,
        "/v1/occurrences",
        fields(
            kind="meeting_scheduled",
            title="Putin to meet Ban Ki-moon",
            occurred="2014-05-20",
            places=["Shanghai"],
            reported_at="2014-05-19T08:00:00Z",
            **story,
        ),
    )
    election = write(
        client,
        "/v1/occurrences",
        fields(
            kind="election_scheduled",
            title="Polls open in Ukraine",
            occurred="2014-05-25T05:00Z",
            reported_at="2014-05-19T09:00:00Z",
            **story,
        ),
    )
    attack = write(
        client,
        "/v1/occurrences",
        fields(
            title="Shelling <b>near</b> Slaviansk",
            occurred="2014-05",
            reported_at="2014-05-19T08:30Z",
            **story,
        ),
    )
    before_changes = attack["recorded_at"]
    write(
        client,
        f"/v1/occurrences/{meeting['id']}",
        {
            "title": MOVED,
            "reason": "venue",
            "reported_at": "2014-05-19T12:00:00Z",
        },
        "PATCH",
    )
    write(
        client,
        "/v1/occurrences",
        fields(
            kind="denial",
            title="Separatists deny shelling",
            relations=[{"type": "disputes", "target": attack["id"]}],
            reported_at="2014-05-19T10:00:00Z",
            **story,
        ),
    )
    return {"meeting": meeting, "election": election, "attack": attack, "before_changes": before_changes}


def exported(client: TestClient, path: str, **params: str) -> Any:
    answer = client.get(path, params=params)
    assert answer.status_code == 200, answer.text
    return answer


def csv_rows(client: TestClient, **params: str) -> dict[str, dict[str, str]]:
    answer = exported(client, STORY, format="csv", **params)
    assert answer.headers["content-type"] == "text/csv; charset=utf-8"
    assert answer.headers["content-disposition"] == 'attachment; filename="summit-desk.csv"'
    return {row["title"]: row for row in csv.DictReader(io.StringIO(answer.text))}


def calendar_events(client: TestClient, **params: str) -> dict[str, Any]:
    answer = exported(client, STORY, format="ics", **params)
    assert answer.headers["content-type"].startswith("text/calendar")
    calendar = Calendar.from_ical(answer.content)
    return {str(event["summary"]): event for event in calendar.walk("VEVENT")}


class TestTimelineJS:
    def test_slides_are_dated_at_their_precision_grouped_by_kind_and_escaped(
        self, client: TestClient, desk: dict[str, Any]
    ) -> None:
        document = exported(client, STORY, format="timelinejs").json()
        assert document["title"]["text"]["headline"] == "Summit &lt;desk&gt;"
        slides = {slide["unique_id"]: slide for slide in document["events"]}
        assert len(slides) == 4
        attack = slides[desk["attack"]["id"]]
        assert attack["start_date"] == {"year": 2014, "month": 5}
        assert attack["group"] == "attack"
        assert attack["text"]["headline"] == "Shelling &lt;b&gt;near&lt;/b&gt; Slaviansk"
        assert "<em>disputed</em>" in attack["text"]["text"]
        assert slides[desk["meeting"]["id"]]["start_date"] == {"year": 2014, "month": 5, "day": 20}
        election = slides[desk["election"]["id"]]["start_date"]
        assert election == {"year": 2014, "month": 5, "day": 25, "hour": 5, "minute": 0}

    def test_honours_as_of(self, client: TestClient, desk: dict[str, Any]) -> None:
        early = exported(client, STORY, format="timelinejs", as_of="2014-05-19T08:45Z").json()
        headlines = {slide["text"]["headline"] for slide in early["events"]}
        assert headlines == {"Putin to meet Ban Ki-moon", "Shelling &lt;b&gt;near&lt;/b&gt; Slaviansk"}

    def test_honours_recorded_as_of(self, client: TestClient, desk: dict[str, Any]) -> None:
        meeting, election, attack = (desk[name]["id"] for name in ("meeting", "election", "attack"))
        document = exported(client, STORY, format="timelinejs", recorded_as_of=desk["before_changes"]).json()
        slides = {slide["unique_id"]: slide for slide in document["events"]}
        assert set(slides) == {meeting, election, attack}  # the denial was recorded later
        assert slides[meeting]["text"]["headline"] == "Putin to meet Ban Ki-moon"  # so was the move
        assert "<em>reported</em>" in slides[attack]["text"]["text"]  # and so the dispute
        first = exported(client, STORY, format="timelinejs", recorded_as_of=desk["meeting"]["recorded_at"])
        assert [slide["unique_id"] for slide in first.json()["events"]] == [meeting]

    def test_intervals_end_where_their_span_ends(self, client: TestClient, desk: dict[str, Any]) -> None:
        write(client, "/v1/stories", {"slug": "interval-desk", "title": "Intervals"})
        months = write(
            client,
            "/v1/occurrences",
            fields(kind="military_exercise", occurred="2014-04/2014-05", stories=["interval-desk"]),
        )
        days = write(
            client,
            "/v1/occurrences",
            fields(kind="troop_movement", occurred="2014-04-11/2014-04-20~", stories=["interval-desk"]),
        )
        document = exported(client, "/v1/stories/interval-desk/timeline", format="timelinejs").json()
        slides = {slide["unique_id"]: slide for slide in document["events"]}
        assert slides[months["id"]]["start_date"] == {"year": 2014, "month": 4}
        assert slides[months["id"]]["end_date"] == {"year": 2014, "month": 5}
        assert slides[days["id"]]["start_date"] == {"year": 2014, "month": 4, "day": 11}
        assert slides[days["id"]]["end_date"] == {"year": 2014, "month": 4, "day": 20}
        assert slides[days["id"]]["display_date"] == "2014-04-11/2014-04-20~"
        # A single month is one unit of its precision: a slide dated May 2014, without an end.
        story_slides = exported(client, STORY, format="timelinejs").json()["events"]
        attack = next(slide for slide in story_slides if slide["unique_id"] == desk["attack"]["id"])
        assert "end_date" not in attack


class TestCsv:
    def test_one_row_per_occurrence_with_acled_columns_cameo_codes_and_precision(
        self, client: TestClient, desk: dict[str, Any]
    ) -> None:
        rows = csv_rows(client)
        assert len(rows) == 4
        attack = rows[ATTACK]
        assert attack["event_type"] == "attack"
        assert (attack["cameo_code"], attack["plover_code"]) == ("190", "ASSAULT")
        assert (attack["event_date"], attack["event_date_end"]) == ("2014-05-01", "2014-05-31")
        assert (attack["time_precision"], attack["occurred_precision"]) == ("3", "month")
        assert (attack["actor1"], attack["location"], attack["fatalities"]) == (
            "Pro-Russian separatists",
            "Slaviansk",
            "1",
        )
        assert attack["status"] == "disputed"
        meeting = rows[MOVED]
        assert (meeting["cameo_code"], meeting["time_precision"]) == ("036", "1")
        assert rows["Polls open in Ukraine"]["cameo_code"] == ""  # no faithful CAMEO code

    def test_honours_as_of_and_recorded_as_of(self, client: TestClient, desk: dict[str, Any]) -> None:
        assert "Putin to meet Ban Ki-moon" in csv_rows(client, as_of="2014-05-19T11:00Z")
        before = csv_rows(client, recorded_as_of=desk["before_changes"])
        assert set(before) == {
            "Putin to meet Ban Ki-moon",
            "Polls open in Ukraine",
            "Shelling <b>near</b> Slaviansk",
        }
        assert before["Shelling <b>near</b> Slaviansk"]["status"] == "reported"

    def test_accept_header_chooses_the_export(self, client: TestClient, desk: dict[str, Any]) -> None:
        answer = client.get(STORY, headers={"Accept": "text/csv"})
        assert answer.text.startswith("event_id_cnty,event_date,")
        assert "items" in client.get(STORY, headers={"Accept": "application/json"}).json()
        assert "items" in client.get(STORY, headers={"Accept": "text/csv, text/calendar"}).json()


class TestICalendar:
    def test_scheduled_meetings_and_elections_only(self, client: TestClient, desk: dict[str, Any]) -> None:
        events = calendar_events(client)
        assert set(events) == {MOVED, "Polls open in Ukraine"}
        meeting = events[MOVED]
        assert meeting.decoded("dtstart").isoformat() == "2014-05-20"  # all day
        assert meeting.decoded("dtend").isoformat() == "2014-05-21"
        assert str(meeting["uid"]) == f"{desk['meeting']['id']}@newsline"
        assert str(meeting["location"]) == "Shanghai"
        election = events["Polls open in Ukraine"]
        assert election.decoded("dtstart").isoformat() == "2014-05-25T05:00:00+00:00"

    def test_honours_as_of(self, client: TestClient, desk: dict[str, Any]) -> None:
        assert set(calendar_events(client, as_of="2014-05-19T08:10Z")) == {"Putin to meet Ban Ki-moon"}

    def test_honours_recorded_as_of(self, client: TestClient, desk: dict[str, Any]) -> None:
        # The election was recorded after the meeting, and the meeting's move after both.
        first = calendar_events(client, recorded_as_of=desk["meeting"]["recorded_at"])
        assert set(first) == {"Putin to meet Ban Ki-moon"}
        before = calendar_events(client, recorded_as_of=desk["before_changes"])
        assert set(before) == {"Putin to meet Ban Ki-moon", "Polls open in Ukraine"}

    def test_a_name_with_a_line_break_is_escaped_in_the_calendar_name(self, client: TestClient) -> None:
        name = "Shanghai\nCooperation =Council; Organisation"
        written = write(
            client,
            "/v1/occurrences",
            fields(
                kind="meeting_scheduled", title="Summit planned", actors=[{"name": name, "role": "agent"}]
            ),
        )
        assert written["actors"][0]["name"] == name
        found = client.get("/v1/entities", params={"q": "Cooperation"}).json()["items"]
        entity = next(item["id"] for item in found if item["name"] == name)
        answer = client.get(f"/v1/entities/{entity}/timeline", params={"format": "ics"})
        assert answer.status_code == 200, answer.text
        calendar = Calendar.from_ical(answer.content)
        # Escaped as iCalendar text (RFC 5545 3.3.11), all on one content line.
        assert str(calendar["x-wr-calname"]) == "Shanghai\\nCooperation =Council\\; Organisation"
        assert {str(event["summary"]) for event in calendar.walk("VEVENT")} == {"Summit planned"}


# The media types of the README's export table.
MEDIA_TYPES = {
    "timelinejs": "application/vnd.timelinejs+json",
    "csv": "text/csv",
    "ics": "text/calendar",
    "ndjson": "application/x-ndjson",
}


class TestChoosingAnExport:
    @pytest.mark.parametrize(("name", "media_type"), MEDIA_TYPES.items())
    def test_an_accept_header_naming_one_media_type_chooses_its_export(
        self, client: TestClient, desk: dict[str, Any], name: str, media_type: str
    ) -> None:
        for path in ("/v1/timeline", STORY):
            by_format = exported(client, path, format=name)
            answer = client.get(path, headers={"Accept": media_type})
            assert answer.status_code == 200, answer.text
            assert answer.headers["content-type"].startswith(media_type)
            assert answer.content == by_format.content

    def test_every_timeline_endpoint_exports(self, client: TestClient, desk: dict[str, Any]) -> None:
        for path in ("/v1/timeline", "/v1/entities/slaviansk/timeline", STORY):
            assert exported(client, path, format="csv").text.startswith("event_id_cnty,")

    def test_unknown_format_and_story_are_problems(self, client: TestClient, desk: dict[str, Any]) -> None:
        bad = client.get(STORY, params={"format": "xlsx"})
        assert bad.status_code == 422
        assert bad.headers["content-type"] == "application/problem+json"
        assert [error["field"] for error in bad.json()["errors"]] == ["format"]
        missing = client.get("/v1/stories/no-such-story/timeline", params={"format": "csv"})
        assert missing.status_code == 404


# Text a spreadsheet would run as a formula, one per text column it can reach.
DANGEROUS = {
    "title": '=HYPERLINK("http://evil.invalid","click")',
    "summary": "+1+2",
    "agent": "-2+3",
    "target": "@SUM(A1:A9)",
    "mentioned": "=1+1",
    "source": "=cmd|' /C calc'!A0",
    "outlet": "\tTab-led outlet",
}


@pytest.fixture(scope="module")
def formula_rows(client: TestClient) -> list[dict[str, str]]:
    write(client, "/v1/stories", {"slug": "formula-desk", "title": "Formulas"})
    write(
        client,
        "/v1/occurrences",
        fields(
            title=DANGEROUS["title"],
            summary=DANGEROUS["summary"],
            actors=[
                {"name": DANGEROUS["agent"], "role": "agent"},
                {"name": DANGEROUS["target"], "role": "target"},
                {"name": DANGEROUS["mentioned"], "role": "mentioned"},
            ],
            source={"name": DANGEROUS["source"], "outlet": DANGEROUS["outlet"]},
            figures={"killed": 4},
            stories=["formula-desk"],
        ),
    )
    answer = exported(client, "/v1/stories/formula-desk/timeline", format="csv")
    return list(csv.DictReader(io.StringIO(answer.text, newline="")))


class TestCsvFormulaInjection:
    """A cell a spreadsheet would run as a formula is made text with a leading `'` (OWASP)."""

    def test_text_cells_that_start_a_formula_are_prefixed(self, formula_rows: list[dict[str, str]]) -> None:
        [row] = formula_rows
        cells = DANGEROUS
        assert row["title"] == "'" + cells["title"]
        assert row["notes"] == "'" + cells["summary"]
        assert row["actor1"] == "'" + cells["agent"]
        assert row["actor2"] == "'" + cells["target"]
        assert row["mentioned"] == "'" + cells["mentioned"]
        assert row["source"] == "'" + cells["source"]
        assert row["source_outlet"] == "'" + cells["outlet"]
        for column, value in row.items():
            assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), column

    def test_numbers_stay_numbers(self, formula_rows: list[dict[str, str]]) -> None:
        [row] = formula_rows
        assert (row["fatalities"], row["year"], row["time_precision"]) == ("4", "2014", "1")
        assert row["timestamp"].isdigit()
        assert row["figures"] == '{"killed": 4}'

    def test_a_negative_number_is_not_prefixed(
        self, client: TestClient, formula_rows: list[dict[str, str]]
    ) -> None:
        entry = client.get("/v1/stories/formula-desk/timeline").json()["items"][0]
        entry["figures"] = {"killed": -3}  # the API refuses it; the CSV writer must still keep it a number
        [row] = csv.DictReader(io.StringIO(table.render([entry], []), newline=""))
        assert row["fatalities"] == "-3"
        assert row["title"].startswith("'=")
