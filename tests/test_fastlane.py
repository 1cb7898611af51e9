"""The fast lane (fastlane.py): a query is answered in the server's threads only once a worker, which can be stopped,
has answered the same text within the lane's limits; whatever else happens, a worker answers and the time limit
holds."""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyoxigraph import NamedNode, Quad, Store

from opendata_graph.stores.querycheck import QueryRefused
from opendata_graph.web import fastlane
from opendata_graph.web.fastlane import FastLane, steady
from opendata_graph.web.serve import App, load_app
from opendata_graph.web.workers import Job, Pool

from .checks import BASE

JSON = "application/sparql-results+json"
CHEAP = "SELECT ?s WHERE { ?s a ?type } ORDER BY ?s LIMIT 5"
#: a cartesian product: past a 2 s limit on the release, cheap on a store of a few triples
HEAVY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


@pytest.fixture(scope="module")
def app(dist: Path) -> Iterator[App]:
    app = load_app(dist, BASE, None, 2, 1000)
    yield app
    app.close()


@pytest.fixture(scope="module")
def pool(app: App) -> Iterator[Pool]:
    pool = Pool(app.store_dir, timeout=2, max_results=1000, workers=2, queue=8)  # type: ignore[arg-type]
    yield pool
    pool.close()


def bindings(body: bytes) -> list[dict[str, Any]]:
    return sorted(json.loads(body)["results"]["bindings"], key=json.dumps)


def test_a_text_runs_here_only_after_a_worker_answered_it(app: App, pool: Pool) -> None:
    lane = FastLane(app.store, pool, cpu=0.5)
    job = Job(CHEAP, base_iri=BASE + "sparql", accept=JSON)
    first, _ = lane.run(job, "10.0.0.1")
    assert lane.answered == 0 and lane.known(job)
    second, timing = lane.run(job, "10.0.0.1")
    assert lane.answered == 1 and timing.memory == 0.0
    assert first[0] == second[0] == "ok" and first[1] == second[1] == JSON
    assert bindings(first[2]) == bindings(second[2]) and len(bindings(second[2])) == 5
    other = Job(CHEAP, ("https://example.org/g",), base_iri=BASE + "sparql", accept=JSON)
    assert not lane.known(other)  # another dataset is another query


def test_a_query_past_the_limit_is_stopped_every_time_and_never_runs_here(app: App, pool: Pool) -> None:
    lane = FastLane(app.store, pool, cpu=0.5)
    job = Job(HEAVY, accept=JSON)
    for _ in range(2):
        with pytest.raises(QueryRefused, match="time limit of 2 s"):
            lane.run(job)
        assert not lane.known(job) and lane.answered == 0


def test_a_query_over_the_lanes_cpu_budget_stays_with_the_workers(app: App, pool: Pool) -> None:
    lane = FastLane(app.store, pool, cpu=0.002)
    job = Job("SELECT ?s (COUNT(?o) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?s ORDER BY DESC(?n) LIMIT 10", accept=JSON)
    for _ in range(2):
        answer, timing = lane.run(job)
        assert answer[0] == "ok" and timing.cpu > 0.002, timing
    assert not lane.known(job) and lane.answered == 0


def test_a_text_that_runs_long_here_goes_back_to_the_worker(app: App, pool: Pool) -> None:
    """The lane's store is larger than the workers' (as a store could be slower here): the cartesian product the
    worker answered in a few milliseconds runs past the lane's CPU budget here, is forgotten, and its next copy
    is answered by the worker, where the time limit holds."""
    big = Store()
    big.extend([Quad(NamedNode(f"https://example.org/{i}"), NamedNode("https://example.org/p"),
                     NamedNode(f"https://example.org/{i % 7}")) for i in range(2000)])
    small = tempfile.mkdtemp(prefix="odg-lane-")
    try:
        disk = Store(str(Path(small) / "store"))
        disk.extend(list(big)[:3])
        disk.flush()
        del disk
        workers = Pool(Path(small) / "store", timeout=2, max_results=1000, workers=1, queue=4)
        try:
            lane = FastLane(big, workers, cpu=0.05)
            job = Job("SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f }", accept=JSON)
            lane.run(job)
            assert lane.known(job)
            lane.run(job)
            assert (lane.answered, lane.forgotten) == (1, 1) and not lane.known(job)
            answer, timing = lane.run(job)  # the worker's, measured again
            assert answer[0] == "ok" and lane.answered == 1 and timing.cpu < 0.05
        finally:
            workers.close()
    finally:
        shutil.rmtree(small, ignore_errors=True)


