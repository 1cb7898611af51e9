"""Queries where they can be stopped: a pool of worker processes behind a bounded, fair admission queue.

pyoxigraph cannot cancel a running query, and a query can use all of a machine's memory; so the endpoint never
evaluates one in its own process. Each query is checked in the request's thread (:func:`.querycheck.check`: a
linear scan for size, depth, SERVICE, updates) and then sent to a worker process that opened the release's on-disk
store read-only and evaluates and renders it under an address space limit, answering with the bytes to send.

Scheduling, as production endpoints do it (Virtuoso's and Fuseki's bounded thread pools, QLever's per-query
cancellation by its own time; see docs/serving.md):

* **Admission** (:class:`Admission`): ``workers`` processes (default: two per core) serve queries; a request that
  finds none idle waits in a queue of at most ``queue`` requests, and the next free worker goes to the client that
  has waited its turn, round-robin across clients (one client's burst does not stand in front of everyone), up to
  ``wait`` seconds. Only a full queue (or a wait past its deadline) is refused: 503 with ``Retry-After``. What a
  query's text did earlier plays no part.
* **Heaviness is the query's own CPU time** (its worker's, read from ``/proc``), not wall time under contention: a
  query past ``patience`` wall seconds (or ``budget`` CPU seconds) leaves the pool's count -- a spare worker takes
  its place at once -- while fewer than :attr:`Pool.outside` have; past ``budget`` CPU seconds it is heavy and runs
  on at idle priority (``SCHED_IDLE``: CPU time no ordinary query wants; its worker is retired after). A query is
  stopped (its worker killed) at ``timeout`` CPU seconds of its own execution, or at :data:`WALL_FACTOR` times
  that in wall time whatever the machine is doing (a heavy query starved of CPU too); a request waits for a
  worker up to ``wait`` seconds (``WALL_FACTOR * timeout``). The time a request waited is reported apart from
  its execution and CPU time (:class:`Timing`, ``Server-Timing``).
* **A pool that heals**: a supervisor thread keeps ``workers`` workers and :attr:`Pool.spares` spares started,
  whatever ended one (a time limit, the memory limit, SIGKILL from outside, no file descriptor left to start one):
  every lost worker is replaced, several at once, with back-off from 50 ms to 2 s between failed starts, for as
  long as the pool is open.

Workers are forked from a server process that has already imported pyoxigraph and the parser
(``multiprocessing``'s forkserver), so replacing a killed one costs milliseconds, not an interpreter start.
"""

from __future__ import annotations

import contextlib
import math
import multiprocessing
import os
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, Generic, TypeVar

from ..core import allocator
from ..stores.querycheck import QueryRefused

#: Address space per worker (bytes): a query that needs more is stopped, not the machine.
DEFAULT_MEMORY = 4 << 30
#: A query is stopped at this many times ``timeout`` of wall-clock execution even if its CPU time is under it.
WALL_FACTOR = 6.0
#: How often a running query's CPU time is read (seconds); the answer itself arrives without waiting for it.
TICK = 0.05
_CONTEXT: Any = None
_CONTEXT_LOCK = threading.Lock()


def default_workers() -> int:
    """Two query workers per core the process may use (one computes while the other's answer is sent), at least 2."""
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    return max(2, 2 * cores)


def _context() -> Any:
    global _CONTEXT
    with _CONTEXT_LOCK:
        if _CONTEXT is None:
            ctx = multiprocessing.get_context("forkserver")
            ctx.set_forkserver_preload(["pyoxigraph", "opendata_graph.stores.querycheck",
                                        "opendata_graph.stores.sparql", "rdflib.plugins.sparql.parser"])
            _CONTEXT = ctx
        return _CONTEXT


@dataclass(frozen=True)
class Job:
    query: str
    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()
    base_iri: str | None = None
    accept: str | None = ""  #: the client's Accept header (results rendered), or None for rows (the query page)


@dataclass(frozen=True)
class Timing:
    """Where a request's time went (seconds): waiting for a worker, executing (wall), and the query's CPU."""

    queued: float
    executed: float
    cpu: float
    #: MB the worker's peak resident size stood above its size when it started, once the query was done (a bound
    #: on what the query needed; 0 for an answer not from a worker)
    memory: float = 0.0

    def header(self) -> str:
        """As a ``Server-Timing`` header (milliseconds)."""
        return (f"queue;dur={self.queued * 1000:.1f}, exec;dur={self.executed * 1000:.1f}, "
                f"cpu;dur={self.cpu * 1000:.1f}")


