"""Whole-graph checks used by the tests on the real release and on deliberately broken graphs."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from pyoxigraph import BlankNode, NamedNode, Quad, RdfFormat, Store, Triple, parse

from opendata_graph.namespaces import OWL, RDF

DOC = "id: d004\nlabel: ODI post\nlocal_copy: 004_5784272d4999a78f.txt\n"


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


def _load_generator():  # type: ignore[no-untyped-def]
    """benchmarks/generate.py (synthetic registries), loaded by path: it is a script, not a package."""
    import importlib.util

    root = Path(__file__).resolve().parents[1]
    spec = importlib.util.spec_from_file_location("generate", root / "benchmarks" / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


generate = _load_generator()
