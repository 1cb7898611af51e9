"""Issue 28: the checks read the graph while it is converted (``validate.Checking``: a pipe to the SHACL engine and
one to the violation queries' store). The answer must not depend on how the graph arrives -- in which pieces, in
which order, with rows repeated -- and a conversion that fails or is interrupted must leave no reader, thread or
temporary folder behind."""

from __future__ import annotations

import itertools
import random
import re
import threading
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from opendata_graph.core import paths
from opendata_graph.core.terms import Row
from opendata_graph.stages.convert import Graph
from opendata_graph.stages.validate import Checking, Result

from .checks import BASE

XSD_DATE = "<http://www.w3.org/2001/XMLSchema#date>"


@pytest.fixture(scope="module")
def defective(graph: Graph) -> list[Row]:
    """Part of the seed graph with defects every check kind finds: a fact without its reification (the
    unsourced-fact query), a blank node (the blank-node query), an ill-formed date and a missing type (SHACL)."""
    rows = graph.triples()
    kept = rows[:3000]
    fact = next(r for r in kept if r[1].endswith("/name>") or r[1].endswith("#prefLabel>"))
    statements = {s for s, p, o in kept if p.endswith("#subject>") and o == fact[0]}
    kept = [r for r in kept if r[0] not in statements]  # its reifications gone: unsourced
    kept.append(("_:b0", "<https://schema.org/name>", '"blank"'))
    organisation = next(s for s, p, o in kept if o.endswith("/ns/org#Organization>"))
    kept.append((organisation, "<http://purl.org/dc/terms/created>", f'"2020-13-45"^^{XSD_DATE}'))
    return kept


def results(rows_in_pieces: list[list[Row]], located: Graph) -> dict[str, list[Result]]:
    checking = Checking(paths.shapes_dir(), paths.queries_dir(), base=BASE)
    for piece in rows_in_pieces:
        checking.feed(piece)
    return checking.finish(located, None, None)


def comparable(found: dict[str, list[Result]]) -> dict[str, list[str]]:
    """The results as text, a blank node's label (the store's own, random) left out."""
    return {kind: sorted(re.sub(r"_:\w+", "_:", repr(r)) for r in rs) for kind, rs in found.items()}


@pytest.fixture(scope="module")
def reference(defective: list[Row], graph: Graph) -> dict[str, list[Result]]:
    found = results([defective], graph)
    assert found["violation"] and found["shacl"], found  # the defects are found: the property below means something
    assert any("_:" in r.value for r in found["violation"])  # the blank node (relabelled by the store)
    return found


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cuts=st.lists(st.integers(min_value=0, max_value=3100), max_size=40), seed=st.integers(min_value=0, max_value=2**32),
       repeats=st.lists(st.integers(min_value=0, max_value=3000), max_size=30))
def test_the_answer_does_not_depend_on_how_the_graph_arrives(defective: list[Row], graph: Graph,
                                                             reference: dict[str, list[Result]], cuts: list[int],
                                                             seed: int, repeats: list[int]) -> None:
    rows = defective + [defective[i % len(defective)] for i in repeats]
    random.Random(seed).shuffle(rows)
    bounds = sorted({0, len(rows), *(c % (len(rows) + 1) for c in cuts)})
    pieces = [rows[a:b] for a, b in itertools.pairwise(bounds)]
    assert comparable(results(pieces, graph)) == comparable(reference)


def _odg_threads() -> set[int | None]:
    """The checks' reader threads alive (by identity: every pool names its threads alike)."""
    return {t.ident for t in threading.enumerate() if t.name.startswith("odg-check")}


@pytest.mark.parametrize("fed", [0, 1, 500])
def test_an_aborted_check_stops_its_readers_and_leaves_nothing(defective: list[Row], fed: int) -> None:
    """A conversion that fails after ``fed`` rows: the readers stop at once (a spoiled last line), no thread
    and no temporary folder of the checks is left."""
    before_threads = _odg_threads()
    checking = Checking(paths.shapes_dir(), paths.queries_dir(), base=BASE)
    if fed:
        checking.feed(defective[:fed])
    started = time.monotonic()
    checking.abort()
    assert time.monotonic() - started < 30
    # each reader failed on the spoiled last line: none validated a half graph and called it an answer
    assert all(pipe.reader is not None and pipe.reader.exception() is not None for pipe in checking._pipes)
    assert _odg_threads() <= before_threads and not Path(checking._tmp.name).exists()


