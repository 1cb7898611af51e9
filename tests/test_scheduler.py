"""The endpoint's scheduler (workers.py) as state machines and under attack: admission is bounded and fair and
refuses only when full; every admitted request gets an answer or a 503 with Retry-After; every lost worker is
replaced -- after SIGKILLs, and after file-descriptor pressure that made starting one impossible for a while."""

from __future__ import annotations

import contextlib
import http.client
import os
import re
import resource
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from opendata_graph.stores.querycheck import QueryRefused
from opendata_graph.web.serve import App, load_app
from opendata_graph.web.workers import Admission, Busy, Job, Pool, Ticket

from .checks import BASE
from .servers import free_port, stop

CLIENTS = st.sampled_from(["10.0.0.1", "10.0.0.2", "10.0.0.3"])


class AdmissionMachine(RuleBasedStateMachine):
    """Requests arrive, slots are freed and added, waiting requests give up; the queue's promises hold throughout."""

    @initialize(limit=st.integers(0, 4), slots=st.integers(0, 3))
    def start(self, limit: int, slots: int) -> None:
        self.admission: Admission[int] = Admission(limit)
        self.slots = slots
        for s in range(slots):
            self.admission.give(s)
        self.held: dict[int, Ticket[int]] = {}  #: slot -> the request using it
        self.waiting: list[Ticket[int]] = []
        self.order: list[Ticket[int]] = []  #: every ticket, in arrival order
        self.passed: dict[str, Counter[str]] = {}  #: for a waiting client: the others served since it waited

    def _settle(self) -> None:
        """Requests that got a slot leave the waiting list; the fairness record follows."""
        for t in [t for t in self.waiting if t.slot is not None]:
            self.waiting.remove(t)
            assert t.slot not in self.held, "a slot given to two requests"
            self.held[t.slot] = t
            assert [u for u in self.order if u.client == t.client and u in self.waiting and
                    self.order.index(u) < self.order.index(t)] == [], "a client's requests are served in order"
            self.passed.pop(t.client, None)
            for other in {u.client for u in self.waiting}:
                self.passed.setdefault(other, Counter())[t.client] += 1

    @rule(client=CLIENTS)
    def arrive(self, client: str) -> None:
        full = self.admission.queued >= self.admission.limit
        idle = bool(self.admission.idle) and not self.admission.queued
        try:
            with self.admission.cond:
                ticket = self.admission.arrive(client)
        except Busy as exc:
            assert full and not idle, "refused while the queue had room"
            assert exc.status == 503 and exc.retry_after >= 1
            return
        self.order.append(ticket)
        if ticket.slot is not None:
            assert idle
            self.held[ticket.slot] = ticket
        else:
            assert not idle, "waiting while a slot was idle"
            if not any(t.client == client for t in self.waiting):  # it starts waiting now
                self.passed[client] = Counter()
            self.waiting.append(ticket)

    @precondition(lambda self: self.held)
    @rule(data=st.data())
    def finish(self, data: st.DataObject) -> None:
        slot = data.draw(st.sampled_from(sorted(self.held)))
        del self.held[slot]
        with self.admission.cond:
            self.admission.give(slot)
        self._settle()

    @rule()
    def replace(self) -> None:
        """A new worker (a replacement) joins."""
        with self.admission.cond:
            self.admission.give(self.slots)
        self.slots += 1
        self._settle()

    @precondition(lambda self: self.waiting)
    @rule(data=st.data())
    def give_up(self, data: st.DataObject) -> None:
        ticket = data.draw(st.sampled_from(self.waiting))
        with self.admission.cond, pytest.raises(Busy) as refused:
            self.admission.wait(ticket, time.monotonic() - 1, retry_after=3)
        assert refused.value.retry_after == 3
        self.waiting.remove(ticket)
        if not any(t.client == ticket.client for t in self.waiting):  # it no longer waits
            self.passed.pop(ticket.client, None)

    @invariant()
    def promises(self) -> None:
        a = self.admission
        assert not (a.idle and a.queued), "a slot idle while a request waits"
        assert a.queued == len(self.waiting) == sum(len(q) for q in a.waiting.values()) <= a.limit
        assert sorted(a.idle + list(self.held)) == list(range(self.slots)), "a slot lost or duplicated"
        assert all(n <= 1 for c in self.passed.values() for n in c.values()), f"unfair: {self.passed}"


