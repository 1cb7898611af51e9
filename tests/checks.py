"""The tests' shared helpers: whole-graph checks, small data directories, runs of odg, the shapes as rdflib sees
them, and the synthetic registries of :mod:`tests.registry` (``generate``).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import rdflib
from click.testing import CliRunner
from pyoxigraph import BlankNode, NamedNode, Quad, RdfFormat, Store, Triple, parse, serialize

from opendata_graph.cli import cli
from opendata_graph.core import paths
from opendata_graph.core.namespaces import DEFAULT_BASE, OWL, RDF
from opendata_graph.stages.pipeline import Options
from opendata_graph.stages.validate import load_turtle_dir

from . import registry as generate

__all__ = ["BASE", "NODE_SHAPES", "SH", "SHAPES", "blank_nodes", "copy_of", "declared_terms", "edit", "embedded",
           "generate", "links", "make_data", "mutate", "odg_validate", "options", "to_rdflib", "undeclared_terms",
           "unsourced_facts"]

DOC = "id: d004\nlabel: ODI post\nlocal_copy: 004_5784272d4999a78f.txt\n"


def links(header: str | None) -> set[tuple[str, str, str | None]]:
    """A Link header's links as (target, rel, type)."""
    found = set()
    for target, params in re.findall(r'<([^>]*)>((?:\s*;\s*[a-z]+="[^"]*")*)', header or ""):
        attrs = dict(re.findall(r'([a-z]+)="([^"]*)"', params))
        found.add((target, attrs["rel"], attrs.get("type")))
    return found


def embedded(page: str | bytes) -> list[Any]:
    """The JSON-LD of a page's ``<script type="application/ld+json">`` elements."""
    text = page.decode("utf-8") if isinstance(page, bytes) else page
    return [json.loads(m) for m in re.findall(r'<script type="application/ld\+json">(.*?)</script>', text, re.S)]


def copy_of(source: Path, tmp_path: Path) -> Path:
    """A copy of a directory of the repository (data/, shapes/...) under ``tmp_path``, by the same name."""
    import shutil

    out = tmp_path / source.name
    shutil.copytree(source, out)
    return out


def make_data(tmp_path: Path, files: dict[str, str | bytes]) -> Path:
    """A data directory holding document d004 and ``files`` (relative path -> content)."""
    data = tmp_path / "data"
    for name, content in {"documents/d004.yaml": DOC, **files}.items():
        path = data / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return data


def blank_nodes(triples: Iterable[Triple]) -> list[Triple]:
    return [t for t in triples if isinstance(t.subject, BlankNode) or isinstance(t.object, BlankNode)]


def declared_terms(ontology: bytes) -> set[str]:
    """Classes and properties the ontology declares (any rdf:type owl:Class/…Property/rdf:Property)."""
    kinds = {OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty, RDF.Property}
    return {t.subject.value for t in parse(ontology, format=RdfFormat.TURTLE)
            if t.predicate.value == RDF.type and t.object.value in kinds}


def undeclared_terms(triples: Iterable[Triple], ontology: bytes) -> set[str]:
    """Predicates and classes used in ``triples`` that the ontology does not declare."""
    declared = declared_terms(ontology)
    used = set()
    for t in triples:
        used.add(t.predicate.value)
        if t.predicate.value == RDF.type and isinstance(t.object, NamedNode):
            used.add(t.object.value)
    return used - declared


def unsourced_facts(triples: Iterable[Triple], query: str) -> list[tuple[str, ...]]:
    store = Store()
    store.extend(Quad(t.subject, t.predicate, t.object) for t in triples)
    return [tuple(str(v) for v in row) for row in store.query(query)]


# -- options and runs ----------------------------------------------------------------------------------------------

BASE = DEFAULT_BASE


def options(dist: Path, data: Path | None = None) -> Options:
    seeds = paths.seeds_dir()
    return Options(data or paths.data_dir(), paths.ontology_dir(), paths.shapes_dir(), paths.queries_dir(), dist,
                   seeds, BASE)


