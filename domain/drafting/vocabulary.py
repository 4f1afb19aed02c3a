"""The kinds a draft may take and the words that trigger each, in the manner of
the CAMEO verb dictionaries.

A vocabulary is a value handed to the drafter, so kinds added beside the 23
built-in ones (with trigger words of their own) draft like any other.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property

# Phrases are regular expressions over lower-cased text, matched at word boundaries.
# Speech acts first: when a clause says something about a claim, the act of saying wins.
BUILT_IN_TRIGGERS: dict[str, tuple[str, ...]] = {
    "denial": (
        r"den(?:y|ies|ied|ying)",
        r"reject(?:s|ed|ing)?",
        r"dismiss(?:es|ed|ing)?",
        r"refut(?:e|es|ed|ing)",
        r"(?:no|not (?:seen |found )?any|not seen|haven't seen|hasn't seen|have not seen|has not seen"
        r"|had not seen|no clear|no firm) (?:\w+ )?(?:evidence|signs?|proof|indication)",
        r"(?:have|has|had) (?:not|never) seen any",
        r"(?:not|never) seen any \w+",
        r"there (?:was|were|is|are) no (?:sign|signs|evidence|truth)",
        r"(?:insist(?:s|ed)?|maintain(?:s|ed)?) that .{0,60}\bnever\b",
        r"no truth",
        r"baseless",
        r"categorically",
    ),
    "accusation": (
        r"accus(?:e|es|ed|ing|ation|ations)",
        r"blam(?:e|es|ed|ing)",
        r"to blame",
        r"condemn(?:s|ed|ing)?",
        r"criticis(?:e|es|ed|ing)|criticiz(?:e|es|ed|ing)",
        r"terrorists?",
        r"provo(?:ke|kes|ked|king|cation)",
        r"cynical",
        r"reserves? the right to intervene",
        r"(?:haven't|have not|hasn't|has not) done so",
        r"violat(?:e|es|ed|ing|ion|ions)",
        r"menacing",
    ),
    "demand": (
        r"demand(?:s|ed|ing)?",
        r"insist(?:s|ed)? (?:that )?\w+ (?:must|should)",
        r"want(?:s|ed)? (?:\w+ ){1,3}to",
        r"(?:wants?|want) to see",
        r"needs? (?:\"|“)?(?:firm|clear|more) ",
        r"must (?:stop|end|withdraw|leave|release|pull)",
        r"ultimatum",
    ),
    "appeal": (
        r"urg(?:e|es|ed|ing)",
        r"appeal(?:s|ed|ing)?",
        r"call(?:s|ed)? (?:on|for)",
        r"plead(?:s|ed)?",
        r"ask(?:s|ed)? (?:\w+ ){1,3}to",
    ),
    "threat": (
        r"threat(?:en|ens|ened|ening)",
        r"warn(?:s|ed|ing)? (?:\w+ ){0,2}?(?:of|that)",
        r"vow(?:s|ed)? to (?:retaliate|respond)",
    ),
    "order_issued": (
        r"ordered",
        r"orders? (?:\w+ ){1,4}to",
        r"issu(?:e|es|ed|ing) (?:the |an |a )?orders?",
        r"decree(?:s|d)?",
        r"instruct(?:s|ed)?",
        r"command(?:s|ed)? (?:\w+ )?to",
    ),
    "troop_movement": (
        r"deploy(?:s|ed|ing|ment)?",
        r"withdr(?:aw|aws|ew|awn|awing|awal)",
        r"pull(?:s|ed|ing)? back",
        r"pull-?back",
        r"redeploy(?:s|ed|ing)?",
        r"mass(?:ed|ing) (?:[\w,]+ ){0,4}?(?:troops|forces|soldiers)",
        r"(?:troop|military) build-?up",
        r"presence of (?:\w+ ){0,2}(?:troops|forces)",
        r"(?:troops|forces) (?:were |have been )?(?:moved|sent|dispatched)",
        r"return(?:s|ed)? to (?:barracks|base|bases)",
        r"mobilis(?:e|ed|ation)|mobiliz(?:e|ed|ation)",
    ),
    "military_exercise": (
        r"exercises?",
        r"drills?",
        r"manoeuvres?|maneuvers?",
        r"war games?",
    ),
    "offensive_launched": (
        r"offensive",
        r"launch(?:es|ed)? (?:a |an |the )?(?:\w+ )?(?:operation|campaign|incursion|invasion)",
        r"invad(?:e|es|ed|ing)",
        r"invasion",
    ),
    "attack": (
        r"kill(?:s|ed|ing)?",
        r"shell(?:s|ed|ing)",
        r"ambush(?:es|ed)?",
        r"attack(?:s|ed|ing)?",
        r"bomb(?:s|ed|ing|ings)?",
        r"air ?strikes?|strikes? on",
        r"fired (?:on|at)",
        r"assault(?:s|ed)?",
        r"explosion|blast",
        r"shot dead",
        r"poison(?:ed|ing)",
        r"blew (?:himself|herself|themselves) up",
        r"suicide (?:bomber|bombing|attack)s?",
        r"detonat(?:e|ed|ing)",
        r"injur(?:e|ed|ing)",
        r"wound(?:s|ed)",
    ),
    "armed_clash": (
        r"(?:conflict|war|fighting|violence) (?:has|have|had) (?:\w+ )?killed",
        r"fight(?:ing|s)?",
        r"clash(?:es|ed)?",
        r"battl(?:e|es|ed|ing)",
        r"gunfights?|firefights?",
        r"(?:captured|recaptured|retook|took) (?:the )?(?:\w+ ){0,2}"
        r"(?:town|city|village|airport|district|stronghold)",
    ),
    "annexation": (
        r"annex(?:es|ed|ing|ation)?",
        r"occup(?:y|ies|ied|ation)",
        r"seiz(?:e|es|ed|ure) (?:of )?(?:the )?(?:\w+ )?(?:peninsula|region|territory|city)",
        r"(?:took|take|takes|seized|seize) control of",
    ),
    "meeting_scheduled": (
        r"due to (?:meet|hold talks|visit)",
        r"(?:will|to) meet",
        r"(?:is|are) to (?:meet|hold talks|visit)",
        r"(?:scheduled|planned|set) (?:to meet|for talks|a meeting|a summit)",
        r"summit (?:is |will be )?(?:scheduled|planned)",
    ),
    "meeting_held": (
        r"met",
        r"meets",
        r"talks",
        r"summit",
        r"meeting",
        r"visit(?:s|ed)?",
        r"initial contacts|contacts between",
        r"negotiat(?:e|ed|ions)",
    ),
    "agreement": (
        r"agree(?:s|d|ment)?",
        r"sign(?:s|ed)? (?:a |an |the )?(?:\w+ )?"
        r"(?:deal|accord|treaty|agreement|ceasefire|statement|declaration)",
        r"ceasefire",
        r"accord",
        r"deal (?:was|has been) (?:reached|struck)",
        r"truce",
    ),
    "election_scheduled": (
        r"(?:holds?|hold) (?:a |an |the )?(?:\w+ )?(?:election|vote|referendum|poll)",
        r"(?:elections?|votes?|referendums?|polls?) (?:is |are |will be )?(?:scheduled|set|due)",
    ),
    "election_held": (
        r"(?:presidential|parliamentary|general|local) (?:election|vote)s?",
        r"election",
        r"referendum",
        r"voters? (?:went|go) to the polls",
        r"(?:was|were) elected",
        r"won (?:the|a) (?:\w+ )?(?:election|vote|run-off|runoff)",
    ),
    "sanction": (
        r"sanction(?:s|ed)?",
        r"embargo(?:es)?",
        r"asset freezes?",
        r"travel bans?",
        r"boycott(?:s|ed)?",
        r"expel(?:s|led|ling)?",
        r"expulsions?",
        r"(?:froze|frozen|freez(?:e|es|ing)) (?:the )?assets",
    ),
    "arrest": (
        r"arrest(?:s|ed|ing)?",
        r"detain(?:s|ed|ing)?",
        r"detention",
        r"taken into custody",
        r"captur(?:e|ed|ing) (?:\w+ ){0,2}(?:soldiers|fighters|people|men|troops|militants|suspects|rebels)",
    ),
    "protest": (
        r"protest(?:s|ed|ing|ers)?",
        r"demonstrat(?:ion|ions|ors|ed|e)",
        r"rall(?:y|ies|ied)",
        r"marched",
        r"strike (?:by|of) (?:workers|miners)|went on strike",
    ),
    "claim": (
        r"claim(?:s|ed|ing)?",
        r"estimat(?:e|es|ed)",
        r"assert(?:s|ed)?",
        r"allege(?:s|d)?",
    ),
    "statement": (
        r"welcom(?:e|es|ed|ing)",
        r"call(?:s|ed) (?:the|it|this|that) (?:\w+ ){0,2}[\"“]",
        r"stress(?:es|ed)",
        r"told (?:a |the )?(?:briefing|reporters|journalists|a news conference|parliament)",
        r"express(?:es|ed) (?:concern|hope|regret|support)",
        r"praised",
        r"(?:would|will) (?:closely )?(?:track|monitor|watch)",
        r"would be (?:welcome|an? )",
    ),
}

# Kinds that report what someone said rather than a deed.
SPEECH_KINDS = frozenset(("statement", "claim", "denial", "accusation", "demand", "appeal", "threat"))
# Deeds a party reports of its own forces and orders: when said, they are its claim.
CLAIMABLE_KINDS = frozenset(
    ("order_issued", "troop_movement", "military_exercise", "meeting_held", "agreement")
)
# A kind that took place, and its counterpart for the future.
SCHEDULED = {"meeting_held": "meeting_scheduled", "election_held": "election_scheduled"}
HELD = {scheduled: held for held, scheduled in SCHEDULED.items()}


def _plain(word: str) -> str:
    """A trigger word given as plain text, with room for inflection (fire, fires, fired)."""
    return re.escape(word.lower().strip()) + r"\w{0,3}"


@dataclass(frozen=True)
class Vocabulary:
    """The kinds and their trigger phrases (regular expressions over lower-cased text)."""

    triggers: Mapping[str, tuple[str, ...]]
    fallback: str = "other"
    speech_kinds: frozenset[str] = field(default=SPEECH_KINDS)

    @classmethod
    def built_in(cls) -> Vocabulary:
        return cls(dict(BUILT_IN_TRIGGERS))

    def with_kinds(self, added: Mapping[str, Iterable[str]]) -> Vocabulary:
        """This vocabulary and kinds of one's own, each with plain trigger words; an added
        kind's words are matched before the built-in ones, since a newsroom adds a kind
        to tell its events apart from the general ones."""
        extra = {kind: tuple(_plain(word) for word in words) for kind, words in added.items()}
        return Vocabulary({**extra, **{k: v for k, v in self.triggers.items() if k not in extra}})

    @property
    def kinds(self) -> tuple[str, ...]:
        return (*self.triggers, self.fallback)

    @cached_property
    def pattern(self) -> re.Pattern[str]:
        """One alternation with a named group per kind: the earliest, longest match wins."""
        groups = [
            f"(?P<k{index}>{'|'.join(phrases)})" for index, phrases in enumerate(self.triggers.values())
        ]
        # Tried only where a word starts: `\b` alone would try every phrase at word ends too.
        return re.compile(r"(?<!\w)(?=\w)(?:" + "|".join(groups) + r")\b")

    def kind_of(self, match: re.Match[str]) -> str:
        names = list(self.triggers)
        return names[int(str(match.lastgroup)[1:])]
