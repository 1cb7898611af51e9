"""The schema.org Dataset of the release (home page, the release description's dataset pages), checked against
schema.org's own definitions (tests/vocabularies/: release 12.0, with its provenance)."""

from __future__ import annotations

import gzip
import hashlib
import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyoxigraph import Literal, NamedNode, Quad, RdfFormat, Store, parse

from opendata_graph.core.formats import DUMPS
from opendata_graph.core.namespaces import DCAT, DCTERMS, DEFAULT_BASE, RDF, RDFS, SCHEMA_WEB
from opendata_graph.web import schemaorg
from opendata_graph.web.serve import load_app

from .checks import embedded

VOCABULARY = Path(__file__).parent / "vocabularies" / "schemaorg-current-https-12.0.ttl.gz"
VOCABULARY_SHA256 = "a60285056a3b7f144e6562f4ee09023a108a8338e13876c98465bc4803a35e73"
#: schema.org's data types a JSON string can be, by what the string looks like
URL_RE = re.compile(r"https?://\S+")
DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
DATETIME_RE = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?")


@dataclass
class Vocabulary:
    """schema.org's classes (each with its super-classes) and properties (domainIncludes, rangeIncludes)."""

    parents: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    classes: set[str] = field(default_factory=set)
    domains: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    ranges: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    properties: set[str] = field(default_factory=set)

    def ancestors(self, name: str) -> set[str]:
        seen, todo = {name}, [name]
        while todo:
            for p in self.parents.get(todo.pop(), ()):
                if p not in seen:
                    seen.add(p)
                    todo.append(p)
        return seen


@pytest.fixture(scope="module")
def vocabulary() -> Vocabulary:
    data = gzip.decompress(VOCABULARY.read_bytes())
    assert hashlib.sha256(data).hexdigest() == VOCABULARY_SHA256, "the vendored schema.org file changed"
    ns, v = str(SCHEMA_WEB), Vocabulary()
    for t in parse(data, format=RdfFormat.TURTLE):
        s, p, o = t.subject.value, t.predicate.value, t.object.value
        if not s.startswith(ns):
            continue
        name, other = s[len(ns):], o[len(ns):] if o.startswith(ns) else None
        if p == RDF.type and o == RDFS.Class:
            v.classes.add(name)
        elif p == RDF.type and o == RDF.Property:
            v.properties.add(name)
        elif p == RDFS.subClassOf and other:
            v.parents[name].add(other)
        elif p == RDF.type and other == "DataType":  # Text, URL, Date...: classes too (DataType is one)
            v.classes.add(name)
        elif p == SCHEMA_WEB.domainIncludes and other:
            v.domains[name].add(other)
        elif p == SCHEMA_WEB.rangeIncludes and other:
            v.ranges[name].add(other)
    assert {"Dataset", "DataDownload", "Organization", "Text", "URL"} <= v.classes and len(v.properties) > 1000
    return v


def _string_types(value: str) -> set[str]:
    """The schema.org data types a JSON string stands for (JSON-LD with schema.org's context: plain text)."""
    kinds = {"Text"}
    if URL_RE.fullmatch(value):
        kinds.add("URL")
    if DATE_RE.fullmatch(value):
        kinds |= {"Date"}
    if DATETIME_RE.fullmatch(value):
        kinds |= {"DateTime"}
    return kinds


