"""`python -m bench.replica_lag [--writes N] [--writers W]`: how long after a write is
answered a hot standby's views hold it.

A primary and a streaming standby (`tests/standby.py`), a Newsline on the
primary running its views, and W threads writing occurrences one after
another through the application service, each write answered once the
primary's views hold it (as the API answers). For each write, the time from
that answer until the standby's views reach its position, read with the
statement the API's read router uses (`View.position_statement`).
Percentiles are printed; nothing is asserted.
"""

from __future__ import annotations

import argparse
import statistics
import threading
import time
from datetime import UTC, datetime

import psycopg

from domain.commands import ReportOccurrence
from domain.service import Request
from newsline.bootstrap import build
from newsline.settings import Settings
from tests.standby import hot_standby

BODY = {"kind": "statement", "title": "Lag probe", "occurred": "2014-05-19", "source": {"name": "bench"}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--writes", type=int, default=200, help="writes per writer")
    parser.add_argument("--writers", type=int, default=1, help="concurrent writers")
    args = parser.parse_args()
    with hot_standby() as pair:
        settings = Settings(database_url=pair.primary_url, database_schema="lag")
        newsline = build(settings, run_projections=True, role="bench")
        lags: list[float] = []
        try:
            statement = newsline.timeline.position_statement()

            def write() -> None:
                with psycopg.connect(pair.standby_url, autocommit=True) as standby:
                    for _ in range(args.writes):
                        command = ReportOccurrence.from_body(BODY, datetime.now(UTC))
                        position = newsline.app.report(command, Request(by="bench")).position
                        assert position is not None and newsline.wait_for_views(position)
                        answered = time.monotonic()
                        while (row := standby.execute(statement).fetchone()) is None or row[0] < position:
                            time.sleep(0.0005)
                        lags.append((time.monotonic() - answered) * 1000)

            writers = [threading.Thread(target=write) for _ in range(args.writers)]
            for writer in writers:
                writer.start()
            for writer in writers:
                writer.join()
        finally:
            newsline.close()
    cuts = statistics.quantiles(lags, n=100)
    print(
        f"{len(lags)} writes by {args.writers} writer(s): the standby's views held each"
        f" {statistics.median(lags):.1f} ms after its answer at the median,"
        f" p95 {cuts[94]:.1f} ms, p99 {cuts[98]:.1f} ms, worst {max(lags):.1f} ms"
    )


if __name__ == "__main__":
    main()