def _work(conn: Connection, store_path: str, memory: int, max_results: int) -> None:
    """A worker's life: open the store read-only, then answer jobs until told to stop or killed. Whatever a job
    raises becomes an answer; the worker lives on."""
    import resource

    allocator.few_arenas(2)  # each arena reserves 64 MB of address space, within RLIMIT_AS below
    if memory:
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    from pyoxigraph import Store

    from ..stores.querycheck import may_call_services, parse
    from ..stores.sparql import Engine, render

    store = Store.read_only(store_path)
    engine = Engine(store, max_results=max_results)
    ready = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kB
    conn.send("ready")
    while True:
        try:
            job: Job | None = conn.recv()
        except EOFError:
            return
        if job is None:
            return
        started = time.process_time()
        answer: tuple[Any, ...]
        try:
            if may_call_services(job.query):  # the second, real parser: only where SERVICE could hide
                parse(job.query)
            result = engine.evaluate(job.query, list(job.default_graphs), list(job.named_graphs), job.base_iri)
            if job.accept is not None:
                from ..stores.sparql import choose

                media = choose(result, job.accept)
                answer = ("ok", media, render(result, media))
            else:
                answer = ("rows", result.kind, result.boolean, list(result.variables),
                          [[None if t is None else str(t) for t in row] for row in result.rows],
                          [(str(t.subject), str(t.predicate), str(t.object)) for t in result.triples])
        except QueryRefused as exc:
            answer = ("refused", exc.status, exc.message)
        except MemoryError:
            answer = ("refused", 503, f"the query needs more than {memory >> 20:,} MB; narrow it")
        except ValueError as exc:  # a term the request named that cannot be one (pyoxigraph's own check)
            answer = ("refused", 400, f"bad request: {str(exc).splitlines()[0] if str(exc) else 'invalid term'}")
        except Exception as exc:  # a bug: an answer (500), and the worker keeps serving
            answer = ("refused", 500, f"internal error: {type(exc).__name__}")
        peak = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - ready) / 1024
        conn.send((answer, time.process_time() - started, peak))


_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def cpu_seconds(pid: int) -> float | None:
    """The CPU time (user + system) process ``pid`` has used, from ``/proc``; None where it cannot be read."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            fields = f.read().rsplit(b")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / _TICKS
    except (OSError, IndexError, ValueError):
        return None


@dataclass(eq=False)
class Worker:
    process: Any
    conn: Connection
    _killed: threading.Lock = field(default_factory=threading.Lock)

    def alive(self) -> bool:
        return not self.conn.closed and bool(self.process.is_alive())

    def kill(self) -> None:
        """Kill and reap the process and close its pipe, once, whichever threads call it (the pool closing while
        a request thread finds its worker dead): a second close of the descriptor could close another's."""
        if not self._killed.acquire(blocking=False):
            return
        try:
            self.process.kill()
            self.process.join(timeout=5)
        except (OSError, ValueError, AssertionError):
            pass
        self.conn.close()


S = TypeVar("S")