def problems(node: dict[str, Any], vocabulary: Vocabulary, where: str = "$") -> list[str]:
    """What in ``node`` (a JSON-LD node object under schema.org's context) schema.org does not define: an unknown
    type or property, a property whose domainIncludes holds none of the node's types and their super-classes, a
    value none of whose types (an object's @type and super-classes; a string's data type) is in its
    rangeIncludes (or a sub-class of one)."""
    found = []
    types = node.get("@type")
    types = [types] if isinstance(types, str) else types
    if not types:
        return [f"{where}: no @type"]
    found += [f"{where}: {t} is not a schema.org type" for t in types if t not in vocabulary.classes]
    mine = set().union(*(vocabulary.ancestors(t) for t in types))
    for key, values in node.items():
        if key.startswith("@"):
            continue
        if key not in vocabulary.properties:
            found.append(f"{where}.{key}: not a schema.org property")
            continue
        if not mine & vocabulary.domains[key]:
            found.append(f"{where}.{key}: not a property of {'/'.join(types)} (domainIncludes "
                         f"{sorted(vocabulary.domains[key])})")
        for i, value in enumerate(values if isinstance(values, list) else [values]):
            at = f"{where}.{key}[{i}]" if isinstance(values, list) else f"{where}.{key}"
            if isinstance(value, dict):
                found += problems(value, vocabulary, at)
                kinds = set().union(*(vocabulary.ancestors(t) for t in (
                    [value["@type"]] if isinstance(value.get("@type"), str) else value.get("@type", []))))
            elif isinstance(value, str):
                kinds = set().union(*(vocabulary.ancestors(t) for t in _string_types(value)))
            else:
                kinds = set().union(*(vocabulary.ancestors(t) for t in (
                    ("Boolean",) if isinstance(value, bool) else ("Number", "Integer", "Float"))))
            if not kinds & vocabulary.ranges[key]:
                found.append(f"{at}: {value!r} fits none of {sorted(vocabulary.ranges[key])}")
    return found


VALID = {"@context": "https://schema.org/", "@type": "Dataset", "name": "x", "license": "https://example.org/l",
         "creator": {"@type": "Organization", "name": "o"}, "datePublished": "2026-12-07",
         "distribution": [{"@type": "DataDownload", "contentUrl": "https://example.org/d.ttl",
                           "encodingFormat": "text/turtle"}]}


def test_the_checker_accepts_a_valid_dataset(vocabulary: Vocabulary) -> None:
    assert problems(VALID, vocabulary) == []


@pytest.mark.parametrize(("change", "expected"), [
    ({"@type": "DataSet"}, "$: DataSet is not a schema.org type"),
    ({"licence": "https://example.org/l"}, "$.licence: not a schema.org property"),
    ({"contentUrl": "https://example.org/d"}, "$.contentUrl: not a property of Dataset"),
    ({"creator": "o"}, "$.creator: 'o' fits none of"),
    ({"datePublished": "yesterday"}, "$.datePublished: 'yesterday' fits none of"),
    ({"distribution": [{"@type": "DataDownload", "contentUrl": "not a url"}]},
     "$.distribution[0].contentUrl: 'not a url' fits none of"),
])
def test_the_checker_finds_what_schema_org_does_not_define(vocabulary: Vocabulary, change: dict[str, Any],
                                                           expected: str) -> None:
    found = problems({**VALID, **change}, vocabulary)
    assert any(p.startswith(expected) for p in found), found


@pytest.fixture(scope="module")
def void(dist: Path) -> Store:
    store = Store()
    store.bulk_load(path=str(dist / "void.ttl"), format=RdfFormat.TURTLE)
    return store


DATASET = DEFAULT_BASE + "dataset"


def test_the_release_is_a_schema_org_dataset_as_its_description_states_it(void: Store,
                                                                          vocabulary: Vocabulary) -> None:
    doc = schemaorg.dataset(void, DATASET)
    assert doc is not None
    assert problems(doc, vocabulary) == []

    def value(p: str) -> str:
        return next(q.object.value for q in void.quads_for_pattern(NamedNode(DATASET), NamedNode(p), None))

    assert (doc["@id"], doc["name"], doc["description"], doc["license"], doc["version"]) == (
        DATASET, value(DCTERMS.title), value(DCTERMS.description), value(DCTERMS.license), "0.1.0")
    assert doc["creator"]["@type"] == "Organization" and doc["creator"]["name"]
    downloads = {d["contentUrl"]: d["encodingFormat"] for d in doc["distribution"]}
    for f in DUMPS:  # every dump and its gzip copy, with the format of its bytes
        assert downloads[f"{DEFAULT_BASE}dist/{f.dump}"] == f.media_type
        assert downloads[f"{DEFAULT_BASE}dist/{f.dump}.gz"] == "application/gzip"
    assert "datePublished" not in doc  # the description states no date: none is made up


