"""A runner for the W3C SHACL test suite (vendored in ``tests/vendor/w3c/shacl/``), manifest driven.

Each ``sht:Validate`` entry names a data graph, a shapes graph and the expected ``sh:ValidationReport`` or
``sht:Failure`` (the shapes graph must be rejected). An engine's report is compared with the expected one on
``sh:conforms`` and on its results as a multiset of (focus node, path, value, source shape, constraint component,
severity); blank nodes that are paths or shapes are compared by structure (their triples, recursively), blank
focus nodes and values as "a blank node" (each engine labels the data's blank nodes its own way).
The file ``sparql/component/nodeValidator-001.ttl`` is in the suite's folder but in no manifest: it is run too.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import rdflib
from rdflib.collection import Collection

from opendata_graph.core.errors import OdgError
from opendata_graph.core.terms import Row
from opendata_graph.stages.shapes import Engine, read_files, report_rows

#: The suite, vendored with its licence (tests/vendor/w3c/LICENSE.md, README.md: where it was copied from).
SUITE = Path(__file__).resolve().parent / "vendor" / "w3c" / "shacl"
MF = rdflib.Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
SHT = rdflib.Namespace("http://www.w3.org/ns/shacl-test#")
SH = rdflib.Namespace("http://www.w3.org/ns/shacl#")
EXTRA = ("sparql/component/nodeValidator-001.ttl",)


@dataclass(frozen=True)
class Case:
    name: str  #: the test file, relative to the suite
    data: Path
    shapes: Path
    failure: bool  #: the shapes graph must be rejected
    conforms: bool
    results: Counter[tuple[Any, ...]]


def _load(path: Path) -> rdflib.Graph:
    return rdflib.Graph().parse(path, format="turtle", publicID=path.resolve().as_uri())


def cases() -> list[Case]:
    found: list[Case] = []
    seen: set[Path] = set()

    def manifest(path: Path) -> None:
        g = _load(path)
        for m in g.subjects(rdflib.RDF.type, MF.Manifest):
            for inc in g.objects(m, MF.include):
                manifest(Path(inc.removeprefix("file://")))
            for lst in g.objects(m, MF.entries):
                for entry in Collection(g, lst):
                    found.append(_case(g, entry, path))
        seen.add(path)

    manifest(SUITE / "manifest.ttl")
    for extra in EXTRA:
        path = SUITE / extra
        g = _load(path)
        entries = [e for m in g.subjects(rdflib.RDF.type, MF.Manifest) for lst in g.objects(m, MF.entries)
                   for e in Collection(g, lst)]
        found += [_case(g, e, path) for e in entries]
    return found


def _case(g: rdflib.Graph, entry: Any, path: Path) -> Case:
    action = g.value(entry, MF.action)
    data = Path(str(g.value(action, SHT.dataGraph)).removeprefix("file://"))
    shapes = Path(str(g.value(action, SHT.shapesGraph)).removeprefix("file://"))
    result = g.value(entry, MF.result)
    name = str(path.relative_to(SUITE))
    if result == SHT.Failure:
        return Case(name, data, shapes, True, False, Counter())
    expected = _load(path) if path == data else _load(path) + _load(shapes)
    conforms = bool(g.value(result, SH.conforms).toPython())
    return Case(name, data, shapes, False, conforms, results(g, result, expected))


def results(report: rdflib.Graph, node: Any, described: rdflib.Graph) -> Counter[tuple[Any, ...]]:
    """The results of a report node as comparable keys (structure of blank paths and shapes from ``described``)."""
    out: Counter[tuple[Any, ...]] = Counter()
    for r in report.objects(node, SH.result):
        def get(p: Any, r: Any = r) -> Any:
            return canon(report.value(r, p), described + report)
        out[(get(SH.focusNode), get(SH.resultPath), get(SH.value), get(SH.sourceShape),
             get(SH.sourceConstraintComponent), get(SH.resultSeverity))] += 1
    return out


def canon(term: Any, g: rdflib.Graph, depth: int = 0) -> Any:
    if term is None:
        return None
    if isinstance(term, rdflib.BNode):
        triples = tuple(sorted((str(p), repr(canon(o, g, depth + 1))) for p, o in g.predicate_objects(term)
                               if depth < 12))
        return ("blank", triples) if triples else ("blank",)
    return term.n3()


def blank_focus(key: tuple[Any, ...]) -> tuple[Any, ...]:
    """Blank focus nodes and values of the data graph compared as "a blank node"."""
    def loose(x: Any, data: bool) -> Any:
        return ("blank",) if data and isinstance(x, tuple) else x
    return tuple(loose(x, i in (0, 2)) for i, x in enumerate(key))


@dataclass
class Outcome:
    case: Case
    verdict: str  #: right | wrong | crash | rejected (a Failure test passed) | accepted (a Failure test failed)
    detail: str = ""


#: Each (case, engine)'s outcome, once per test session (the per-case tests and the summary read the same).
_OUTCOMES: dict[tuple[str, str], Outcome] = {}


def run_ours(case: Case, engine: str) -> Outcome:
    """Run a case through opendata-graph's own reading of the shapes and the chosen engine (once a session)."""
    key = (case.name, engine)
    if key not in _OUTCOMES:
        _OUTCOMES[key] = _run_ours(case, engine)
    return _OUTCOMES[key]


