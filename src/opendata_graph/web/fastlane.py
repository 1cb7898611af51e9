"""Ordinary queries answered in the server's own threads: the texts a worker has already measured cheap.

Handing a query to a worker process (:mod:`.workers`) costs a pickled job, two pipe trips and a result rendered in
Python, over the on-disk store the workers share; profiled on the seed release (16 clients, the six query files)
that was ~1.9 ms of workers' CPU per request plus ~0.6 ms in the server, where evaluating the same query in an
in-memory store and writing its results with pyoxigraph's own (Rust) writers takes 0.15-1.1 ms. pyoxigraph
releases the GIL while it evaluates and writes, so request threads answer queries side by side on every core.

What a thread cannot do is stop a query (pyoxigraph has no cancellation): so a query is only let in here once a
worker, which can be stopped, has measured it:

* the first time a text is asked (with its dataset: ``default-graph-uri``, ``named-graph-uri``), a worker answers
  it, measuring its own CPU time and memory;
* a text whose worker answered ``ok`` within ``cpu`` CPU seconds (a fraction of ``--timeout``) and ``memory`` MB,
  and whose work cannot change from one run to the next (no ``RAND``, ``NOW``, ``UUID``, ``STRUUID``: the store is
  read-only, so the same text does the same work) is remembered (the last ``size`` texts, by digest), and its
  later copies are answered here -- far inside ``--timeout``, since the worker's run bounds them;
* a remembered text that takes more than ``cpu`` CPU seconds here, or fails here, is forgotten: its next copy goes
  to a worker again (a failure here is answered by a worker at once: it has the last word);
* at most ``threads`` queries run here at once; the others wait their turn in a bounded queue fair across clients
  (:class:`.workers.Admission`), 503 with ``Retry-After`` only when it is full.

Heavy queries never get here, and those that do are short: they cannot starve anything, and the workers stay free
for the queries that need stopping.
"""

from __future__ import annotations

import hashlib
import math
import threading
import time
from collections import OrderedDict
from typing import Any

from pyoxigraph import NamedNode, QueryBoolean, QueryResultsFormat, QuerySolutions, Store

from ..stores.querycheck import QueryRefused, scan
from ..stores.sparql import GRAPH_TYPES, RESULT_TYPES, Answer, negotiate, render
from .workers import WALL_FACTOR, Admission, Job, Pool, Timing

#: Functions whose value changes between runs of the same text: a query using one may do other work next time.
UNSTEADY = frozenset({"RAND", "NOW", "UUID", "STRUUID"})
_RESULTS = {"json": QueryResultsFormat.JSON, "xml": QueryResultsFormat.XML, "csv": QueryResultsFormat.CSV,
            "tsv": QueryResultsFormat.TSV}


def steady(query: str) -> bool:
    """Whether ``query`` does the same work each time it runs on a read-only store (it calls none of
    :data:`UNSTEADY`). Linear (the endpoint's own lexer); False for a text the lexer refuses."""
    try:
        return not any(kind == "word" and text.upper() in UNSTEADY for kind, text in scan(query))
    except QueryRefused:
        return False


def evaluate(store: Store, job: Job) -> tuple[str, bytes]:
    """``job`` evaluated here in ``store`` and written in the media type its ``accept`` prefers: pyoxigraph's writers
    for solutions and graphs, the endpoint's own (:func:`.sparql.render`) for a boolean, as a worker writes it."""
    kwargs: dict[str, Any] = {"base_iri": job.base_iri}
    if job.default_graphs:
        kwargs["default_graph"] = [NamedNode(g) for g in job.default_graphs]
    if job.named_graphs:
        kwargs["named_graphs"] = [NamedNode(g) for g in job.named_graphs]
    result = store.query(job.query, **kwargs)
    if isinstance(result, QueryBoolean):
        media = negotiate(job.accept, list(RESULT_TYPES)) or next(iter(RESULT_TYPES))
        return media, render(Answer("boolean", boolean=bool(result)), media)
    if isinstance(result, QuerySolutions):
        media = negotiate(job.accept, list(RESULT_TYPES)) or next(iter(RESULT_TYPES))
        return media, result.serialize(format=_RESULTS[RESULT_TYPES[media]]) or b""
    media = negotiate(job.accept, list(GRAPH_TYPES)) or next(iter(GRAPH_TYPES))
    return media, result.serialize(format=GRAPH_TYPES[media]) or b""