def test_a_failure_here_is_answered_by_a_worker(app: App, pool: Pool, monkeypatch: pytest.MonkeyPatch) -> None:
    lane = FastLane(app.store, pool, cpu=0.5)
    job = Job("ASK { ?s a ?type }", accept=JSON)
    lane.run(job)

    def broken(store: Store, job: Job) -> tuple[str, bytes]:
        raise OSError("the store could not be read")
    monkeypatch.setattr(fastlane, "evaluate", broken)
    answer, _ = lane.run(job)
    assert answer == ("ok", JSON, b'{"head": {}, "boolean": true}')
    assert lane.answered == 0 and lane.forgotten == 1 and not lane.known(job)


def test_a_query_that_needed_memory_is_not_remembered(app: App) -> None:
    doubling = "BIND(\"xxxxxxxxxxxxxxxx\" AS ?s0) " + " ".join(
        f"BIND(CONCAT(?s{i}, ?s{i}) AS ?s{i + 1})" for i in range(22))  # a 64 MB string
    job = Job(f"SELECT (STRLEN(?s22) AS ?n) WHERE {{ {doubling} }}", accept=JSON)
    own = Pool(app.store_dir, timeout=2, max_results=1000, workers=1, queue=4)  # type: ignore[arg-type]
    try:
        lane = FastLane(app.store, own, cpu=0.5, memory=32)
        answer, timing = lane.run(job)
        assert answer[0] == "ok" and timing.cpu < 0.5 and timing.memory > 32, timing
        assert not lane.known(job)
    finally:
        own.close()


UNSTEADY_CALLS = st.sampled_from(["RAND()", "NOW()", "UUID()", "STRUUID()", "rand()", "Now()"])
STEADY_CALLS = st.sampled_from(["STR(?s)", "UCASE(\"rand\")", "<https://example.org/NOW>", "\"UUID()\"",
                                "STRLEN(\"x\")"])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(calls=st.lists(st.tuples(st.booleans(), UNSTEADY_CALLS, STEADY_CALLS), min_size=1, max_size=3))
def test_only_steady_texts_are_remembered(app: App, pool: Pool, calls: list[tuple[bool, str, str]]) -> None:
    """A query whose work may change between runs (RAND, NOW, UUID, STRUUID as calls, in any case; not inside a
    string or an IRI) is never answered here, however cheap its worker found it."""
    binds = " ".join(f"BIND({unsteady if use else plain} AS ?v{i})" for i, (use, unsteady, plain) in enumerate(calls))
    query = f"SELECT * WHERE {{ ?s a ?type {binds} }} LIMIT 1"
    expected = not any(use for use, _, _ in calls)
    assert steady(query) is expected
    lane = FastLane(app.store, pool, cpu=0.5)
    job = Job(query, accept=JSON)
    lane.run(job)
    lane.run(job)
    assert lane.known(job) is expected and lane.answered == int(expected)


def test_the_server_answers_a_measured_text_in_its_lane(dist: Path) -> None:
    """``odg serve``'s app: its second copy of a text is the lane's (a quarter of --timeout at most); --fast-lane 0
    leaves every query to the workers."""
    app = load_app(dist, BASE, None, 1, 1000)
    try:
        app.start_workers(workers=1)
        assert app.lane is not None and app.lane.cpu == 0.25
        for _ in range(2):
            answer, _ = app.run(CHEAP, accept=JSON, client="10.0.0.1")
            assert answer[0] == "ok" and len(bindings(answer[2])) == 5
        assert app.lane.answered == 1
        app.close()
        app = load_app(dist, BASE, None, 1, 1000)
        app.start_workers(0, workers=1)
        assert app.lane is None
    finally:
        app.close()
