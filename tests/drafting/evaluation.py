"""How well the drafter codes articles: precision and recall per field, and the seed's coverage.

`python -m tests.drafting.evaluation` prints the README's table.

- The evaluation set (`gold.json`, `articles/`): six short articles with hand-coded
  occurrences. A draft answers a coded occurrence when its evidence holds the coded
  phrase (one draft per occurrence, the one of the same kind first). For each field,
  precision is the share of drafts (or of drafted figures, actors) that are right, and
  recall the share of coded ones that were drafted right. Time is right when it names
  the same span of days (qualifiers aside); a figure when name and number agree; an
  actor when the name agrees.
- The seed: a curated occurrence is covered when some draft has its kind and its span of
  days and its sentence shares a word with the curated title or summary.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from domain.drafting import Draft, Drafter
from domain.occurred import parse_occurred

HERE = Path(__file__).parent
SEEDS = HERE.parents[1] / "seeds"
FIELDS = ("detection", "kind", "time", "figures", "actors")


@dataclass
class Score:
    right_drafted: int = 0
    drafted: int = 0
    right_coded: int = 0
    coded: int = 0

    @property
    def precision(self) -> float:
        return self.right_drafted / self.drafted if self.drafted else 1.0

    @property
    def recall(self) -> float:
        return self.right_coded / self.coded if self.coded else 1.0


def days(edtf: str) -> tuple[date, date]:
    occurred = parse_occurred(edtf)
    return occurred.start.date(), occurred.end.date()


def _draft(file: str, published_at: str) -> tuple[str, list[Draft]]:
    text = (HERE / "articles" / file).read_text()
    return text, Drafter().draft(text, datetime.fromisoformat(published_at.replace("Z", "+00:00")))


def _match(text: str, drafts: list[Draft], coded: list[dict[str, Any]]) -> list[Draft | None]:
    used: set[int] = set()
    matched: list[Draft | None] = []
    for item in coded:
        at = text.find(item["phrase"])
        assert at >= 0, f"phrase not in the article: {item['phrase']!r}"
        holding = [
            i for i, d in enumerate(drafts) if i not in used and d.evidence["start"] <= at < d.evidence["end"]
        ]
        holding.sort(key=lambda i: drafts[i].occurrence["kind"] != item["kind"])
        matched.append(drafts[holding[0]] if holding else None)
        used.update(holding[:1])
    return matched


def evaluate() -> dict[str, Score]:
    scores = {name: Score() for name in FIELDS}
    for article in json.loads((HERE / "gold.json").read_text())["articles"]:
        text, drafts = _draft(article["file"], article["published_at"])
        coded = article["occurrences"]
        _count(scores, drafts, coded, _match(text, drafts, coded))
    return scores


def _count(
    scores: dict[str, Score], drafts: list[Draft], coded: list[dict[str, Any]], matched: list[Draft | None]
) -> None:
    scores["detection"].drafted += len(drafts)
    for name in ("kind", "time"):
        scores[name].drafted += len(drafts)
    scores["figures"].drafted += sum(len(d.occurrence["figures"]) for d in drafts)
    scores["actors"].drafted += sum(len(d.occurrence["actors"]) for d in drafts)
    for item, draft in zip(coded, matched, strict=True):
        for name in FIELDS:
            scores[name].coded += len(item[name]) if name in ("figures", "actors") else 1
        if draft is None:
            continue
        occurrence = draft.occurrence
        right = {
            "detection": 1,
            "kind": int(occurrence["kind"] == item["kind"]),
            "time": int(days(occurrence["occurred"]) == days(item["occurred"])),
            "figures": sum(occurrence["figures"].get(k) == v for k, v in item["figures"].items()),
            "actors": len(
                {a.lower() for a in item["actors"]} & {a["name"].lower() for a in occurrence["actors"]}
            ),
        }
        for name, count in right.items():
            scores[name].right_drafted += count
            scores[name].right_coded += count


def _words(text: str) -> set[str]:
    return {w[:6] for w in re.findall(r"[a-z]{5,}", text.lower())}


def seed_coverage() -> tuple[int, int, list[str]]:
    """Curated occurrences of the seed drafted with their kind and span of days: (covered, all, missed)."""
    curated = json.loads((SEEDS / "occurrences.json").read_text())
    text = (SEEDS / curated["article"]).read_text()
    drafts = Drafter().draft(text, datetime.fromisoformat(curated["published"] + "T12:00:00+00:00"))
    missed = []
    for item in curated["occurrences"]:
        words = _words(item["title"] + " " + item["summary"])
        covered = any(
            d.occurrence["kind"] == item["kind"]
            and days(d.occurrence["occurred"]) == days(item["occurred"])
            and _words(d.occurrence["summary"]) & words
            for d in drafts
        )
        if not covered:
            missed.append(item["key"])
    return len(curated["occurrences"]) - len(missed), len(curated["occurrences"]), missed


def table(scores: dict[str, Score]) -> str:
    lines = ["| field | precision | recall |", "| --- | --- | --- |"]
    lines += [f"| {name} | {s.precision:.2f} | {s.recall:.2f} |" for name, s in scores.items()]
    return "\n".join(lines)


if __name__ == "__main__":
    covered, total, missed = seed_coverage()
    print(f"seed: {covered} of {total} curated occurrences ({covered / total:.0%}); missed: {missed}")
    print(table(evaluate()))