def _run_ours(case: Case, engine: str) -> Outcome:
    from pyoxigraph import RdfFormat, parse

    try:
        shapes = read_files([case.shapes], case.shapes)
        data: list[Row] = [(str(t.subject), str(t.predicate), str(t.object))
                           for t in parse(path=str(case.data), format=RdfFormat.TURTLE,
                                          base_iri=case.data.resolve().as_uri())]
        violations = Engine(shapes, engine).validate(data)
    except OdgError as exc:
        return Outcome(case, "rejected" if case.failure else "crash", str(exc).splitlines()[0])
    except Exception as exc:  # an engine's internal error is counted, not raised
        return Outcome(case, "crash", f"{type(exc).__name__}: {exc}")
    if case.failure:
        return Outcome(case, "accepted", f"{len(violations)} result(s)")
    rows = report_rows(violations, shapes)
    g = rdflib.Graph().parse(data="".join(f"{s} {p} {o} .\n" for s, p, o in rows), format="nt")
    report = next(g.subjects(rdflib.RDF.type, SH.ValidationReport))
    conforms = bool(g.value(report, SH.conforms).toPython())
    return _compare(case, conforms, results(g, report, g))


def _compare(case: Case, conforms: bool, actual: Counter[tuple[Any, ...]]) -> Outcome:
    expected = Counter(blank_focus(k) for k in case.results.elements())
    got = Counter(blank_focus(k) for k in actual.elements())
    if conforms == case.conforms and got == expected:
        return Outcome(case, "right")
    missing, extra = expected - got, got - expected
    return Outcome(case, "wrong", f"conforms {conforms} (expected {case.conforms}); "
                                  f"missing {list(missing)[:2]}; extra {list(extra)[:2]}")


def tally(outcomes: list[Outcome]) -> dict[str, int]:
    counts = Counter(o.verdict for o in outcomes)
    return {k: counts.get(k, 0) for k in ("right", "rejected", "wrong", "accepted", "crash")}


def summary(label: str, outcomes: list[Outcome]) -> str:
    t = tally(outcomes)
    good = t["right"] + t["rejected"]
    return (f"W3C SHACL: {good}/{len(outcomes)} right ({label}; {t['wrong']} wrong, {t['accepted']} must-reject "
            f"accepted, {t['crash']} crashed)")


def iterate(engine: str) -> Iterator[Outcome]:
    for case in cases():
        yield run_ours(case, engine)
