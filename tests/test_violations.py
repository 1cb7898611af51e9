"""The violation queries part by part (stages/violations.py) answer what one store of the whole graph answers,
however the graph arrives: file by file as ``odg validate`` feeds it, sorted and cut anywhere as a build feeds it,
or in any order (then the parts may find themselves tangled and query the whole graph, never guess)."""

from __future__ import annotations

import functools
import itertools
import random
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from pyoxigraph import RdfFormat, Store

from opendata_graph.core import paths
from opendata_graph.core.terms import Row
from opendata_graph.stages.locality import why_not_local
from opendata_graph.stages.violations import Parts, partable
from opendata_graph.stores.query import QueryFile

from . import registry as generate
from .checks import BASE
from .sparql_strategies import query


@functools.lru_cache(maxsize=1)
def files() -> list[list[Row]]:
    """A small registry's rows, file by file."""
    from opendata_graph.source.load import load
    from opendata_graph.stages.convert import convert_files

    root = Path(tempfile.mkdtemp(prefix="odg-violations-"))
    generate.generate(6, root, cohorts=2)
    return list(convert_files(load(root / "data"), BASE).rows.values())


def whole(rows: list[Row], queries: list[QueryFile]) -> list[tuple[str, ...]]:
    """Each query's rows (as a sorted list: a row found by two parts would show twice)."""
    store = Store()
    store.load("".join(f"{s} {p} {o} .\n" for s, p, o in rows).encode(), format=RdfFormat.N_TRIPLES)
    return sorted((qf.name, *map(str, row)) for qf in queries for row in store.query(qf.text))  # type: ignore[union-attr]


def in_parts(pieces: list[list[Row]], queries: list[QueryFile], folder: Path) -> tuple[list[tuple[str, ...]], str | None]:
    parts = Parts(folder, parts=5)
    for piece in pieces:
        parts.add(piece)
    parts.close()
    return sorted((qf.name, *map(str, row)) for qf, row in parts.query(queries, lenient=False)), parts.tangled


def written(text: str) -> list[QueryFile]:
    folder = Path(tempfile.mkdtemp(prefix="odg-violations-q-"))
    (folder / "q-violation.rq").write_text(text, encoding="utf-8")
    return [QueryFile(folder / "q-violation.rq")]


ARRIVALS = st.sampled_from(["file by file", "sorted, cut anywhere", "any order"])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow])
@given(text=query(), arrival=ARRIVALS, seed=st.integers(0, 2**32), cuts=st.lists(st.integers(0, 10**6), max_size=12))
def test_the_parts_answer_as_the_whole_graph(text: str, arrival: str, seed: int, cuts: list[int]) -> None:
    assume(why_not_local(text) is None)
    queries = written(text)
    assert partable(queries)
    shuffle = random.Random(seed).shuffle
    by_file = [list(rows) for rows in files()]
    shuffle(by_file)
    for rows in by_file:
        shuffle(rows)
    rows = [r for file in by_file for r in file]
    if arrival == "file by file":
        pieces = by_file
    else:
        if arrival == "sorted, cut anywhere":
            rows = sorted(set(rows))
        else:
            shuffle(rows)
        bounds = sorted({0, len(rows), *(c % (len(rows) + 1) for c in cuts)})
        pieces = [rows[a:b] for a, b in itertools.pairwise(bounds)]
    found, tangled = in_parts(pieces, queries, Path(tempfile.mkdtemp(prefix="odg-parts-")))
    assert found == whole(rows, queries), text
    if arrival != "any order":
        assert tangled is None  # the parts, not the whole graph, answered


