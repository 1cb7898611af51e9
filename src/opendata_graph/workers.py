"""Queries where they can be stopped: worker processes, killed at the deadline and replaced.

pyoxigraph cannot cancel a running query, and a query can use all of a machine's memory; so the endpoint never
evaluates one in its own process. Each query is checked (:func:`opendata_graph.querycheck.check`: size, depth,
SERVICE, updates) and then sent to a worker process that opened the release's on-disk store read-only, parses it
with a real SPARQL parser (:func:`opendata_graph.querycheck.parse`), evaluates and renders it under an address
space limit, and answers with the bytes to send.

Two lanes keep short queries fast while long ones run:

* the **fast lane** (``fast`` workers, normal priority): every query starts here, with a budget of ``budget``
  seconds;
* the **slow lane** (``slow`` workers, ``nice`` 10): a query past its budget moves there -- its worker is lowered
  in priority and a fresh fast worker takes its place -- and runs until the time limit, when its worker is killed.
  With the slow lane full, a query past its budget is stopped (503). A query that went over its budget once is
  remembered (by its text) and goes straight to the slow lane, so repeating a heavy query cannot occupy the fast
  lane.

Workers are forked from a server process that has already imported pyoxigraph and the parser
(``multiprocessing``'s forkserver), so replacing a killed one costs milliseconds, not an interpreter start.
"""

from __future__ import annotations

import contextlib
import hashlib
import multiprocessing
import os
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from .querycheck import QueryRefused

#: Address space per worker (bytes): a query that needs more is stopped, not the machine.
DEFAULT_MEMORY = 4 << 30
_CONTEXT: Any = None
_CONTEXT_LOCK = threading.Lock()


def _context() -> Any:
    global _CONTEXT
    with _CONTEXT_LOCK:
        if _CONTEXT is None:
            ctx = multiprocessing.get_context("forkserver")
            ctx.set_forkserver_preload(["pyoxigraph", "opendata_graph.querycheck", "opendata_graph.sparql",
                                        "rdflib.plugins.sparql.parser"])
            _CONTEXT = ctx
        return _CONTEXT


@dataclass(frozen=True)
class Job:
    query: str
    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()
    base_iri: str | None = None
    accept: str | None = ""  #: the client's Accept header (results rendered), or None for rows (the query page)


def _work(conn: Connection, store_path: str, memory: int, max_results: int) -> None:
    """A worker's life: open the store read-only, then answer jobs until told to stop or killed."""
    import resource

    if memory:
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    from pyoxigraph import Store

    from .querycheck import parse
    from .sparql import Engine, render

    store = Store.read_only(store_path)
    engine = Engine(store, max_results=max_results)
    conn.send("ready")
    while True:
        try:
            job: Job | None = conn.recv()
        except EOFError:
            return
        if job is None:
            return
        try:
            parse(job.query)
            answer = engine.evaluate(job.query, list(job.default_graphs), list(job.named_graphs), job.base_iri)
            if job.accept is not None:
                from .sparql import choose

                media = choose(answer, job.accept)
                conn.send(("ok", media, render(answer, media)))
            else:
                conn.send(("rows", answer.kind, answer.boolean, list(answer.variables),
                           [[None if t is None else str(t) for t in row] for row in answer.rows],
                           [(str(t.subject), str(t.predicate), str(t.object)) for t in answer.triples]))
        except QueryRefused as exc:
            conn.send(("refused", exc.status, exc.message))
        except MemoryError:
            conn.send(("refused", 503, f"the query needs more than {memory >> 20:,} MB; narrow it"))


@dataclass(eq=False)
class Worker:
    process: Any
    conn: Connection

    def kill(self) -> None:
        try:
            self.process.kill()
            self.process.join(timeout=5)
        except (OSError, ValueError):
            pass
        self.conn.close()


