"""`newsline rebuild` in several processes: the timeline by partitions of the occurrences.

Each child process builds the timeline rows of one partition (a range of
occurrence ids, `projections.partitions`), reading only that partition's
events and committing each batch with its own tracking position, while this
process builds the story catalogue. Once every partition has reached the
head, the partitions' positions are merged into the view's own in one
transaction: from then on the view reads as if one runner had built it, and
`newsline serve` or `worker` carry on from the head. A rebuild stopped before
that leaves the view's position at 0: run the rebuild again.
"""

from __future__ import annotations

import gc
import multiprocessing
import time
from collections.abc import Callable, Sequence
from multiprocessing.process import BaseProcess
from multiprocessing.synchronize import Barrier
from typing import cast
from uuid import UUID

from eventsourcing.postgres import PostgresApplicationRecorder

from adapters import logs
from newsline.bootstrap import Newsline, build
from newsline.settings import Settings
from projections.partitions import TRACKING_PREFIX, Partition, partitions, select_notifications
from projections.runner import ProjectionGroup, ViewSpec
from projections.stories import StoryProjection
from projections.timeline import PositionedRevision, TimelineProjection
from projections.timeline.stored import revision_of

# How long the children may take to start (imports, connections) before the rebuild gives up.
STARTING_SECONDS = 300


def rebuild_in_partitions(newsline: Newsline, head: int, count: int, progress: Callable[[int], None]) -> None:
    """Build the (emptied) views up to `head` with `count` processes for the timeline."""
    settings = newsline.settings.model_copy(update={"database_url": newsline.database_url()})
    context = multiprocessing.get_context("spawn")
    started = context.Barrier(count + 1, timeout=STARTING_SECONDS)
    children = [
        context.Process(
            target=_build_partition,
            args=(settings, partition, head, started),
            name=f"newsline-rebuild-{partition.index + 1}",
            daemon=True,
        )
        for partition in partitions(count)
    ]
    for child in children:
        child.start()
    # A Newsline creates its views' tables and indexes as it starts: once every
    # child has, drop the indexes only reads use again, before any row is written.
    started.wait()
    newsline.timeline.drop_reader_indexes()
    started.wait()
    story_spec = ViewSpec(StoryProjection(newsline.stories))
    stories = ProjectionGroup([story_spec], newsline.app, settings.projection_batch_size)
    stories.start()
    try:
        while any(child.exitcode is None for child in children) or newsline.stories.position() < head:
            _check(children)
            reached = [newsline.stories.position(), *newsline.timeline.positions(TRACKING_PREFIX)]
            progress(min(reached) if len(reached) == count + 1 else 0)
            time.sleep(0.25)
    finally:
        stories.stop()
        for child in children:
            if child.is_alive():
                child.terminate()
            child.join()
    _check(children)
    newsline.timeline.join_positions(TRACKING_PREFIX, head)


def _check(children: Sequence[BaseProcess]) -> None:
    failed = [child.name for child in children if child.exitcode not in (None, 0)]
    if failed:
        raise RuntimeError(f"rebuilding stopped in {', '.join(failed)}; run the rebuild again")


def _build_partition(settings: Settings, partition: Partition, head: int, started: Barrier) -> None:
    """The child: the timeline rows of one partition, up to `head`."""
    logs.configure(settings.log_format)
    newsline = build(settings, run_projections=False, role="rebuild")
    gc.freeze()  # what outlives the partition leaves the cycle collector's sight (see `newsline rebuild`)
    started.wait()  # started; the parent drops the reader indexes
    started.wait()
    try:
        view, app = newsline.timeline, newsline.app
        view.track_as(partition.tracking_name)
        view.writer.hold_entities()
        projection = TimelineProjection(view)
        batch_size, recorder = settings.projection_batch_size, app.recorder
        assert isinstance(recorder, PostgresApplicationRecorder)
        position = view.position()
        # Windows of the log holding about a batch of this partition's events.
        window = batch_size * partition.count
        while position < head:
            through = min(position + window, head)
            notifications = select_notifications(recorder, partition, position, through, projection.topics)
            revisions = [
                PositionedRevision(n.id, cast(UUID, n.originator_id), revision_of(n, app.mapper))
                for n in notifications
            ]
            view.writer.record_revisions(revisions, through)
            position = through
        view.writer.write_held_entities()
    finally:
        newsline.close()
