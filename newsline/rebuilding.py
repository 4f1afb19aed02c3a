"""`newsline rebuild` in several processes: the timeline by partitions of the occurrences.

Each child process builds the timeline rows of one partition (a range of
occurrence ids, `projections.partitions`), reading only that partition's
events and committing each batch with its own tracking position, while this
process builds the story catalogue. Once every partition has reached the
head, the partitions' positions are merged into the view's own in one
transaction: from then on the view reads as if one runner had built it, and
`newsline serve` or `worker` carry on from the head. A rebuild stopped before
that leaves the view's position at 0: run the rebuild again.

`newsline rebuild --online` builds the same way, into fresh views beside the
served ones (projections.blue_green), follows the log to its head with them,
and then puts them in place in one transaction, while every other Newsline
process keeps running.
"""

from __future__ import annotations

import gc
import logging
import multiprocessing
import os
import threading
import time
from collections.abc import Callable, Sequence
from multiprocessing.process import BaseProcess
from multiprocessing.synchronize import Barrier
from typing import Any, cast
from uuid import UUID

from eventsourcing.postgres import PostgresApplicationRecorder

from adapters import database, logs
from newsline.bootstrap import Newsline, build, views_in
from newsline.settings import Settings
from projections import blue_green
from projections.base import BatchProjection, projected_view
from projections.partitions import TRACKING_PREFIX, Partition, partitions, select_notifications
from projections.runner import ProjectionGroup, ViewSpec, follow
from projections.stories import StoryProjection, StoryView
from projections.timeline import PositionedRevision, TimelineProjection, TimelineView
from projections.timeline.stored import revision_of

log = logging.getLogger(__name__)

# How long the children may take to start (imports, connections) before the rebuild gives up.
STARTING_SECONDS = 300


def rebuild_in_partitions(
    newsline: Newsline,
    head: int,
    count: int,
    progress: Callable[[int], None],
    views: tuple[TimelineView, StoryView] | None = None,
) -> None:
    """Build the (emptied) views up to `head` with `count` processes for the timeline:
    the served views, or the given ones (the fresh views of an online rebuild)."""
    timeline, story_view = views or (newsline.timeline, newsline.stories)
    schema = timeline.datastore.schema if views else None
    settings = newsline.settings.model_copy(update={"database_url": newsline.database_url()})
    context = multiprocessing.get_context("spawn")
    started = context.Barrier(count + 1, timeout=STARTING_SECONDS)
    children = [
        context.Process(
            target=_build_partition,
            args=(settings, partition, head, started, schema),
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
    timeline.drop_reader_indexes()
    started.wait()
    stories = ProjectionGroup(
        [ViewSpec(StoryProjection(story_view))], newsline.app, settings.projection_batch_size
    )
    stories.start()
    try:
        while any(child.exitcode is None for child in children) or story_view.position() < head:
            _check(children)
            reached = [story_view.position(), *timeline.positions(TRACKING_PREFIX)]
            progress(min(reached) if len(reached) == count + 1 else 0)
            time.sleep(0.25)
    finally:
        stories.stop()
        for child in children:
            if child.is_alive():
                child.terminate()
            child.join()
    _check(children)
    timeline.join_positions(TRACKING_PREFIX, head)


def _check(children: Sequence[BaseProcess]) -> None:
    failed = [child.name for child in children if child.exitcode not in (None, 0)]
    if failed:
        raise RuntimeError(f"rebuilding stopped in {', '.join(failed)}; run the rebuild again")


def _build_partition(
    settings: Settings, partition: Partition, head: int, started: Barrier, schema: str | None
) -> None:
    """The child: the timeline rows of one partition, up to `head`, in the served
    views or in those of `schema` (an online rebuild's)."""
    logs.configure(settings.log_format)
    newsline = build(settings, run_projections=False, role="rebuild")
    view = views_in(newsline, schema, connections=2)[0] if schema else newsline.timeline
    gc.freeze()  # what outlives the partition leaves the cycle collector's sight (see `newsline rebuild`)
    started.wait()  # started; the parent drops the reader indexes
    started.wait()
    try:
        app = newsline.app
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
        if view is not newsline.timeline:
            view.datastore.close()
        newsline.close()


def rebuild_online(newsline: Newsline, progress: Callable[[int], None], processes: int | None = None) -> int:
    """Build fresh views beside the served ones, follow the log with them, and put
    them in place in one transaction (projections.blue_green); the position
    they held then. Every other process keeps serving meanwhile."""
    schema = newsline.datastore.schema
    blue_green.make_room(newsline.datastore, schema)
    timeline, stories = views_in(newsline, blue_green.fresh_schema(schema), connections=4)
    projections: list[BatchProjection[Any]] = [TimelineProjection(timeline), StoryProjection(stories)]
    fresh = [projected_view(projection) for projection in projections]
    # The story runner of a rebuild in partitions, with its listener, and the switch's transaction.
    database.grow_pool(newsline.datastore, 2)
    try:
        for view in fresh:
            view.drop_reader_indexes()  # built once the rows are in: quicker than row by row
        head = newsline.head()
        count = processes or os.cpu_count() or 1
        if count > 1:
            rebuild_in_partitions(newsline, head, count, progress, views=(timeline, stories))
        else:
            _follow(projections, newsline, head, progress)
        for view in fresh:
            view.create_reader_indexes()
            view.vacuum()
        # The log grew meanwhile: follow it with the indexes in place, as runners do,
        # until a batch at most is left for the switch to apply while runners wait.
        while (
            newsline.head() - min(view.position() for view in fresh) > newsline.settings.projection_batch_size
        ):
            _follow(projections, newsline, newsline.head(), progress)

        def catch_up(through: int) -> None:
            _follow(projections, newsline, through, progress)

        position = blue_green.switch(newsline.views, fresh, newsline.head, catch_up)
    except BaseException:
        timeline.datastore.close()
        try:
            blue_green.drop_leftovers(newsline.datastore, schema)  # the fresh views, half built
        except Exception as error:  # the rebuild's own failure is what to report
            log.warning("the fresh views were left in %s (%s)", blue_green.fresh_schema(schema), error)
        raise
    timeline.datastore.close()
    blue_green.drop_leftovers(newsline.datastore, schema)
    progress(position)
    return position


def _follow(
    projections: list[BatchProjection[Any]],
    newsline: Newsline,
    through: int,
    progress: Callable[[int], None],
) -> None:
    """Apply the log up to `through` to each projection's view, here and now, a
    stretch of the log at a time so that `progress` moves."""
    never = threading.Event()
    batch_size = newsline.settings.projection_batch_size
    views = [projected_view(projection) for projection in projections]
    reached = min(view.position() for view in views)
    while reached < through:
        reached = min(reached + batch_size * 20, through)
        for projection in projections:
            follow(projection, newsline.app, lambda seconds: None, never, batch_size, until=reached)
        progress(reached)