def test_the_projects_queries_over_the_seed_graph(graph: object) -> None:
    """The project's two violation queries, on the seed release's graph with a defect of each kind."""
    from opendata_graph.stages.convert import Graph

    assert isinstance(graph, Graph)
    rows = graph.triples()
    fact = next(r for r in rows if r[1].endswith("/name>"))
    statements = {s for s, p, o in rows if p.endswith("#subject>") and o == fact[0]}
    unsourced = [r for r in rows if r[0] not in statements]
    queries = [q for q in map(QueryFile, sorted(paths.queries_dir().glob("*-violation.rq")))]
    assert partable(queries)
    found, tangled = in_parts([unsourced], queries, Path(tempfile.mkdtemp(prefix="odg-parts-")))
    assert tangled is None and found == whole(unsourced, queries)
    assert ("unsourced-fact-violation", fact[0]) in {(q, s) for q, s, *_ in found}
    blank = [*unsourced, ("_:b0", "<https://schema.org/name>", '"blank"')]  # no part owns a blank node
    found, tangled = in_parts([blank], queries, Path(tempfile.mkdtemp(prefix="odg-parts-")))
    assert tangled and {q for q, *_ in found} == {"unsourced-fact-violation", "blank-node-violation"}


def test_a_subject_no_triple_states_is_answered_once() -> None:
    """A ?subject bound by VALUES: every part would answer for it; only its owner's answer is kept."""
    rows = [r for file in files() for r in file]
    organisation = next(s for s, _, o in rows if o.endswith("/ns/org#Organization>"))
    queries = written(f"SELECT ?subject WHERE {{ VALUES ?subject {{ {organisation} <urn:nowhere> }} "
                      "FILTER NOT EXISTS { ?subject a <http://schema.org/Place> } }")
    found, tangled = in_parts(files(), queries, Path(tempfile.mkdtemp(prefix="odg-parts-")))
    assert tangled is None and found == whole(rows, queries) and len(found) == 2


def test_queries_the_parts_cannot_answer_alone_run_on_one_store() -> None:
    assert not partable(written("SELECT ?s WHERE { ?s ?p ?o }"))  # no ?subject to know a row's part by
    assert not partable(written("SELECT ?subject WHERE { ?subject <urn:p> ?o . ?o <urn:q> ?x }"))


def _unsourced() -> list[QueryFile]:
    return [QueryFile(paths.queries_dir() / "unsourced-fact-violation.rq")]


def _statement(node: str, about: str, source: str = "<urn:x:source>") -> list[Row]:
    from opendata_graph.core.namespaces import PROV, RDF

    return [(node, f"<{RDF.subject}>", about), (node, f"<{RDF.predicate}>", "<urn:x:p>"),
            (node, f"<{RDF.object}>", '"x"'), (node, f"<{PROV.wasDerivedFrom}>", source)]


def _apart(parts: int = 5) -> tuple[str, str]:
    """Two nodes owned by different parts."""
    import zlib

    a = "<urn:x:a>"
    b = next(f"<urn:x:b{i}>" for i in range(100) if zlib.crc32(f"<urn:x:b{i}>".encode()) % parts
             != zlib.crc32(a.encode()) % parts)
    return a, b


def test_a_statement_split_from_its_rdf_subject_tangles_the_parts() -> None:
    """A statement's prov:wasDerivedFrom arrives in a piece without its rdf:subject (and not next to it): its
    triples went to two parts, so the whole graph answers (the fact is sourced: no violation)."""
    from opendata_graph.core.namespaces import ODG, RDF

    a, _ = _apart()
    st_ = "<urn:x:statement>"
    about, derived = _statement(st_, a)[:3], _statement(st_, a)[3:]
    other = [("<urn:x:other>", "<urn:x:p>", '"y"')]
    pieces = [[(a, "<urn:x:p>", '"x"'), *about], other, derived, [("<urn:x:source>", f"<{RDF.type}>", f"<{ODG.Excerpt}>")]]
    rows = [r for piece in pieces for r in piece]
    found, tangled = in_parts(pieces, _unsourced(), Path(tempfile.mkdtemp(prefix="odg-parts-")))
    assert tangled and found == whole(rows, _unsourced())
    assert not any(s == a for _, s, *_ in found)


