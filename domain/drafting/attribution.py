"""Who said it: "…, the defence ministry said" or "Mr Rasmussen said …", and what they said
in quotes. A pronoun ("he said") or a quote with no speaker carries on the last speaker."""

from __future__ import annotations

import re
from dataclasses import dataclass

REPORTING = (
    r"(?:said|says|say|told|tells|added|adds|insisted|insists|noted|stated|"
    r"reported|cautioned|warned|explained|confirmed|claimed|wrote|tweeted|argued)"
)
_TRAILING = re.compile(
    rf"(?:[,\"”]|^)\s*(?P<who>[^,\"“”]{{2,80}}?)\s+(?:has\s+|had\s+|also\s+)?(?P<verb>{REPORTING})\b"
    r"(?P<tail>[^\"“”]{0,40})$"
)
_INVERTED = re.compile(
    rf"[,\"”]\s*(?:{REPORTING})\s+(?P<who>(?:the\s+|[A-Z])[^,\"“”]{{2,60}}?)(?:,[^\"“”]{{0,60}})?\.?$"
)
_ACCORDING = re.compile(r"\baccording to (?P<who>(?:the\s+)?[^,.\"“”]{2,60})", re.IGNORECASE)
_LEADING = re.compile(
    rf"^(?:[^\"“”,]*,\s+)*?(?P<who>[^,\"“”]{{2,90}}?),?\s+(?:has\s+|had\s+|have\s+|also\s+|later\s+)*"
    rf"(?P<verb>{REPORTING})\b"
)
_PRONOUNS = frozenset(("he", "she", "they", "it", "we", "i"))
_TAIL = re.compile(
    r"^(?:\s+(?:in a statement|on \w+|today|yesterday|late on \w+|earlier|later|at a briefing))*\s*[.!?]?$"
)


@dataclass(frozen=True)
class Attribution:
    """The speaker as written (None: a pronoun, to be carried on), where the reporting verb is,
    and whether it trails what was said."""

    who: str | None
    verb_start: int
    trailing: bool


def attribution(text: str) -> Attribution | None:
    """The attribution of a clause, if it has one."""
    for pattern, trailing in ((_INVERTED, True), (_ACCORDING, True)):
        match = pattern.search(text)
        if match:
            return Attribution(_speaker(match["who"]), match.start(), trailing)
    match = _TRAILING.search(text)
    if match and _TAIL.match(match["tail"]) and match.start("who") > 0:
        return Attribution(_speaker(match["who"]), match.start("verb"), True)
    match = _LEADING.search(text)
    if match:
        who = match["who"]
        if re.match(r"^[a-z]+ing\b", who) and "," in text[: match.start("who")]:
            who = text[: match.start("who")].split(",")[
                -3 if text[: match.start("who")].count(",") >= 2 else 0
            ]  # "A senior official, speaking on …, said"
        return Attribution(_speaker(who), match.start("verb"), False)
    return None


def _speaker(who: str) -> str | None:
    who = who.strip().strip('"“”')
    who = re.sub(r"^(?:and|but|so|then|earlier|later|meanwhile)\s+", "", who, flags=re.IGNORECASE)
    who = re.sub(r"^(?:the|a|an)\s+", "", who, flags=re.IGNORECASE)
    if not who or who.lower() in _PRONOUNS or len(who.split()) > 9:
        return None
    return who[0].upper() + who[1:]
