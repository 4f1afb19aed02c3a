"""What a draft is made of: kind, actors and places, figures, source and quote, relations."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import pytest

from api.schemas.occurrences import OccurrenceCreate
from domain.drafting import Drafter, KnownEntity, Vocabulary
from domain.kinds import KINDS

PUBLISHED = datetime(2014, 5, 19, 12, tzinfo=UTC)


def draft(text: str, drafter: Drafter | None = None) -> list[dict[str, Any]]:
    return [d.occurrence for d in (drafter or Drafter()).draft(text, PUBLISHED)]


def kinds(text: str) -> list[str]:
    return [o["kind"] for o in draft(text)]


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Mr Putin ordered his defence chief to return the troops to their bases.", "order_issued"),
        ("NATO said there was no evidence that the troops had left.", "denial"),
        ("The ministry rejected the claim.", "denial"),
        ("Gunmen killed two police officers in the city.", "attack"),
        ("Rebels shelled a checkpoint near the town.", "attack"),
        ("Insurgents ambushed a convoy on the road.", "attack"),
        ("The two delegations began talks in Geneva.", "meeting_held"),
        ("The two presidents are due to meet in Minsk.", "meeting_scheduled"),
        ("He urged member states to raise defence spending.", "appeal"),
        ("Russia demanded that Kiev end its operation.", "demand"),
        ("The minister accused the rebels of shelling civilians.", "accusation"),
        ("The president threatened to cut gas supplies.", "threat"),
        ("Thousands of troops were deployed to the border.", "troop_movement"),
        ("The army held exercises near the border.", "military_exercise"),
        ("Troops and rebels clashed outside the airport.", "armed_clash"),
        ("The army launched an offensive against the insurgents.", "offensive_launched"),
        ("Russia annexed the Crimea peninsula.", "annexation"),
        ("The two sides signed a ceasefire agreement.", "agreement"),
        ("The country will hold a presidential election in October.", "election_scheduled"),
        ("Voters went to the polls in a presidential election that was held in March.", "election_held"),
        ("The EU imposed sanctions on ten officials.", "sanction"),
        ("Police arrested the mayor.", "arrest"),
        ("Thousands of people protested in the capital.", "protest"),
        ("The rebels claimed control of the town hall.", "claim"),
        ("The president welcomed the initial contacts.", "statement"),
    ],
)
def test_the_kind_comes_from_the_trigger_words(text: str, kind: str) -> None:
    assert kinds(text)[0] == kind


def test_every_built_in_kind_but_other_has_trigger_words() -> None:
    assert set(Vocabulary.built_in().kinds) == set(KINDS)


def test_what_a_party_says_of_its_own_orders_is_its_claim() -> None:
    assert kinds("Russia said that it had ordered the end of military exercises.") == ["claim"]
    assert kinds("The army said five soldiers were killed in the attack.") == ["attack"]
    assert kinds("The official said such a move would be welcome.") == ["statement"]


def test_a_sentence_of_two_events_is_two_drafts() -> None:
    text = (
        "Mr Putin also said on 7 May that forces had been withdrawn from the frontier, "
        "but NATO and the US said there were no signs of reduction."
    )
    claim, denial = draft(text)
    assert (claim["kind"], claim["occurred"]) == ("claim", "2014-05-07")
    assert (denial["kind"], denial["occurred"]) == ("denial", "2014-05-07~")
    assert {a["name"] for a in denial["actors"]} == {"NATO", "US"}


@pytest.mark.parametrize(
    ("text", "figures"),
    [
        ("Seven soldiers were killed in an ambush.", {"killed": 7}),
        ("Three other troops were also injured in the attack.", {"injured": 3}),
        ("NATO estimates there are around 40,000 troops on the border.", {"troops": 40000}),
        ("The troops, which NATO estimates number around 40,000, held exercises.", {"troops": 40000}),
        ("A Ukrainian soldier was killed when rebels shelled a checkpoint.", {"killed": 1}),
        ("Gunmen killed 12 people and wounded thirty others in the attack.", {"killed": 12, "injured": 30}),
        ("Police arrested forty-five protesters in the capital.", {"arrested": 45}),
    ],
)
def test_figures_count_with_what_they_count(text: str, figures: dict[str, int]) -> None:
    assert draft(text)[0]["figures"] == figures


def test_years_and_durations_are_not_figures() -> None:
    assert draft("Rebels attacked the town in 2014 after 20 years of peace.")[0]["figures"] == {}


def test_the_source_is_who_said_it_and_the_quote_what_they_said() -> None:
    (attack,) = draft(
        "A soldier was killed when rebels shelled a checkpoint today, the defence ministry said."
    )
    assert attack["source"]["name"] == "Defence ministry"
    (denial,) = draft('"We have not seen any withdrawal," Mr Rasmussen said.')
    assert denial["source"] == {"name": "Mr Rasmussen", "quote": "We have not seen any withdrawal"}


def test_he_said_goes_on_with_the_last_speaker() -> None:
    text = (
        "NATO Secretary General Anders Fogh Rasmussen said he had no evidence of a withdrawal. "
        '"We have to adapt accordingly," he said. He urged member states to spend more on defence.'
    )
    assert {o["source"]["name"] for o in draft(text)} == {"Anders Fogh Rasmussen"}


class Directory:
    def __init__(self, *entities: KnownEntity) -> None:
        self.entities = entities

    def known_entities(self) -> Iterable[KnownEntity]:
        return self.entities


def test_known_entities_are_found_by_surname_and_their_places_are_places() -> None:
    drafter = Drafter(
        directory=Directory(KnownEntity("Vladimir Putin"), KnownEntity("Slaviansk", is_place=True))
    )
    (order,) = draft("Mr Putin ordered troops near Slaviansk to return to their bases.", drafter)
    assert order["actors"] == [{"name": "Vladimir Putin", "role": "agent"}]
    assert order["places"] == ["Slaviansk"]


def test_roles_come_from_the_place_around_the_trigger() -> None:
    (attack,) = draft("Ukrainian soldiers were ambushed by Separatists near Kramatorsk.")
    assert attack["actors"] == [{"name": "Separatists", "role": "agent"}]
    (demand,) = draft("Russia wants Kiev to speak directly to the separatists.")
    assert demand["actors"] == [{"name": "Russia", "role": "agent"}, {"name": "Kiev", "role": "target"}]


def test_added_kinds_plug_in_with_their_trigger_words() -> None:
    vocabulary = Vocabulary.built_in().with_kinds({"wildfire": ["wildfire", "blaze"]})
    drafter = Drafter(vocabulary=vocabulary)
    (fire,) = draft("A wildfire destroyed 40 homes near the town yesterday.", drafter)
    assert fire["kind"] == "wildfire"
    assert fire["occurred"] == "2014-05-18"
    assert "wildfire" in vocabulary.kinds


def test_a_denial_disputes_the_claim_it_answers() -> None:
    text = (
        "The Kremlin said Russian troops had withdrawn from the border. "
        "NATO said it had seen no evidence that the troops had withdrawn."
    )
    claim, denial = Drafter().draft(text, PUBLISHED)
    assert denial.relations == [{"type": "disputes", "draft": 0}]
    assert claim.relations == []


def test_an_attack_within_fighting_is_part_of_it_and_follows_an_earlier_attack() -> None:
    text = (
        "Seven soldiers were killed in an ambush on 13 May. "
        "A soldier was killed when rebels shelled a checkpoint today. "
        "It was the worst loss in weeks of fighting."
    )
    _, shelling, _ = Drafter().draft(text, PUBLISHED)
    assert {"type": "follows", "draft": 0} in shelling.relations
    assert {"type": "part_of", "draft": 2} in shelling.relations


def test_every_draft_is_a_valid_report(seed_article: str) -> None:
    for drafted in Drafter().draft(seed_article, PUBLISHED, {"name": "BBC"}, ["a-story"]):
        OccurrenceCreate.model_validate(drafted.occurrence)


def test_drafting_is_deterministic(seed_article: str) -> None:
    first = [d.as_json() for d in Drafter().draft(seed_article, PUBLISHED)]
    assert first == [d.as_json() for d in Drafter().draft(seed_article, PUBLISHED)]


@pytest.fixture
def seed_article() -> str:
    from tests.drafting.evaluation import SEEDS

    return (SEEDS / "2014-05-19-putin-orders-troops-back.txt").read_text()


def test_a_deed_that_did_not_happen_is_no_deed() -> None:
    assert kinds("Egypt had warned Israel of an impending attack.") == ["threat"]


def test_a_trailing_attribution_speaks_for_the_clauses_before_it() -> None:
    text = (
        "Egypt had warned Israel of an impending attack, a US lawmaker claimed, "
        'but Mr Netanyahu dismissed the report as "fake news".'
    )
    warning, denial = draft(text)
    assert warning["source"]["name"] == "US lawmaker"
    assert denial["source"]["name"] == "Netanyahu"


def test_a_second_verb_keeps_the_first_subject() -> None:
    (appeal,) = draft("President Volodymyr Zelensky declared martial law and urged citizens to stay at home.")
    assert appeal["kind"] == "appeal"
    assert appeal["actors"][0] == {"name": "Volodymyr Zelensky", "role": "agent"}


def test_counts_joined_by_and_add_up() -> None:
    (attack,) = draft("At least 40 soldiers and about 10 civilians have been killed, an adviser said.")
    assert attack["figures"] == {"killed": 50}


def test_a_dateline_names_no_one() -> None:
    (agreement,) = draft("MINSK, Belarus (AP) — The leaders agreed on Thursday to a ceasefire.")
    assert agreement["actors"] == []


def test_two_events_joined_by_and_are_two_drafts() -> None:
    text = "Thousands of people protested in Moscow, and police detained more than 1,700 of them."
    protest, arrest = draft(text)
    assert (protest["kind"], arrest["kind"], arrest["figures"]) == ("protest", "arrest", {"arrested": 1700})