def _key(job: Job) -> bytes:
    text = "\x00".join((job.query, *job.default_graphs, "\x01", *job.named_graphs, "\x02", job.base_iri or ""))
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()


class FastLane:
    """The pool, with the queries it measured cheap answered here (see the module's description); :meth:`run` is
    called from many threads at once."""

    def __init__(self, store: Store, pool: Pool, cpu: float, memory: float = 256.0, threads: int | None = None,
                 size: int = 4096) -> None:
        self.store = store
        self.pool = pool
        self.cpu = cpu
        self.memory = memory
        self.threads = threads or pool.workers
        self.size = size
        self._cond = threading.Condition()
        self._admission: Admission[int] = Admission(pool.queue, self._cond)
        for slot in range(self.threads):
            self._admission.give(slot)
        self._cheap: OrderedDict[bytes, None] = OrderedDict()
        self._lock = threading.Lock()
        self._mean = 0.001  #: an exponential mean of execution times here (seconds), for Retry-After
        self.answered = 0  #: queries answered here
        self.forgotten = 0  #: texts forgotten after taking too long (or failing) here

    def known(self, job: Job) -> bool:
        """Whether ``job``'s text (with its dataset) is remembered cheap."""
        with self._lock:
            return _key(job) in self._cheap

    def _remember(self, key: bytes) -> None:
        with self._lock:
            self._cheap[key] = None
            self._cheap.move_to_end(key)
            while len(self._cheap) > self.size:
                self._cheap.popitem(last=False)

    def _forget(self, key: bytes) -> None:
        with self._lock:
            if self._cheap.pop(key, 0) is None:
                self.forgotten += 1

    def run(self, job: Job, client: str = "") -> tuple[tuple[Any, ...], Timing]:
        """Like :meth:`.workers.Pool.run`: here for a text measured cheap, else by a worker (which measures it)."""
        key = _key(job)
        with self._lock:
            cheap = job.accept is not None and key in self._cheap
            if cheap:
                self._cheap.move_to_end(key)
        if not cheap:
            answer, timing = self.pool.run(job, client)
            if (job.accept is not None and answer[0] == "ok" and timing.cpu <= self.cpu
                    and timing.memory <= self.memory and steady(job.query)):
                self._remember(key)
            return answer, timing
        arrived = time.monotonic()
        wait = self.pool.wait if self.pool.wait is not None else self.pool.timeout * WALL_FACTOR
        with self._cond:
            ticket = self._admission.arrive(client)
            retry = max(1, min(60, math.ceil((self._admission.queued + 1) * self._mean / self.threads)))
            slot = self._admission.wait(ticket, arrived + wait, retry)
        started, cpu0 = time.monotonic(), time.thread_time()
        media, body = "", None
        try:
            media, body = evaluate(self.store, job)
        except Exception:  # whatever it was, the worker that measured the text answers it: it has the last word
            body = None
        finally:
            with self._cond:
                self._admission.give(slot)
        cpu, executed = time.thread_time() - cpu0, time.monotonic() - started
        if body is None or cpu > self.cpu:
            self._forget(key)
        if body is None:
            answer, timing = self.pool.run(job, client)
            return answer, Timing(started - arrived + timing.queued, executed + timing.executed, cpu + timing.cpu,
                                  timing.memory)
        with self._cond:
            self._mean = 0.9 * self._mean + 0.1 * executed
        with self._lock:
            self.answered += 1
        return ("ok", media, body), Timing(started - arrived, executed, cpu)
