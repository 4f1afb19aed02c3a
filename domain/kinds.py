"""The 23 built-in occurrence kinds and their CAMEO / PLOVER counterparts.

The codes let analysts join Newsline data with GDELT (CAMEO) and POLECAT or
ACLED-style (PLOVER) datasets. A kind with no faithful counterpart maps to
None rather than to a misleading code.

A newsroom adds kinds of its own (`domain.kind.AddedKind`); every kind, built
in or added, is a slug of the form `KIND_PATTERN`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

Kind = Literal[
    "statement",
    "claim",
    "denial",
    "accusation",
    "demand",
    "appeal",
    "threat",
    "order_issued",
    "troop_movement",
    "military_exercise",
    "attack",
    "armed_clash",
    "offensive_launched",
    "annexation",
    "meeting_scheduled",
    "meeting_held",
    "agreement",
    "election_scheduled",
    "election_held",
    "sanction",
    "arrest",
    "protest",
    "other",
]

KINDS: tuple[str, ...] = get_args(Kind)

# What any kind looks like: lower-case words joined by underscores, as the built-in ones are.
KIND_PATTERN = r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$"
KIND_MAX_LENGTH = 64
# CAMEO event codes are two to four digits; PLOVER event types are upper-case words.
CAMEO_PATTERN = r"^[0-9]{2,4}$"
PLOVER_PATTERN = r"^[A-Z]+(?:_[A-Z]+)*$"


@dataclass(frozen=True)
class KindInfo:
    kind: str
    cameo: str | None
    plover: str | None
    description: str


_CATALOGUE: dict[str, tuple[str | None, str | None, str]] = {
    "statement": ("010", None, "A public statement or comment."),
    "claim": ("010", None, "An assertion of fact made by a party, not yet verified."),
    "denial": ("016", "REJECT", "A denial of a claim, accusation or responsibility."),
    "accusation": ("112", "ACCUSE", "An accusation or criticism aimed at another party."),
    "demand": ("100", "REQUEST", "A demand made of another party."),
    "appeal": ("020", "REQUEST", "An appeal or call to act, made publicly."),
    "threat": ("130", "THREATEN", "A threat of force, sanction or other action."),
    "order_issued": ("010", None, "An order issued by an authority (e.g. to troops)."),
    "troop_movement": ("150", "MOBILIZE", "Forces deployed, moved or withdrawn."),
    "military_exercise": ("150", "MOBILIZE", "A military exercise or drill."),
    "attack": ("190", "ASSAULT", "An attack using force (shelling, ambush, bombing)."),
    "armed_clash": ("190", "ASSAULT", "Fighting between armed parties."),
    "offensive_launched": ("190", "ASSAULT", "A military offensive or operation begun."),
    "annexation": ("192", "COERCE", "Territory annexed or occupied."),
    "meeting_scheduled": ("036", "CONSULT", "A meeting or talks announced for a later date."),
    "meeting_held": ("040", "CONSULT", "A meeting, visit or talks that took place."),
    "agreement": ("057", "AGREE", "An agreement, accord or deal reached or signed."),
    "election_scheduled": (None, None, "An election or referendum set for a date."),
    "election_held": (None, None, "An election or referendum that took place."),
    "sanction": ("163", "SANCTION", "Sanctions, embargoes or boycotts imposed."),
    "arrest": ("173", "COERCE", "An arrest or detention."),
    "protest": ("140", "PROTEST", "A protest, demonstration or strike."),
    "other": (None, None, "Anything that fits no other kind."),
}

KIND_CATALOGUE: tuple[KindInfo, ...] = tuple(KindInfo(kind, *_CATALOGUE[kind]) for kind in KINDS)
