"""`python -m bench.drafting`: how long a 5,000-word article takes to draft.

The article is the seed and the evaluation set's articles, repeated until it has
5,000 words (about 200 sentences). Beside it, in the same run, a library's
pass over the same text: pysbd splitting it into sentences (the drafter itself
calls pysbd only on paragraphs with more than one sentence). The drafts are timed
after one warm-up (dateparser loads its language data on first use), median of five runs.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pysbd

from domain.drafting import Drafter

ROOT = Path(__file__).resolve().parents[1]
WORDS = 5000


def article(words: int = WORDS) -> str:
    texts = [(ROOT / "seeds" / "2014-05-19-putin-orders-troops-back.txt").read_text()]
    texts += [path.read_text() for path in sorted((ROOT / "tests" / "drafting" / "articles").glob("*.txt"))]
    parts: list[str] = []
    while sum(len(part.split()) for part in parts) < words:
        parts.append(texts[len(parts) % len(texts)])
    return "\n\n".join(parts)


def median_seconds(work: Callable[[], object], runs: int = 5) -> float:
    work()
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        timings.append(time.perf_counter() - start)
    return statistics.median(timings)


def main() -> None:
    text = article()
    published = datetime(2014, 5, 19, 12, tzinfo=UTC)
    drafter = Drafter()
    drafting = median_seconds(lambda: drafter.draft(text, published))
    segmenter = pysbd.Segmenter(language="en", clean=False, char_span=True)
    splitting = median_seconds(lambda: segmenter.segment(text))
    count = len(drafter.draft(text, published))
    print("| line | seconds | ratio to its baseline |")
    print("| --- | --- | --- |")
    words = len(text.split())
    print(
        f"| draft a {words:,}-word article ({count} drafts) | {drafting:.3f} | {drafting / splitting:.1f}x |"
    )
    print(f"| baseline: its sentences with pysbd | {splitting:.3f} | 1.0x |")


if __name__ == "__main__":
    main()