class Busy(QueryRefused):
    """Refused for load, not for what the query is: 503 with a ``Retry-After`` (seconds)."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message, 503)
        self.retry_after = retry_after


@dataclass(eq=False)
class Ticket(Generic[S]):
    client: str
    slot: S | None = None
    #: what the waiting request sleeps on (on the admission's lock): a freed slot wakes its one taker, not every
    #: waiting thread (with 16 waiting, a wake-up of all cost more than the query in the fast lane)
    wake: threading.Condition | None = None


class Admission(Generic[S]):
    """Idle slots (workers) and the requests waiting for one: a bounded queue, served round-robin across clients.

    Invariants (tests/test_scheduler.py checks them as a state machine): a slot is never idle while a request
    waits; a request is refused at arrival only when ``limit`` requests already wait; every waiting request either
    gets a slot or, at its deadline, :class:`Busy`; a client's requests are served in their order, and between two
    of them every other waiting client is served once.
    """

    def __init__(self, limit: int, cond: threading.Condition | None = None) -> None:
        self.limit = limit
        self.cond = cond or threading.Condition()
        self.idle: list[S] = []
        self.waiting: OrderedDict[str, deque[Ticket[S]]] = OrderedDict()
        self.queued = 0

    def arrive(self, client: str) -> Ticket[S]:
        """A ticket: with a slot when one is idle, else waiting (call :meth:`wait`); :class:`Busy` when full.
        Call with ``cond`` held."""
        ticket: Ticket[S] = Ticket(client)
        if self.idle and not self.queued:
            ticket.slot = self.idle.pop()
            return ticket
        if self.queued >= self.limit:
            raise Busy(f"the server is busy: {self.queued} requests are waiting; retry later", 1)
        self.waiting.setdefault(client, deque()).append(ticket)
        self.queued += 1
        return ticket

    def give(self, slot: S) -> None:
        """A slot that became free: to the next waiting client's oldest request, else idle. ``cond`` held."""
        if self.waiting:
            client, tickets = next(iter(self.waiting.items()))
            ticket = tickets.popleft()
            if tickets:
                self.waiting.move_to_end(client)
            else:
                del self.waiting[client]
            self.queued -= 1
            ticket.slot = slot
            if ticket.wake is not None:
                ticket.wake.notify()
        else:
            self.idle.append(slot)

    def abandon(self, ticket: Ticket[S]) -> None:
        """A waiting request that gave up (its deadline). ``cond`` held."""
        tickets = self.waiting.get(ticket.client)
        if tickets is not None and ticket in tickets:
            tickets.remove(ticket)
            self.queued -= 1
            if not tickets:
                del self.waiting[ticket.client]

    def wait(self, ticket: Ticket[S], deadline: float, retry_after: int) -> S:
        """The ticket's slot, waiting until ``deadline`` (monotonic); :class:`Busy` after it. ``cond`` held."""
        while ticket.slot is None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self.abandon(ticket)
                raise Busy("no query worker became free in time; retry later", retry_after)
            if ticket.wake is None:
                ticket.wake = threading.Condition(self.cond)  # type: ignore[arg-type]  # the same lock
            ticket.wake.wait(remaining)
        return ticket.slot


def idle(pid: int) -> None:
    """Let process ``pid`` run only on CPU time nothing else wants (Linux ``SCHED_IDLE``; else ``nice`` 19): a heavy
    query goes on without taking CPU from the ordinary ones, and is stopped at its wall-time bound if it starves."""
    try:
        os.sched_setscheduler(pid, os.SCHED_IDLE, os.sched_param(0))
    except (AttributeError, OSError):  # not Linux, or not permitted: the lowest nice value instead
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, pid, 19)


