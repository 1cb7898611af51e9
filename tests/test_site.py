"""`odg site OUT/`: a static copy whose every internal link resolves, with per-resource data files and the
rewrite rules a static host needs for content negotiation."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pyoxigraph import RdfFormat, parse

from opendata_graph import paths
from opendata_graph.namespaces import DEFAULT_BASE, FOAF
from opendata_graph.site import export


@pytest.fixture(scope="module")
def site(dist: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site") / "site"
    export(dist, out, DEFAULT_BASE, paths.queries_dir(), root="/", target="https://odg.example/")
    return out


def test_every_minted_iri_has_four_representations(site: Path, dist: Path) -> None:
    triples = list(parse(path=str(dist / "opendata-graph.nt"), format=RdfFormat.N_TRIPLES))
    subjects = {t.subject.value for t in triples}
    minted = {s for s in subjects if s.startswith(DEFAULT_BASE)}
    missing = [f"{iri} {ext}" for iri in sorted(minted) for ext in (".html", ".ttl", ".jsonld", ".nt")
               if not (site / (iri[len(DEFAULT_BASE):] + ext)).is_file()]
    assert missing == []
    # a licence known by its SPDX IRI is described on its page (the minted IRI is foaf:primaryTopic of it)
    pages = {t.subject.value: t.object.value for t in triples if t.predicate.value == FOAF.primaryTopic}
    assert len(pages) == 8 and set(pages.values()) == subjects - minted
    for page, topic in pages.items():
        described = {t.subject.value for t in parse(path=str(site / (page[len(DEFAULT_BASE):] + ".ttl")),
                                                     format=RdfFormat.TURTLE)}
        assert topic in described, page
        assert f"<code>{topic}</code>" in (site / (page[len(DEFAULT_BASE):] + ".html")).read_text(encoding="utf-8")
    gbif = {t.subject.value for t in parse(path=str(site / "organisation" / "gbif.ttl"), format=RdfFormat.TURTLE)}
    assert DEFAULT_BASE + "organisation/gbif" in gbif


def test_every_internal_link_resolves(site: Path) -> None:
    broken = []
    pages = list(site.rglob("*.html"))
    assert len(pages) > 2000
    for page in pages:
        for href in re.findall(r'href="([^"#?]+)', page.read_text(encoding="utf-8")):
            if href.startswith("/") and not (site / href.lstrip("/")).is_file():
                broken.append(f"{page.relative_to(site)} -> {href}")
    assert broken == []


def test_queries_are_pre_rendered(site: Path) -> None:
    page = (site / "queries" / "people-and-roles.html").read_text(encoding="utf-8")
    assert "Results <span class=count>(9 rows)</span>" in page
    assert (site / "queries.html").read_text(encoding="utf-8").count("Run: see the results") >= 15


def test_the_site_never_writes_outside_its_directory(tmp_path: Path, dist: Path) -> None:
    import shutil
    import subprocess
    import sys

    release = tmp_path / "release"
    shutil.copytree(dist, release)
    with (release / "opendata-graph.nt").open("a", encoding="utf-8") as f:
        f.write("<https://w3id.org/opendata-graph/../../escaped> <http://www.w3.org/2000/01/rdf-schema#label> \"x\" .\n")
    out = tmp_path / "a" / "b" / "site"
    result = subprocess.run([sys.executable, "-m", "opendata_graph.cli", "site", str(out), "--dist", str(release)],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 2, result.stderr
    assert "outside the site" in result.stderr and "Traceback" not in result.stderr
    assert not list(tmp_path.rglob("escaped*")) and not out.exists()  # refused before anything was written
    onto_a_file = subprocess.run([sys.executable, "-m", "opendata_graph.cli", "site", str(release / "void.ttl"),
                                  "--dist", str(release)], capture_output=True, text=True, timeout=300)
    assert onto_a_file.returncode == 2 and "is a file" in onto_a_file.stderr


def test_a_re_export_removes_what_the_release_no_longer_has_and_nothing_else(tmp_path: Path, dist: Path) -> None:
    """Pages of records that are gone do not stay behind (a host would keep serving them); files odg did not write
    stay."""
    out = tmp_path / "site"
    export(dist, out, DEFAULT_BASE, None)
    assert (out / "organisation" / "gbif.html").is_file()
    (out / "organisation" / "notes-of-mine.txt").write_text("mine", encoding="utf-8")
    lines = (dist / "opendata-graph.nt").read_text(encoding="utf-8").splitlines()
    people = tmp_path / "people.nt"  # a release of the people only
    people.write_text("\n".join(line for line in lines if line.startswith(f"<{DEFAULT_BASE}person/")) + "\n",
                      encoding="utf-8")
    export(people, out, DEFAULT_BASE, None)
    assert (out / "person" / "tim-robertson.html").is_file()
    assert not (out / "organisation" / "gbif.html").exists() and not (out / "organisation" / "gbif").exists()
    assert (out / "organisation" / "notes-of-mine.txt").read_text(encoding="utf-8") == "mine"
    listed = set((out / ".odg-site-files").read_text(encoding="utf-8").splitlines())
    assert "person/tim-robertson.html" in listed and "organisation/gbif.html" not in listed
