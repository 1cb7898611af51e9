"""Pages speak in names, not codes: a property, a class or an outside IRI by its label (the ontology's, the
standard term's name, the release's label of the thing, a registry's name and id), the CURIE only on hover."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from opendata_graph import paths
from opendata_graph.namespaces import DEFAULT_BASE, PREFIXES
from opendata_graph.site import export

#: A CURIE of a prefix the release uses, as a reader would see it in running text.
CURIE = re.compile(r"(?<![\w/:.#-])(?:" + "|".join(sorted(PREFIXES, key=len, reverse=True)) + r"):[A-Za-z_][\w.-]*")
#: What is allowed to show codes: code and pre blocks (IRIs, SPARQL), the hover text, scripts and styles.
CODE = re.compile(r"<(code|pre|script|style|textarea|title)\b.*?</\1>", re.S)


def visible(page: str) -> str:
    """The text of a page a reader sees, without code blocks and attributes (hover text is not read)."""
    text = re.sub(r"<[^>]+>", " ", CODE.sub(" ", page))
    return html.unescape(text)


@pytest.fixture(scope="module")
def site(dist: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("words") / "site"
    export(dist, out, DEFAULT_BASE, paths.queries_dir(), root="/", target="https://odg.example/")
    return out


def test_no_page_shows_a_curie_as_text(site: Path, dist: Path) -> None:
    """Only the data's own text may hold a code (a definition or a note that names a term, evidence quoting a
    repository): every other CURIE a reader sees is the page's doing."""
    from pyoxigraph import Literal, RdfFormat, parse

    said = {c for t in parse(path=str(dist / "opendata-graph.nt"), format=RdfFormat.N_TRIPLES)
            if isinstance(t.object, Literal) for c in CURIE.findall(t.object.value)}
    skip = {"query.html", "queries.html", "ontology.html"}  # SPARQL and the ontology's own terms are code there
    found: dict[str, set[str]] = {}
    pages = [p for p in site.rglob("*.html") if p.name not in skip and p.parent.name != "queries"]
    assert len(pages) > 100
    for page in pages:
        codes = set(CURIE.findall(visible(page.read_text(encoding="utf-8")))) - said
        if codes:
            found[str(page.relative_to(site))] = codes
    assert found == {}, f"{len(found)} pages show codes, e.g. {sorted(found.items())[:5]}"


def test_outside_iris_read_as_names_with_the_code_on_hover(site: Path) -> None:
    gbif = (site / "organisation" / "gbif.html").read_text(encoding="utf-8")
    assert re.search(r'<a href="http://www\.wikidata\.org/entity/(Q\d+)" title="wd:\1">Wikidata \1</a>', gbif), \
        "GBIF's Wikidata item is not named as one"
    home = (site / "index.html").read_text(encoding="utf-8")
    assert '<span title="rdf:Statement">Statement</span>' in home


def test_the_release_description_names_its_class_partitions_and_licence(site: Path) -> None:
    page = visible((site / "dataset.html").read_text(encoding="utf-8"))
    assert "dataset/class/" not in page  # a partition reads as its class and count, not as its hash IRI
    assert re.search(r"Organization \(\d+\)", page), page[:500]
    assert "SPDX CC-BY-4.0" in page
