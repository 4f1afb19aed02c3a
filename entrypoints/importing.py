"""`newsline import`: stories, occurrences and revisions from NDJSON, one per line.

The line format is `adapters.ndjson`'s. Lines are written in batches, each
batch in one transaction, and a bad line is reported with its number while
the good ones are kept. Reading a line into its command (parsing, checking,
fingerprinting) depends on the line alone, so `newsline import` reads in a
process of its own, a few batches ahead of the one writing. Importing the
same file twice writes nothing the second time: a story or an occurrence
with a known id is compared with what is stored, and every other line
carries an idempotency key (its own, or one derived from its content).
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import os
import threading
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from uuid import UUID

from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError

from adapters import ndjson
from adapters.aggregates import load_aggregates
from adapters.write_batch import WriteBatch
from domain.commands import AmendOccurrence, LinkOccurrence, ReportOccurrence
from domain.errors import Conflict, NewslineError
from domain.idempotency import IdempotencyKey
from domain.kind import AddedKind
from domain.service import NewslineApplication, Written, occurrence_id_for_key
from domain.story import Story
from entrypoints import stopping

# Lines per transaction: large enough to amortise the commit and the lookups.
BATCH_LINES = 1000
# Aggregates remembered between batches, so revisions find their occurrence
# without a query; bounded so that memory stays flat.
KNOWN_LIMIT = 100_000
# Batches a reader process may read ahead of the writing: enough to keep it
# busy, few enough that memory stays flat.
READ_AHEAD = 2

_LINE_ERRORS = (NewslineError, ValueError, KeyError, TypeError)
# A line as read: its command, or why it has none.
_Read = ndjson.Line | ndjson.StoryLine | ndjson.KindLine | str


@dataclass
class ImportReport:
    written: int = 0
    replayed: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)
    last_position: int | None = None


@dataclass(frozen=True)
class _Line:
    number: int
    text: str


def import_file(
    app: NewslineApplication,
    path: Path,
    *,
    batch_lines: int = BATCH_LINES,
    progress: Callable[[int], None] = lambda done: None,
    reader_process: bool = False,
) -> ImportReport:
    """Import every line of `path`; `progress` is told the bytes read so far.

    With `reader_process`, lines are read into commands in a process of
    their own (on another core), with the same outcome line by line.
    """
    report = ImportReport()
    known: OrderedDict[UUID, Aggregate | None] = OrderedDict()
    try:
        with _reader(reader_process) as read:
            _import_batches(app, read(_batches(path, batch_lines, report)), known, report, progress)
    finally:
        gc.unfreeze()
    return report


def _import_batches(
    app: NewslineApplication,
    batches: Iterable[tuple[list[_Line], list[_Read], int]],
    known: OrderedDict[UUID, Aggregate | None],
    report: ImportReport,
    progress: Callable[[int], None],
) -> None:
    for lines, items, done in batches:
        saved = _import_batch(app, list(zip((line.number for line in lines), items, strict=True)), known)
        if saved is None:  # a concurrent writer got in the way: one line at a time
            known.clear()
            saved = [_outcome(app, line) for line in lines], None
        outcomes, position = saved
        for number, outcome in outcomes:
            _tally(report, number, outcome)
        report.last_position = position or report.last_position
        while len(known) > KNOWN_LIMIT:
            known.popitem(last=False)
        # What outlives a batch (mostly the aggregates remembered) leaves the
        # garbage collector's sight: otherwise each full collection walks all
        # of them again, and a million-line import spends a fifth of its time
        # there, more the longer it runs. They hold no reference cycles, so
        # reference counting still frees them when they are forgotten.
        gc.freeze()
        progress(done)


_Reading = Callable[[Iterable[tuple[list[_Line], int]]], Iterator[tuple[list[_Line], list[_Read], int]]]


@contextlib.contextmanager
def _reader(separate: bool) -> Iterator[_Reading]:
    """Batches of lines in, the same batches read out: here, or in a process of their own."""
    if not separate:
        yield lambda batches: (
            (lines, read_lines([line.text for line in lines]), done) for lines, done in batches
        )
        return
    context = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(1, mp_context=context, initializer=_reader_started)

    def read(batches: Iterable[tuple[list[_Line], int]]) -> Iterator[tuple[list[_Line], list[_Read], int]]:
        ahead: deque[tuple[list[_Line], Future[list[_Read]], int]] = deque()
        batches = iter(batches)
        first = next(batches, None)
        for lines, done in batches:
            ahead.append((lines, pool.submit(read_lines, [line.text for line in lines]), done))
            if first is not None and len(ahead) == READ_AHEAD:
                # The reader process takes a second to start: read the first batch here meanwhile.
                yield first[0], read_lines([line.text for line in first[0]]), first[1]
                first = None
            if len(ahead) > READ_AHEAD:
                lines, future, done = ahead.popleft()
                yield lines, future.result(), done
        if first is not None:
            yield first[0], read_lines([line.text for line in first[0]]), first[1]
        while ahead:
            lines, future, done = ahead.popleft()
            yield lines, future.result(), done

    try:
        yield read
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _reader_started() -> None:
    # The reader holds a batch at a time: what it imported stays out of the cycle
    # collector's sight. It ends with the import, even one killed outright (a
    # pool's worker would otherwise wait for work forever).
    gc.freeze()
    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(target=_end_with, args=(parent,), name="reader-parent", daemon=True).start()


def _end_with(parent: multiprocessing.process.BaseProcess) -> None:
    parent.join()  # returns once the importing process has ended
    os._exit(1)


def read_lines(texts: list[str]) -> list[_Read]:
    """Each line's command (or why it has none), fingerprinted: what depends on the line alone."""
    items = [_read(text) for text in texts]
    for item in items:
        if isinstance(item, ndjson.Line):
            # Kept with the command for its idempotency key; a failure is raised
            # again, where it always was, when the key is written.
            with contextlib.suppress(Exception):
                item.command.fingerprint()
    return items


