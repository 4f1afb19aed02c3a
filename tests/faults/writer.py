"""A writer process for the fault tests: `python -m tests.faults.writer URL SCHEMA NAME COUNT`.

Reports COUNT occurrences and amends each twice, through the application
service, then prints nothing; its exit status says whether every write landed.
"""

from __future__ import annotations

import sys

from domain.commands import AmendOccurrence, ReportOccurrence
from domain.service import Request
from newsline.bootstrap import build
from tests.conftest import settings_for
from tests.unit.test_service import fields


def main(url: str, schema: str, name: str, count: int) -> None:
    newsline = build(settings_for(url, schema), run_projections=False)
    try:
        writer = Request(by=name)
        for index in range(count):
            written = newsline.app.report(
                ReportOccurrence.from_body(fields(title=f"{name} #{index}")), writer
            )
            for amendment in range(2):
                newsline.app.amend(
                    AmendOccurrence.from_body(written.id, {"figures": {name: amendment}, "reason": "count"}),
                    writer,
                )
    finally:
        newsline.close()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]))