AdmissionMachine.TestCase.settings = settings(max_examples=300, stateful_step_count=40, deadline=None)
test_admission = AdmissionMachine.TestCase


# -- the pool, with real worker processes ----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def app(dist: Path) -> Iterator[App]:
    app = load_app(dist, BASE, None, 3, 1000)
    yield app
    app.close()


def healed(pool: Pool, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        normal, outside, idle = pool.counts()
        with pool._cond:
            alive = all(w.alive() for w in pool._admission.idle + pool._spare)
        if (normal, outside, idle, len(pool._spare), alive) == (pool.workers, 0, pool.workers, pool.spares, True):
            return
        time.sleep(0.05)
    raise AssertionError(f"not healed: {pool.counts()}, {len(pool._spare)} spares")


class PoolMachine(RuleBasedStateMachine):
    """Bursts of requests and SIGKILLs of any worker: every request is answered (or 503 with Retry-After, or the
    kill's own 503 when it hit a running query), and the pool is back to its size afterwards."""

    store: Path

    @initialize()
    def start(self) -> None:
        self.pool = Pool(self.store, timeout=3, max_results=1000, workers=2, queue=3, wait=2)
        self.lock = threading.Lock()

    def teardown(self) -> None:
        self.pool.close()

    @rule(n=st.integers(1, 8), kill=st.integers(0, 3))
    def burst(self, n: int, kill: int) -> None:
        outcomes: list[object] = []

        def one() -> None:
            try:
                answer, _ = self.pool.run(Job("ASK { ?s ?p ?o }", accept="application/sparql-results+json"),
                                               "10.0.0.9")
                outcomes.append((answer[0], answer[2]))
            except Busy as exc:
                outcomes.append(("busy", exc.retry_after >= 1))
            except QueryRefused as exc:
                outcomes.append(("stopped", "crashed its worker" in exc.message))
        threads = [threading.Thread(target=one) for _ in range(n)]
        for t in threads:
            t.start()
        with self.pool._cond:
            victims = [*self.pool._admission.idle, *self.pool._busy, *self.pool._spare][:kill]
        for w in victims:
            with contextlib.suppress(ProcessLookupError):  # the supervisor reaped it already (found dead when idle)
                os.kill(w.process.pid, signal.SIGKILL)
        for t in threads:
            t.join(30)
        for w in victims:  # SIGKILL is delivered asynchronously: dead before the pool is asked to have healed
            until = time.monotonic() + 5
            while w.process.is_alive() and time.monotonic() < until:
                time.sleep(0.01)
        assert len(outcomes) == n
        for outcome in outcomes:
            assert outcome in (("ok", b'{"head": {}, "boolean": true}'), ("busy", True), ("stopped", True)), outcome
        assert sum(o[0] == "busy" for o in outcomes) <= max(0, n - 2 - 3) + kill, outcomes  # queue of 3, 2 workers

    @invariant()
    def heals(self) -> None:
        healed(self.pool)
        answer, _ = self.pool.run(Job("ASK { ?s ?p ?o }", accept="application/sparql-results+json"))
        assert answer[0] == "ok"


def test_the_pool_answers_and_heals(app: App) -> None:
    PoolMachine.store = app.store_dir  # type: ignore[assignment]
    machine = PoolMachine.TestCase
    machine.settings = settings(max_examples=4, stateful_step_count=4, deadline=None)
    machine().runTest()


def test_a_heavy_query_leaves_ordinary_ones_their_workers(app: App) -> None:
    """Heaviness is the query's own CPU: three heavy queries leave the pool's count and run on at idle priority,
    and an ASK sent while they run waits for nothing (its Server-Timing queue time is small) and is answered."""
    pool = Pool(app.store_dir, timeout=2, max_results=1000, workers=2, queue=8)  # type: ignore[arg-type]
    heavy = Job("SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }")
    results: list[str] = []

    def hammer() -> None:
        try:
            pool.run(heavy)
            results.append("answered")
        except QueryRefused as exc:
            results.append(exc.message)
    try:
        threads = [threading.Thread(target=hammer) for _ in range(3)]
        for t in threads:
            t.start()
        deadline = time.monotonic() + 10
        while pool.counts()[1] < 3 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert pool.counts()[1] == 3, pool.counts()
        # past its CPU budget a heavy query runs on at idle priority: only CPU time no ordinary query wants
        idle: set[int] = set()
        while len(idle) < 3 and time.monotonic() < deadline:
            with pool._cond:
                pids = [w.process.pid for w in pool._busy if w.process.pid is not None]
            idle = {pid for pid in pids if os.sched_getscheduler(pid) == os.SCHED_IDLE}
            time.sleep(0.02)
        assert len(idle) == 3, idle
        answer, timing = pool.run(Job("ASK { ?s ?p ?o }", accept="application/sparql-results+json"))
        assert answer[0] == "ok" and timing.queued < 0.05, timing
        for t in threads:
            t.join(30)
        assert results == ["query exceeded the time limit of 2 s; add a LIMIT or narrow it"] * 3
        healed(pool)
    finally:
        pool.close()


# -- file-descriptor pressure and kills, through the server ----------------------------------------------------------
def children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", "rb") as f:
                    if int(f.read().rsplit(b")", 1)[1].split()[1]) == pid:
                        found.append(int(entry))
            except (OSError, IndexError, ValueError):
                continue
    return found


def test_fd_pressure_and_worker_kills_leave_a_pool_that_heals(dist: Path) -> None:
    """Issue 25: a 200-fd limit, 260 idle connections and 6 worker kills left the pool empty for good (every ASK
    503). Now the supervisor retries with back-off, and once the connections close every ASK is answered."""
    port = free_port()

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (200, 200))
    proc = subprocess.Popen([sys.executable, "-m", "opendata_graph.cli", "serve", str(dist), "--port", str(port),
                             "--workers", "2", "--idle-timeout", "3", "--timeout", "3"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, preexec_fn=limit)
    sockets: list[socket.socket] = []
    try:
        deadline = time.monotonic() + 60
        while True:  # until it answers a query: it listens before its workers have started
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                conn.request("GET", "/sparql?query=" + quote("ASK { ?s ?p ?o }"))
                if conn.getresponse().status == 200:
                    conn.close()
                    break
                conn.close()
            except OSError:
                pass
            assert proc.poll() is None and time.monotonic() < deadline, proc.stderr.read()  # type: ignore[union-attr]
            time.sleep(0.2)
        for _ in range(260):
            try:
                sockets.append(socket.create_connection(("127.0.0.1", port), timeout=2))
            except OSError:
                break
        killed = 0
        for _ in range(6):  # one every 0.3 s, each as soon as there is a worker to kill (at most 10 s)
            time.sleep(0.3)
            wait = time.monotonic() + 10
            while time.monotonic() < wait:
                workers = [c for f in children(proc.pid) for c in children(f)]  # the forkserver's children
                if workers:
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(workers[0], signal.SIGKILL)
                        killed += 1
                    break
                time.sleep(0.05)
        assert killed == 6
        for s in sockets:
            s.close()
        sockets = []
        time.sleep(5)  # the server closes what is left idle; the supervisor starts workers again
        statuses = []
        for _ in range(20):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.request("GET", "/sparql?query=" + quote("ASK { ?s ?p ?o }"))
            statuses.append(conn.getresponse().status)
            conn.close()
        assert statuses == [200] * 20, statuses
    finally:
        for s in sockets:
            s.close()
        stop(proc)


def test_a_worker_reserves_little_address_space_at_start(app: App) -> None:
    """A worker's address space at start is small and the same on a busy machine: at most two malloc arenas (64 MB
    of address space each), not one per thread of the store as threads happen to race -- under ``--worker-memory``
    (RLIMIT_AS) a busy machine otherwise made workers fail to start a thread (EAGAIN), and the server with them."""
    pool = Pool(app.store_dir, timeout=2, max_results=1000, workers=2, queue=2)  # type: ignore[arg-type]
    try:
        with pool._cond:
            pids = [w.process.pid for w in pool._admission.idle + pool._spare]
        peaks = {}
        for pid in pids:
            status = Path(f"/proc/{pid}/status").read_text()
            peaks[pid] = int(re.search(r"VmPeak:\s+(\d+) kB", status).group(1)) >> 10  # type: ignore[union-attr]
        assert pids and max(peaks.values()) < 400, peaks  # MB; ~290 with two arenas, 490-610 with one per thread
    finally:
        pool.close()