@pytest.mark.parametrize("one_piece", [False, True], ids=["in two pieces", "in one piece"])
def test_a_statement_about_two_nodes_tangles_the_parts(one_piece: bool) -> None:
    """One statement node with two rdf:subject values: its triples cannot go to both nodes' parts."""
    from opendata_graph.core.namespaces import ODG, RDF

    a, b = _apart()
    st_ = "<urn:x:statement>"
    pieces = [[(a, "<urn:x:p>", '"x"'), *_statement(st_, a)], [("<urn:x:other>", "<urn:x:p>", '"y"')],
              [(b, "<urn:x:p>", '"x"'), *_statement(st_, b)], [("<urn:x:source>", f"<{RDF.type}>", f"<{ODG.Excerpt}>")]]
    if one_piece:
        pieces = [pieces[0] + pieces[2] + pieces[1], pieces[3]]
    rows = [r for piece in pieces for r in piece]
    found, tangled = in_parts(pieces, _unsourced(), Path(tempfile.mkdtemp(prefix="odg-parts-")))
    assert tangled and found == whole(rows, _unsourced())
    assert {s for _, s, *_ in found} == {st_, "<urn:x:other>"}  # the statement's own triples: 5 rows, not 4


def test_a_statement_about_a_statement_tangles_the_parts() -> None:
    """A statement reifying a triple of another statement: its triples went to the part of the statement it is
    about, not to that of the node the other is about."""
    import zlib

    from opendata_graph.core.namespaces import ODG, RDF

    a, _ = _apart()
    first = next(f"<urn:x:st{i}>" for i in range(100) if zlib.crc32(f"<urn:x:st{i}>".encode()) % 5
                 != zlib.crc32(a.encode()) % 5)
    second = [("<urn:x:meta>", f"<{RDF.subject}>", first), ("<urn:x:meta>", f"<{RDF.predicate}>", f"<{RDF.subject}>"),
              ("<urn:x:meta>", f"<{RDF.object}>", a), ("<urn:x:meta>", "<http://www.w3.org/ns/prov#wasDerivedFrom>",
                                                      "<urn:x:source>")]
    pieces = [[(a, "<urn:x:p>", '"x"'), *_statement(first, a)], second,
              [("<urn:x:source>", f"<{RDF.type}>", f"<{ODG.Excerpt}>")]]
    rows = [r for piece in pieces for r in piece]
    found, tangled = in_parts(pieces, _unsourced(), Path(tempfile.mkdtemp(prefix="odg-parts-")))
    assert tangled and found == whole(rows, _unsourced())
    assert (first, f"<{RDF.subject}>") not in {(s, p) for _, s, p, *_ in found}  # sourced by the second


def test_an_answer_without_a_subject_is_the_whole_graphs() -> None:
    """A row whose ?subject is unbound (a UNION branch that does not bind it) is owned by no part: the whole graph
    answers, once -- not every part (five rows), nor none."""
    queries = written("SELECT ?subject ?x WHERE { { ?subject a <urn:x:Nothing> } UNION { VALUES ?x { 1 } } }")
    assert partable(queries)
    rows = [r for file in files() for r in file]
    found, tangled = in_parts(files(), queries, Path(tempfile.mkdtemp(prefix="odg-parts-")))
    assert tangled and found == whole(rows, queries) and len(found) == 1


@pytest.mark.parametrize("escaped", ["predicate", "source"])
def test_an_escape_where_the_parts_compare_text_tangles_them(escaped: str) -> None:
    """The parts recognise statements and their sources by the text of the rows; a store reads ``\\u0041`` as
    ``A``. A predicate or a cited source written with an escape sends the run to one store of the whole graph."""
    from opendata_graph.core.namespaces import ODG, PROV, RDF

    a, _ = _apart()
    source = "<urn:x:src\\u0041>" if escaped == "source" else "<urn:x:srcA>"
    derived = f"<{PROV.wasDerivedFrom}>".replace("From", "Fr\\u006Fm") if escaped == "predicate" else \
        f"<{PROV.wasDerivedFrom}>"
    rows = [(a, "<urn:x:p>", '"x"'), *_statement("<urn:x:st>", a)[:3], ("<urn:x:st>", derived, source),
            ("<urn:x:srcA>", f"<{RDF.type}>", f"<{ODG.Excerpt}>")]
    queries = _unsourced()
    found, tangled = in_parts([rows], queries, Path(tempfile.mkdtemp(prefix="odg-parts-")))
    assert tangled and found == whole(rows, queries)