def test_without_violation_queries_no_store_is_loaded(tmp_path: Path, defective: list[Row], graph: Graph) -> None:
    """The store (~500 B a triple) is only for ``*-violation.rq`` files; SHACL still runs."""
    (tmp_path / "counts.rq").write_text("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }\n", encoding="utf-8")
    checking = Checking(paths.shapes_dir(), tmp_path, base=BASE)
    assert len(checking._pipes) == 1
    checking.feed(defective)
    found = checking.finish(graph, None, None)
    assert found["shacl"] and not found["violation"]


def test_a_data_graph_the_engine_cannot_read_is_an_error_not_a_pass(graph: Graph) -> None:
    """Fail closed: a piece the engine's parser refuses is an error of the run, never an empty report."""
    from opendata_graph.core.errors import OdgError

    checking = Checking(paths.shapes_dir(), paths.queries_dir(), base=BASE)
    checking.feed([("<https://example.org/a b>", "<https://schema.org/name>", '"x"')])
    with pytest.raises((OdgError, SyntaxError)):
        checking.finish(graph, None, None)


def _reads_a_little(path: Path) -> str:
    with path.open("rb") as f:
        f.read(10)
    return "conforms"


@pytest.mark.parametrize("lines", [200_000, 3000])
def test_a_reader_that_stops_early_without_an_error_is_not_an_answer(tmp_path: Path, lines: int) -> None:
    """Fail closed: a reader that closes its end before the end of the graph and returns normally has not
    checked the graph; its "answer" is an internal error, never a pass -- whether the rest broke the pipe (far
    more than a pipe holds) or fit in it (past the writer's buffer, within the pipe's: the reader had answered
    before the end was written)."""
    from concurrent.futures import ThreadPoolExecutor

    from opendata_graph.stages.validate import _Pipe

    pipe = _Pipe(tmp_path / "odg-data-graph.nt")
    with ThreadPoolExecutor(max_workers=1) as pool:
        pipe.reader = pool.submit(_reads_a_little, pipe.path)
        piece = 1000 if lines > 10_000 else lines  # one write larger than the writer's buffer: nothing left in it
        for start in range(0, lines, piece):
            pipe.write(b"<urn:x:a> <urn:x:p> <urn:x:b> .\n" * min(piece, lines - start))
        if lines <= 10_000:
            pipe.reader.result()
        pipe.close()
        with pytest.raises(RuntimeError, match="stopped reading before the end"):
            pipe.result()


INTERRUPTED = """
import sys, threading
from pathlib import Path
from opendata_graph.stages import pipeline
from tests.checks import options

class Interrupted:
    def begin(self, *_):
        raise KeyboardInterrupt

    def cancel(self):
        pass

try:
    pipeline._prepare(options(Path(sys.argv[1])), Interrupted(), pipeline.Laps(lambda _: None),
                      building=sys.argv[2] == "build")
except KeyboardInterrupt:
    print(sorted(t.name for t in threading.enumerate() if t.name.startswith("odg-check")))
"""


@pytest.mark.parametrize("building", [True, False])
def test_a_run_interrupted_after_its_conversion_leaves_no_reader_waiting(tmp_path: Path, building: bool) -> None:
    """Ctrl-C while the cache is being written (after the conversion, before the checks are answered): the
    readers, still waiting for their pipes, are ended -- else the process hangs at exit joining them (run in a
    process of its own, bounded in time, so that a regression fails instead of hanging the suite)."""
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-c", INTERRUPTED, str(tmp_path / "dist"),
                             "build" if building else "validate"], cwd=Path(__file__).parents[1],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and result.stdout.strip() == "[]", (result.stdout, result.stderr)


def test_stopping_a_build_ends_the_feeding_and_the_readers(graph: Graph) -> None:
    """A failed or interrupted build asks the checks to stop from another thread: the thread feeding them
    stops at its next piece and ends the readers."""
    checking = Checking(paths.shapes_dir(), paths.queries_dir(), base=BASE)
    before = _odg_threads()
    rows = graph.triples()
    checking.feed(rows[:100])
    checking.stop()
    with pytest.raises(Exception, match="stopped"):
        checking.feed(rows[100:200])
    checking.abort()
    assert all(pipe.reader is not None and pipe.reader.exception() is not None for pipe in checking._pipes)
    assert not Path(checking._tmp.name).exists() and not (_odg_threads() & before)