def _batches(path: Path, size: int, report: ImportReport) -> Iterator[tuple[list[_Line], int]]:
    batch: list[_Line] = []
    done = 0
    with path.open("rb") as file:
        for number, raw in enumerate(file, start=1):
            done += len(raw)
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as error:
                report.errors.append((number, f"not UTF-8 ({error.reason} at byte {error.start})"))
                continue
            if text.strip():
                batch.append(_Line(number, text))
            if len(batch) == size:
                yield batch, done
                batch = []
    yield batch, done


def _import_batch(
    app: NewslineApplication, items: Sequence[tuple[int, _Read]], known: OrderedDict[UUID, Aggregate | None]
) -> tuple[list[tuple[int, Written | str]], int | None] | None:
    """Write a batch of lines read in one transaction: each line's outcome, and the batch's position."""
    wanted = {id_ for _, item in items if not isinstance(item, str) for id_ in _ids_read(item)}
    known.update(load_aggregates(app, [id_ for id_ in wanted if id_ not in known]))
    batch = WriteBatch(app, app.writes, known)
    outcomes = [(number, _apply(app, item, batch)) for number, item in items]
    try:
        position = batch.commit()
    except IntegrityError:
        return None
    return outcomes, position


def _outcome(app: NewslineApplication, line: _Line) -> tuple[int, Written | str]:
    return line.number, _apply(app, _read(line.text), None)


def _tally(report: ImportReport, number: int, outcome: Written | str) -> None:
    if isinstance(outcome, str):
        report.errors.append((number, outcome))
    elif outcome.replayed:
        report.replayed += 1
    else:
        report.written += 1
        report.last_position = outcome.position or report.last_position


def _read(text: str) -> _Read:
    try:
        return ndjson.read(text)
    except ndjson.NotALine as error:
        stopping.stop_if_asked()
        return str(error)
    except _LINE_ERRORS as error:
        return _error(error)


def _error(error: Exception) -> str:
    stopping.stop_if_asked()  # a SIGTERM that a library wrapped is no bad line
    return f"{type(error).__name__}: {error}"


def _ids_read(item: ndjson.Line | ndjson.StoryLine | ndjson.KindLine) -> Iterator[UUID]:
    """The aggregates a line will read, to fetch a whole batch's in one query."""
    if isinstance(item, ndjson.StoryLine):
        yield Story.create_id(str(item.story.get("slug")))
        return
    if isinstance(item, ndjson.KindLine):
        yield AddedKind.create_id(item.command.kind)
        return
    command, key = item.command, item.request.idempotency_key
    if key is not None:
        yield IdempotencyKey.create_id(key)
        if isinstance(command, ReportOccurrence):  # a report's id may come from its key
            yield occurrence_id_for_key(key)
    if isinstance(command, ReportOccurrence):
        if command.occurrence_id is not None:
            yield command.occurrence_id
        yield from (UUID(relation["target"]) for relation in command.fields["relations"])
        slugs = command.fields["stories"]
    else:
        yield command.occurrence_id
        if isinstance(command, LinkOccurrence):
            yield command.target
        slugs = command.patch.get("stories") or [] if isinstance(command, AmendOccurrence) else []
    yield from (Story.create_id(slug) for slug in slugs)


def _apply(app: NewslineApplication, item: _Read, batch: WriteBatch | None) -> Written | str:
    if isinstance(item, str):
        return item
    try:
        if isinstance(item, ndjson.StoryLine):
            return _import_story(app, item, batch)
        if isinstance(item, ndjson.KindLine):
            return _import_kind(app, item, batch)
        return app.handle(item.command, item.request, unit=batch)
    except _LINE_ERRORS as error:
        return _error(error)


def _import_story(app: NewslineApplication, line: ndjson.StoryLine, batch: WriteBatch | None) -> Written:
    existing = app.find_story(str(line.story.get("slug")), batch)
    if existing is None:
        return app.create_story(line.command(), line.request, batch)
    if line.states(existing.title, existing.description):
        return Written(existing.id, existing.version, None, replayed=True)
    raise Conflict(f"story {existing.slug!r} already exists with another title or description")


def _import_kind(app: NewslineApplication, line: ndjson.KindLine, batch: WriteBatch | None) -> Written:
    command = line.command
    existing = (batch or app.writes).get(AddedKind.create_id(command.kind))
    if not isinstance(existing, AddedKind):
        return app.add_kind(command, line.request, batch)
    stated = (existing.description, existing.cameo, existing.plover)
    if stated == (command.description, command.cameo, command.plover):
        return Written(existing.id, existing.version, None, replayed=True)
    raise Conflict(f"kind {command.kind!r} already exists with another description or codes")