@dataclass
class Pool:
    """The workers of one store; :meth:`run` is called from many threads at once."""

    store_path: Path
    timeout: float = 10.0
    max_results: int = 100_000
    fast: int = 3
    slow: int = 1
    budget: float = 0.25
    memory: int = DEFAULT_MEMORY
    _idle: list[Worker] = field(default_factory=list)
    _idle_slow: list[Worker] = field(default_factory=list)
    _slow_busy: int = 0
    _known_slow: OrderedDict[str, None] = field(default_factory=OrderedDict)
    _closed: bool = False

    def __post_init__(self) -> None:
        self._cond = threading.Condition()
        self._idle = [self._start() for _ in range(self.fast)]

    # -- workers ----------------------------------------------------------------------------------------------
    def _start(self) -> Worker:
        ctx = _context()
        parent, child = ctx.Pipe()
        process = ctx.Process(target=_work, args=(child, str(self.store_path), self.memory, self.max_results),
                              daemon=True, name="odg-query")
        process.start()
        child.close()
        if not parent.poll(60) or parent.recv() != "ready":
            process.kill()
            raise RuntimeError("a query worker did not start")
        return Worker(process, parent)

    def _replace_fast(self) -> None:
        """A fresh fast worker, started on a thread of its own (the caller is answering a request)."""
        def start() -> None:
            try:
                worker = self._start()
            except (RuntimeError, OSError):  # the lane runs one worker short; the next replacement tries again
                return
            with self._cond:
                if self._closed:
                    worker.kill()
                    return
                self._idle.append(worker)
                self._cond.notify_all()
        threading.Thread(target=start, daemon=True, name="odg-query-start").start()

    def close(self) -> None:
        with self._cond:
            self._closed = True
            workers = self._idle + self._idle_slow
            self._idle, self._idle_slow = [], []
        for w in workers:
            w.kill()

    # -- running ----------------------------------------------------------------------------------------------
    def run(self, job: Job) -> tuple[Any, ...]:
        """The worker's answer to ``job`` (``("ok", media, body)`` or ``("rows", ...)``), or :class:`QueryRefused`."""
        key = hashlib.sha256(job.query.encode("utf-8")).hexdigest()
        deadline = time.monotonic() + self.timeout
        with self._cond:
            known_slow = key in self._known_slow
        if known_slow:
            return self._run_slow(job, deadline)
        worker = self._take_fast(deadline)
        with self._cond:  # the same query may have gone over its budget while this one waited
            known_slow = key in self._known_slow
            if known_slow:
                self._idle.append(worker)
                self._cond.notify_all()
        if known_slow:
            return self._run_slow(job, deadline)
        worker.conn.send(job)
        if worker.conn.poll(min(self.budget, self.timeout)):
            return self._finish(worker, deadline, fast=True)
        with self._cond:  # over its budget: to the slow lane, if there is room
            self._known_slow[key] = None
            while len(self._known_slow) > 1024:
                self._known_slow.popitem(last=False)
            room = self._slow_busy < self.slow
            if room:
                self._slow_busy += 1
        self._replace_fast()
        if not room:
            worker.kill()
            raise QueryRefused("the server is busy with long queries; retry later, or add a LIMIT", 503)
        _renice(worker)
        return self._finish(worker, deadline, fast=False)

    def _take_fast(self, deadline: float) -> Worker:
        with self._cond:
            while not self._idle:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not self._cond.wait(remaining):
                    raise QueryRefused("no query worker became free in time; retry later", 503)
            return self._idle.pop()

    def _run_slow(self, job: Job, deadline: float) -> tuple[Any, ...]:
        with self._cond:
            if self._slow_busy >= self.slow:
                raise QueryRefused("the server is busy with long queries; retry later, or add a LIMIT", 503)
            self._slow_busy += 1
            worker = self._idle_slow.pop() if self._idle_slow else None
        if worker is None:
            try:
                worker = self._start()
            except (RuntimeError, OSError):
                with self._cond:
                    self._slow_busy -= 1
                raise QueryRefused("no query worker could be started", 503) from None
            _renice(worker)
        worker.conn.send(job)
        return self._finish(worker, deadline, fast=False)

    def _finish(self, worker: Worker, deadline: float, fast: bool) -> tuple[Any, ...]:
        """Wait for the worker's answer until the deadline; a worker that is late or died is replaced."""
        try:
            if not worker.conn.poll(max(0.0, deadline - time.monotonic())):
                worker.kill()
                raise QueryRefused(f"query exceeded the time limit of {self.timeout:g} s; add a LIMIT or narrow it",
                                   503)
            try:
                answer: tuple[Any, ...] = worker.conn.recv()
            except (EOFError, OSError):
                worker.kill()
                raise QueryRefused(f"the query was stopped: it needed more than {self.memory >> 20:,} MB of memory "
                                   "or crashed its worker; narrow it", 503) from None
        except QueryRefused:
            if fast:
                self._replace_fast()
            raise
        finally:
            if not fast:
                with self._cond:
                    self._slow_busy -= 1
        with self._cond:
            if worker.conn.closed or not worker.process.is_alive():
                pass
            elif fast:
                self._idle.append(worker)
            elif len(self._idle_slow) < self.slow and not self._closed:
                self._idle_slow.append(worker)
            else:
                worker.conn.send(None)
            self._cond.notify_all()
        if answer[0] == "refused":
            raise QueryRefused(answer[2], answer[1])
        return answer


def _renice(worker: Worker) -> None:
    with contextlib.suppress(OSError):  # not permitted here: the slow lane runs at normal priority
        os.setpriority(os.PRIO_PROCESS, worker.process.pid, 10)
