"""A rebuild's fold and row computation spread over forked worker processes, by stream.

A year's rebuild is mostly Python: decoding and folding some 800,000 events, then
computing 450,000 clocks and their rows. A stream folds on its own, so the parent reads
the notification log (through the recorder, as a serial rebuild does) and deals each row
to a worker by its stream id; each worker folds its streams with the application's
mapper (`FactsFolder`), computes their rows with the functions a serial rebuild calls
(`projections.rows`), and sends them back; the parent inserts them in its one
transaction. The rows are those of a serial rebuild, inserted in another order.

Only where it is safe and pays: `fork`, in a process running no other thread (a forked
child inherits locks in whatever state other threads left them, and Python 3.12 warns
about it), with more than one CPU. A worker never touches the database: the parent's
connections, inherited by the fork, are frozen out of the child's garbage collector so
that it never closes them. If a worker stops before sending all its rows, the caller
rebuilds serially, which raises the error a serial rebuild raises, or succeeds.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import signal
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import suppress
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from types import TracebackType
from typing import Any, Final

from casetrack.eventstore import DossierMapper, FactsFolder, Folded
from casetrack.eventstore.records import LogRow
from projections.rows import RowBatch

#: The rows of some dossiers, as `projections.rows.row_batches` gives them.
Batch = RowBatch
RowsOf = Callable[[Iterable[Folded]], Iterator[Batch]]
#: Beyond this, the parent's reading and inserting bound the rebuild anyway.
MAX_WORKERS: Final = 4
#: What a worker sends when it fails: the parent then rebuilds serially.
_FAILED: Final = "failed"


class WorkerStopped(Exception):
    """A worker stopped before sending all its rows (an error of its own, or a kill)."""


def can_fork() -> bool:
    """Whether this process may fork workers: `fork` exists and no other thread runs."""
    return "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1


def worker_count() -> int:
    """How many workers a rebuild may fork here; 0 when it must fold serially."""
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    cpus = cpus or 1
    return min(cpus, MAX_WORKERS) if cpus > 1 and can_fork() else 0


class ShardedFold:
    """Worker processes folding the streams dealt to them; use as a context manager."""

    def __init__(self, mapper: DossierMapper, rows_of: RowsOf, count: int) -> None:
        self.mapper, self.rows_of, self.count = mapper, rows_of, count
        self.pipes: list[Connection] = []
        self.processes: list[BaseProcess] = []
        #: Dossiers folded, once `batches` has given every row.
        self.dossiers = 0

    def __enter__(self) -> ShardedFold:
        context = multiprocessing.get_context("fork")
        # Objects alive now, the parent's database connections among them, stay out of
        # the workers' garbage collection: a worker must never close them.
        gc.freeze()
        try:
            for _ in range(self.count):
                ours, theirs = context.Pipe()
                self.pipes.append(ours)
                process = context.Process(
                    target=_work,
                    args=(theirs, list(self.pipes), self.mapper, self.rows_of),
                    daemon=True,
                )
                process.start()
                theirs.close()  # the worker's end only: its death then reads as EOF here
                self.processes.append(process)
        except OSError as error:  # no fork (memory, process limit): fold serially
            self.__exit__(type(error), error, error.__traceback__)
            raise WorkerStopped from error
        finally:
            gc.unfreeze()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        for pipe in self.pipes:
            pipe.close()
        for process in self.processes:
            if exc is not None:
                process.terminate()  # an error or Ctrl-C here: no worker outlives it
            process.join()

    def deal(self, rows: Iterable[LogRow]) -> None:
        """Send each row to the worker of its stream."""
        shares: list[list[tuple[Any, ...]]] = [[] for _ in self.pipes]
        for row in rows:
            shares[hash(row[1]) % self.count].append(tuple(row))
        try:
            for pipe, share in zip(self.pipes, shares, strict=True):
                pipe.send(share)
        except OSError as error:  # a worker gone: BrokenPipeError, ConnectionResetError
            raise WorkerStopped from error

    def batches(self) -> Iterator[Batch]:
        """Every worker's rows, as they come, once the whole log is dealt."""
        try:
            for pipe in self.pipes:
                pipe.send(None)
        except OSError as error:
            raise WorkerStopped from error
        live = list(self.pipes)
        while live:
            ready = wait(live)
            for pipe in [p for p in live if p in ready]:
                try:
                    message = pipe.recv()
                except EOFError:
                    raise WorkerStopped from None
                if message == _FAILED:
                    raise WorkerStopped
                if isinstance(message, int):  # the worker's last message: its dossiers
                    self.dossiers += message
                    live.remove(pipe)
                else:
                    yield message


def _work(
    pipe: Connection, parents: list[Connection], mapper: DossierMapper, rows_of: RowsOf
) -> None:
    """A worker: fold the rows dealt until None, then send the rows of every dossier."""
    # Ctrl-C reaches the whole process group: the parent handles it and stops workers.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # The parent's ends, inherited by the fork: closed, a parent killed outright then
    # reads as EOF here and the worker ends instead of waiting forever.
    for end in parents:
        end.close()
    try:
        folder = FactsFolder(mapper, versions=True)
        while (rows := pipe.recv()) is not None:
            folder.apply_rows(rows)
        for batch in rows_of(folder.results()):
            pipe.send(batch)
        pipe.send(len(folder.states))
    except Exception:
        # The parent rebuilds serially, which raises this error itself in its own words;
        # if the parent is gone, there is no one to tell.
        with suppress(OSError):
            pipe.send(_FAILED)