@dataclass
class Pool:
    """The workers of one store; :meth:`run` is called from many threads at once."""

    store_path: Path
    timeout: float = 10.0
    max_results: int = 100_000
    workers: int = field(default_factory=default_workers)
    queue: int = 256  #: requests that may wait for a worker
    wait: float | None = None  #: how long a request may wait for a worker (default: ``WALL_FACTOR * timeout``)
    budget: float = 0.5  #: CPU seconds after which a query is heavy
    patience: float = 0.25  #: wall seconds after which a running query's worker is replaced in the pool's count
    heavy: int | None = None  #: heavy queries that may run at once (default ``2 * workers``)
    memory: int = DEFAULT_MEMORY
    start: Callable[[], Worker] | None = None  #: how a worker is started (default: a forkserver process)

    def __post_init__(self) -> None:
        if self.workers < 1 or self.queue < 0:
            raise ValueError("a pool needs at least one worker and a queue of zero or more")
        self._cond = threading.Condition()
        self._admission: Admission[Worker] = Admission(self.queue, self._cond)
        self._normal = 0  #: live workers counted in the pool (idle or running an ordinary query)
        self._heavy = 0  #: workers running a heavy query outside the pool's count
        self._spare: list[Worker] = []  #: started, waiting to take a lost or heavy worker's place at once
        self._starting = 0
        self._closed = False
        self._busy: set[Worker] = set()
        self._wake = threading.Event()
        self._mean = 0.05  #: an exponential mean of execution times (seconds), for Retry-After
        self.replaced = 0  #: workers started after the first ones (replacements and spares)
        self.start_failures = 0
        started, failed = self._start_many(self.workers + self.spares)
        if failed and not started:  # none at all: a setting or the machine, not chance -- fail loudly at startup
            raise failed[0]
        self.start_failures = len(failed)  # some: the supervisor starts the missing ones, with back-off
        with self._cond:
            self._spare = started
            self._fill()
        self._supervisor = threading.Thread(target=self._supervise, daemon=True, name="odg-query-pool")
        self._supervisor.start()

    # -- workers ----------------------------------------------------------------------------------------------
    def _start_worker(self) -> Worker:
        if self.start is not None:
            return self.start()
        ctx = _context()
        parent, child = ctx.Pipe()
        try:
            process = ctx.Process(target=_work, args=(child, str(self.store_path), self.memory, self.max_results),
                                  daemon=True, name="odg-query")
            process.start()
        except BaseException:
            parent.close()
            raise
        finally:
            child.close()
        try:
            ready = parent.poll(60) and parent.recv() == "ready"
        except (EOFError, OSError):
            ready = False
        if not ready:
            process.kill()
            parent.close()
            raise RuntimeError("a query worker did not start")
        return Worker(process, parent)

    def _start_many(self, count: int) -> tuple[list[Worker], list[Exception]]:
        """``count`` workers started at once (each start waits for its store to open), and the failures."""
        started: list[Worker] = []
        failed: list[Exception] = []

        def one() -> None:
            try:
                w = self._start_worker()
            except (RuntimeError, OSError, EOFError, ValueError) as exc:  # no fd, no memory, died starting
                failed.append(exc)
            else:
                started.append(w)
        threads = [threading.Thread(target=one, daemon=True, name="odg-query-start") for _ in range(count)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return started, failed

    @property
    def spares(self) -> int:
        """Workers kept started beyond ``workers``, as many as may run outside its count (:attr:`outside`), so one
        that leaves it or is lost is replaced at once: starting one takes 40 ms on a quiet machine but seconds on a
        saturated one (an idle worker holds ~19 MB of its own)."""
        return self.outside

    @property
    def outside(self) -> int:
        """Long queries that may run outside the pool's count at once (``heavy``; default ``2 * workers``)."""
        return 2 * self.workers if self.heavy is None else self.heavy

    def _fill(self) -> None:
        """Spares into the pool while it is short. ``_cond`` held."""
        while self._normal < self.workers and self._spare and not self._closed:
            self._normal += 1
            self._admission.give(self._spare.pop())

    def _supervise(self) -> None:
        """Keep ``workers`` workers and :attr:`spares` spares: replace every lost one, several at once, with
        back-off between failed starts; drop dead idle ones."""
        backoff = 0.05
        while True:
            with self._cond:
                if self._closed:
                    return
                dead = [w for w in self._admission.idle if not w.alive()]
                for w in dead:
                    self._admission.idle.remove(w)
                    self._normal -= 1
                dead += [w for w in self._spare if not w.alive()]
                self._spare = [w for w in self._spare if w not in dead]
                self._fill()
                need = self.workers + self.spares - (self._normal + len(self._spare) + self._starting)
                self._starting += max(0, need)
            for w in dead:
                w.kill()
            if need <= 0:
                self._wake.wait(0.25)
                self._wake.clear()
                continue
            started, failed = self._start_many(need)
            with self._cond:
                self._starting -= need
                self.replaced += len(started)
                self.start_failures += len(failed)
                if not self._closed:
                    self._spare += started
                    self._fill()
                    started = []
            for w in started:  # closed meanwhile
                w.kill()
            if failed:
                time.sleep(backoff)
                backoff = min(2.0, backoff * 2)
            else:
                backoff = 0.05

    def _lost(self, worker: Worker, heavy: bool) -> None:
        """A worker that is gone (killed, crashed): a spare takes its place, and the supervisor starts another."""
        worker.kill()
        with self._cond:
            self._busy.discard(worker)
            if heavy:
                self._heavy -= 1
            else:
                self._normal -= 1
                self._fill()
        self._wake.set()

    def _return(self, worker: Worker, outside: bool, lowered: bool) -> None:
        """A worker that answered: back to the pool (one from outside its count: where the pool or its spares are
        short), or retired -- when lowered in priority (which cannot be undone) or not needed."""
        with self._cond:
            self._busy.discard(worker)
            if outside:
                self._heavy -= 1
            else:
                self._normal -= 1
            if not (lowered or self._closed):
                if self._normal < self.workers:
                    self._normal += 1
                    self._admission.give(worker)
                    return
                if len(self._spare) < self.spares:
                    self._spare.append(worker)
                    return
        self._wake.set()
        with contextlib.suppress(OSError, ValueError):
            worker.conn.send(None)
        worker.kill()

    def close(self) -> None:
        with self._cond:
            self._closed = True
            workers = self._admission.idle + list(self._busy)
            workers += self._spare
            self._admission.idle, self._spare = [], []
            self._cond.notify_all()
        self._wake.set()
        for w in workers:
            w.kill()
        self._supervisor.join(timeout=10)

    def counts(self) -> tuple[int, int, int]:
        """Workers in the pool's count, heavy ones outside it, idle ones."""
        with self._cond:
            return self._normal, self._heavy, len(self._admission.idle)

    # -- running ----------------------------------------------------------------------------------------------
    def _retry_after(self) -> int:
        return max(1, min(60, math.ceil((self._admission.queued + 1) * self._mean / self.workers)))

    def run(self, job: Job, client: str = "") -> tuple[tuple[Any, ...], Timing]:
        """The worker's answer to ``job`` (``("ok", media, body)`` or ``("rows", ...)``) and its timing, or
        :class:`QueryRefused` (:class:`Busy` for load). ``client`` names who asks, for fairness."""
        arrived = time.monotonic()
        deadline = arrived + (self.timeout * WALL_FACTOR if self.wait is None else self.wait)
        while True:
            with self._cond:
                if self._closed:
                    raise Busy("the server is stopping", 1)
                ticket = self._admission.arrive(client)
                worker = self._admission.wait(ticket, deadline, self._retry_after())
                self._busy.add(worker)
            started = time.monotonic()
            try:
                worker.conn.send(job)
            except (OSError, ValueError):  # it died while idle: replaced, and this request takes the next one
                self._lost(worker, heavy=False)
                continue
            answer, cpu, memory = self._execute(worker)
            executed = time.monotonic() - started
            with self._cond:
                self._mean = 0.9 * self._mean + 0.1 * executed
            if answer[0] == "refused":
                raise QueryRefused(answer[2], answer[1])
            return answer, Timing(started - arrived, executed, cpu, memory)

    def _execute(self, worker: Worker) -> tuple[tuple[Any, ...], float, float]:
        """Wait for the worker's answer, reading its CPU time: out of the pool's count past ``patience`` (wall) or
        ``budget`` (CPU), heavy past ``budget``, stopped at ``timeout``."""
        pid = worker.process.pid
        base = cpu_seconds(pid)
        started = time.monotonic()
        outside = heavy = False
        limit = f"query exceeded the time limit of {self.timeout:g} s; add a LIMIT or narrow it"
        while True:
            try:
                if worker.conn.poll(TICK):
                    reply: tuple[tuple[Any, ...], float, float] = worker.conn.recv()
                    break
            except (EOFError, OSError):
                self._lost(worker, outside)
                raise QueryRefused(f"the query was stopped: it needed more than {self.memory >> 20:,} MB of memory "
                                   "or crashed its worker; narrow it", 503) from None
            now = cpu_seconds(pid)
            wall = time.monotonic() - started
            cpu = wall if now is None or base is None else now - base  # no /proc: wall time stands in
            if cpu >= self.timeout or wall >= self.timeout * WALL_FACTOR:
                self._lost(worker, outside)
                raise QueryRefused(limit, 503)
            if not outside and (wall >= self.patience or cpu >= self.budget):
                outside = self._leave()
            if not heavy and cpu >= self.budget:  # heavy: on at idle priority, in the count if no room outside
                heavy = True
                idle(pid)
        self._return(worker, outside, heavy)
        return reply

    def _leave(self) -> bool:
        """A running query leaves the pool's count (a spare takes its place at once, and the supervisor starts
        another), if fewer than ``heavy`` have; True if it left."""
        with self._cond:
            if self._heavy >= self.outside:
                return False
            self._heavy += 1
            self._normal -= 1
            self._fill()
        self._wake.set()
        return True