def test_only_a_dataset_of_the_description_has_one(void: Store) -> None:
    assert schemaorg.dataset(void, DEFAULT_BASE + "organisation/gbif") is None
    assert schemaorg.dataset(void, DEFAULT_BASE + "dataset/distribution/opendata-graph.nt") is None
    assert schemaorg.script(None, DATASET) == ""


def test_the_home_page_and_the_dataset_page_carry_it(dist: Path, void: Store) -> None:
    """The pages `odg serve` and `odg site` both render (the same Site objects load_app makes)."""
    app = load_app(dist, DEFAULT_BASE, None, timeout=10, max_results=10, in_memory=True)
    try:
        expected = schemaorg.dataset(void, DATASET)
        assert embedded(app.site.home(app.description, app.counts, app.title, app.examples, app.dataset)) == [expected]
        assert app.void_site is not None
        assert embedded(app.void_site.resource(DATASET)) == [expected]
        assert embedded(app.site.resource(DEFAULT_BASE + "organisation/gbif")) == []
    finally:
        app.close()


@settings(max_examples=60, deadline=None)
@given(title=st.text(min_size=1, max_size=40),
       description=st.one_of(st.text(max_size=80), st.builds(lambda a, b: f"{a}</script>{b}", st.text(max_size=20),
                                                             st.text(max_size=20))))
def test_no_value_can_close_the_script_element(title: str, description: str) -> None:
    """Whatever the description says, the element holds exactly the JSON of the dataset (no `</script>` inside)."""
    store = Store()
    s = NamedNode(DATASET)
    store.extend([Quad(s, NamedNode(RDF.type), NamedNode(DCAT.Dataset)),
                  Quad(s, NamedNode(DCTERMS.title), Literal(title)),
                  Quad(s, NamedNode(DCTERMS.description), Literal(description))])
    element = schemaorg.script(store, DATASET)
    inner = element.removeprefix('<script type="application/ld+json">').removesuffix("</script>")
    assert "<" not in inner and json.loads(inner) == schemaorg.dataset(store, DATASET)


def test_a_release_version_is_a_dataset_named_after_its_series(dist: Path, tmp_path: Path,
                                                               vocabulary: Vocabulary) -> None:
    """`odg release 1.0.0`: the version's page carries a Dataset with its own version and date, named after the
    series it is a version of, with the series' licence and publisher; the series' has its dates."""
    import shutil

    from click.testing import CliRunner

    from opendata_graph.cli import cli

    target = tmp_path / "dist"
    shutil.copytree(dist, target)
    made = CliRunner().invoke(cli, ["release", "1.0.0", "--dist", str(target), "--date", "2026-12-01"])
    assert made.exit_code == 0, made.output
    release = target / "releases" / "1.0.0"
    store = Store()
    store.bulk_load(path=str(release / "void.ttl"), format=RdfFormat.TURTLE)
    series, version = schemaorg.dataset(store, DATASET), schemaorg.dataset(store, DATASET + "/1.0.0")
    assert series is not None and version is not None
    assert problems(series, vocabulary) == [] and problems(version, vocabulary) == []
    assert (series["datePublished"], series["dateModified"]) == ("2026-12-01", "2026-12-01")
    assert (version["name"], version["version"], version["datePublished"]) == (
        series["name"] + " 1.0.0", "1.0.0", "2026-12-01")
    assert (version["license"], version["creator"]) == (series["license"], series["creator"])
    app = load_app(release, DEFAULT_BASE, None, timeout=10, max_results=10, in_memory=True)
    try:
        assert app.void_site is not None and embedded(app.void_site.resource(DATASET + "/1.0.0")) == [version]
    finally:
        app.close()