def odg_validate(root: Path, *extra: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["validate", "--data", str(root / "data"), "--seeds", str(root / "seeds"),
                                      *extra])
    return result.exit_code, result.output


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


# -- the shapes, as rdflib sees them (for pyshacl and mutation tests) -------------------------------------------

SH = rdflib.Namespace("http://www.w3.org/ns/shacl#")
SHAPES = rdflib.Graph().parse(data=load_turtle_dir(paths.shapes_dir()), format="turtle")
NODE_SHAPES = sorted(str(s) for s in SHAPES.subjects(SH.targetClass, None))
#: Shapes of what the real release holds none of (it has retired no record yet), and query files that return no
#: rows on it: tests/test_tombstones.py builds a release with tombstones and runs these there.
NOT_IN_THE_RELEASE = {"https://w3id.org/opendata-graph/shapes#Retired"}
NO_ROWS_IN_THE_RELEASE = {"retired"}


def to_rdflib(triples: list[Triple]) -> rdflib.Graph:
    return rdflib.Graph().parse(data=serialize(triples, format=RdfFormat.N_TRIPLES), format="nt")


def required_path(shape: rdflib.URIRef) -> rdflib.URIRef | None:
    """The path of the first property shape of ``shape`` with sh:minCount >= 1 and a plain IRI path."""
    for prop in sorted(SHAPES.objects(shape, SH.property), key=str):
        path = SHAPES.value(prop, SH.path)
        count = SHAPES.value(prop, SH.minCount)
        if isinstance(path, rdflib.URIRef) and count is not None and int(count) >= 1 and path != rdflib.RDF.type:
            return path
    return None


def mutate(data: rdflib.Graph, shapes: Iterable[str] = ()) -> tuple[rdflib.Graph, dict[str, rdflib.term.Node]]:
    """A copy of ``data`` in which one focus node per node shape (``shapes``, default: those the real release
    has focus nodes of) breaks it; returns it and shape -> focus node."""
    mutated = rdflib.Graph()
    for t in data:
        mutated.add(t)
    expected: dict[str, rdflib.term.Node] = {}
    used_focus: set[rdflib.term.Node] = set()
    for shape_iri in shapes or [s for s in NODE_SHAPES if s not in NOT_IN_THE_RELEASE]:
        shape = rdflib.URIRef(shape_iri)
        cls = SHAPES.value(shape, SH.targetClass)
        focus = next(f for f in sorted(data.subjects(rdflib.RDF.type, cls)) if f not in used_focus)
        used_focus.add(focus)
        path = required_path(shape)
        if path is not None:
            mutated.remove((focus, path, None))
        else:
            for p, o in list(mutated.predicate_objects(focus)):
                if p != rdflib.RDF.type:
                    mutated.remove((focus, p, o))
        expected[shape_iri] = focus
    return mutated, expected


#: The standard prefixes a consumer of the dumps writes (no project term): the contract tests' queries.
PREFIXES = """
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX schema: <http://schema.org/>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX dcat: <http://www.w3.org/ns/dcat#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX oa: <http://www.w3.org/ns/oa#>
PREFIX time: <http://www.w3.org/2006/time#>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX cc: <http://creativecommons.org/ns#>
"""


def select(store: Store, query: str) -> set[tuple[str, ...]]:
    """The rows of a query (its standard prefixes declared) as tuples of term values, "" for an unbound one."""
    return {tuple(term.value if term is not None else "" for term in row) for row in store.query(PREFIXES + query)}


def sums_hold(directory: Path) -> bool:
    """Whether every line of a directory's SHA256SUMS holds for its file (and there is one)."""
    lines = (directory / "SHA256SUMS").read_text().splitlines()
    return bool(lines) and all(hashlib.sha256((directory / n).read_bytes()).hexdigest() == h
                               for h, n in (line.split("  ") for line in lines))
