"""Time expressions resolved against the publication day (the drafts' `occurred`)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from domain.drafting import Drafter

MONDAY = datetime(2014, 5, 19, 12, tzinfo=UTC)  # the seed's publication day


def occurred(text: str, published: datetime = MONDAY) -> str:
    drafts = Drafter().draft(text, published)
    assert drafts, f"nothing drafted from {text!r}"
    return str(drafts[0].occurrence["occurred"])


@pytest.mark.parametrize(
    ("text", "edtf"),
    [
        ("Rebels shelled a checkpoint today, the ministry said.", "2014-05-19"),
        ("Mr Putin ordered the troops back this morning.", "2014-05-19"),
        ("Protesters will march tonight.", "2014-05-19"),
        ("Rebels shelled a checkpoint yesterday.", "2014-05-18"),
        ("He is due to meet Ban Ki-moon in China tomorrow.", "2014-05-20"),
        ("Police arrested seven people last night.", "2014-05-18"),
    ],
)
def test_days_around_the_publication(text: str, edtf: str) -> None:
    assert occurred(text) == edtf


def test_a_weekday_is_past_or_future_by_the_tense_of_its_verb() -> None:
    assert occurred("The minister said on Tuesday that troops had been withdrawn.") == "2014-05-13"
    assert occurred("The ministers are due to meet on Thursday.") == "2014-05-22"
    assert occurred("Ukraine holds a presidential election on Sunday.") == "2014-05-25"
    assert occurred("Rebels attacked a checkpoint on Monday.") == "2014-05-19"


@pytest.mark.parametrize(
    ("text", "published", "edtf"),
    [
        ("Mr Putin said on 7 May that forces had been withdrawn.", MONDAY, "2014-05-07"),
        ("Rebels attacked the town on 15 December.", datetime(2014, 1, 5, tzinfo=UTC), "2013-12-15"),
        ("Rebels attacked the town on Dec 15.", datetime(2014, 1, 5, tzinfo=UTC), "2013-12-15"),
        ("The leaders will meet on 5 January.", datetime(2014, 12, 20, tzinfo=UTC), "2015-01-05"),
        ("Rebels attacked the town on 15 December 2012.", MONDAY, "2012-12-15"),
    ],
)
def test_day_and_month_land_in_the_right_year(text: str, published: datetime, edtf: str) -> None:
    assert occurred(text, published) == edtf


def test_months_and_seasons() -> None:
    assert occurred("Russia annexed Crimea in March.") == "2014-03"
    assert occurred("Russia annexed Crimea in March 2014.", datetime(2016, 1, 1, tzinfo=UTC)) == "2014-03"
    # A season still running when the article was written ends, for a past deed, on that day.
    assert occurred("The spring manoeuvres were over.") == "2014-03/2014-05-19?"
    assert occurred("The troops held exercises in the autumn.") == "2013-23"
    assert occurred("The troops will hold exercises in the autumn.") == "2014-23"


def test_parts_of_a_month_are_approximate_spans() -> None:
    assert occurred("The army launched an offensive in mid-April.") == "2014-04-11~/2014-04-20~"
    assert occurred("The army launched an offensive in early April.") == "2014-04-01~/2014-04-10~"
    assert occurred("The army launched an offensive in late April.") == "2014-04-21~/2014-04-30~"


def test_last_and_next_week_and_month() -> None:
    assert occurred("The army launched an offensive last month.") == "2014-04"
    assert occurred("The leaders will meet next month.") == "2014-06"
    assert occurred("Rebels attacked the town last week.") == "2014-05-12/2014-05-18"
    assert occurred("The leaders will meet next week.") == "2014-05-26/2014-06-01"


def test_explicit_years() -> None:
    assert occurred("Russia annexed Crimea in 2014.", datetime(2020, 1, 1, tzinfo=UTC)) == "2014"


def test_times_anchored_to_another_event_of_the_text() -> None:
    text = (
        "Ukraine holds a presidential election on Sunday. "
        "Russia said it had ordered the end of exercises, days ahead of the vote. "
        "Three troops were injured in an attack, which came almost a week after seven soldiers "
        "were killed in an ambush."
    )
    drafts = Drafter().draft(text, MONDAY)
    by_kind = {(d.occurrence["kind"], d.occurrence["occurred"]) for d in drafts}
    assert ("election_scheduled", "2014-05-25") in by_kind
    assert ("claim", "2014-05-19") in by_kind  # said today, which is days ahead of Sunday
    assert ("attack", "2014-05-13~") in by_kind  # almost a week before today's attack


def test_a_week_later_follows_the_time_told_before() -> None:
    text = "Rebels attacked the town on 2 May. A week later, rebels attacked the airport."
    assert [d.occurrence["occurred"] for d in Drafter().draft(text, MONDAY)] == ["2014-05-02", "2014-05-09~"]


def test_what_cannot_be_resolved_keeps_the_publication_day_as_uncertain() -> None:
    assert occurred("Rebels attacked the town at some point.") == "2014-05-19?"
    assert occurred("Rebels shelled a checkpoint.") == "2014-05-19?"


def test_the_weekend_and_days_ago() -> None:
    assert occurred("Rebels attacked the town at the weekend.") == "2014-05-17/2014-05-18"
    assert occurred("The leaders will meet at the weekend.") == "2014-05-24/2014-05-25"
    assert occurred("Rebels attacked the town two days ago.") == "2014-05-17"
    assert occurred("Rebels attacked the town overnight.") == "2014-05-18/2014-05-19"


def test_the_next_day_and_since() -> None:
    text = "Rebels attacked the town on 2 May. The next day, the army launched an offensive."
    assert [d.occurrence["occurred"] for d in Drafter().draft(text, MONDAY)] == ["2014-05-02", "2014-05-03~"]
    assert occurred("Russia had massed 40,000 troops near the border since March.") == "2014-03/2014-05-19"


def test_a_clause_takes_the_time_its_sentence_tells() -> None:
    text = (
        "At least 30 people were killed when a bomber blew himself up at a market on Saturday, police said."
    )
    assert occurred(text) == "2014-05-17"
