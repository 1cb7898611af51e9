"""The summary box answers "who or what is this" first: a person's posts with their organisations, an
organisation's datasets, licences and standards, a dataset's licences and publisher, a cohort's members."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pyoxigraph import RdfFormat, Store

from opendata_graph.core.namespaces import DEFAULT_BASE
from opendata_graph.web.pages import Site


@pytest.fixture(scope="module")
def site(dist: Path) -> Site:
    store = Store()
    store.load(path=str(dist / "opendata-graph.nt"), format=RdfFormat.N_TRIPLES)
    return Site(store, DEFAULT_BASE)


def summary(site: Site, path: str) -> dict[str, list[str]]:
    """The summary box of a page as heading -> the texts of its values (markup and quotes dropped)."""
    box = re.search(r'<section class="summary".*?</section>', site.resource(DEFAULT_BASE + path), re.S)
    assert box is not None
    html = re.sub(r"<details>.*?</details>", "", box.group(0), flags=re.S)
    out: dict[str, list[str]] = {}
    for heading, values in re.findall(r"<dt>(.*?)</dt>((?:<dd[^>]*>.*?</dd>)+)", html, re.S):
        out[heading] = [re.sub(r"<[^>]+>", "", v).strip() for v in re.findall(r"<dd[^>]*>(.*?)</dd>", values, re.S)]
    return out


def test_a_person_is_their_post_and_organisation(site: Site) -> None:
    assert summary(site, "person/tim-robertson")["Posts"] == ["Head of Informatics, Global Biodiversity Information Facility"]


def test_an_organisation_shows_what_it_publishes_under_which_licences(site: Site) -> None:
    gbif = summary(site, "organisation/gbif")
    assert gbif["Publishes"] == ["GBIF.org index of species occurrence records"]
    assert {"CC BY 4.0 (one of the options)", "CC0 1.0 (one of the options)"} <= set(gbif["Licences"]), gbif


def test_a_dataset_shows_its_licence_and_publisher(site: Site) -> None:
    osm = summary(site, "dataset/openstreetmap-data")
    assert osm["Published by"] == ["OpenStreetMap Foundation"], osm
    assert "ODbL 1.0" in osm["Licences"] or any("Open Database" in x for x in osm["Licences"]), osm
    wikipedia = summary(site, "dataset/wikipedia-content")  # "hosts Wikipedia": the host, not a publisher
    assert wikipedia["Hosted by"] == ["Wikimedia Foundation"] and "Published by" not in wikipedia
    assert "CC BY-SA 4.0" in wikipedia["Licences"]


def test_a_cohort_lists_its_members_first(site: Site) -> None:
    members = summary(site, "cohort/cohort-2")["Members"]
    assert len(members) == 7 and all(m.endswith("(participating organisation)") for m in members), members


def test_cite_this_names_the_record_and_the_release_as_text_bibtex_and_csl_json(site: Site) -> None:
    import html
    import json

    from opendata_graph.web.pages import citation_of

    void = Store()
    void.load(b"""@prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix dct: <http://purl.org/dc/terms/> .
        @prefix foaf: <http://xmlns.com/foaf/0.1/> . @prefix void: <http://rdfs.org/ns/void#> .
        <https://w3id.org/opendata-graph/dataset> a void:Dataset ; dct:title "opendata-graph release" ;
          dcat:version "1.2.0" ; dct:issued "2026-11-30"^^<http://www.w3.org/2001/XMLSchema#date> ;
          dct:publisher [ foaf:name "The opendata-graph project" ] .""", format=RdfFormat.TURTLE)
    site.citation = citation_of(void)
    try:
        page = site.resource(DEFAULT_BASE + "organisation/gbif")
    finally:
        site.citation = {}
    box = re.search(r'<details class="cite">(.*?)</details>', page, re.S)
    assert box is not None
    text, bibtex, csl = (html.unescape(x) for x in re.findall(r"<(?:p|pre)>(.*?)</(?:p|pre)>", box.group(1), re.S))
    assert text == ("The opendata-graph project. “Global Biodiversity Information Facility”. In: opendata-graph "
                    "release, version 1.2.0 (2026-11-30). https://w3id.org/opendata-graph/organisation/gbif")
    assert bibtex.startswith("@misc{odg-organisation-gbif,") and bibtex.count("{") == bibtex.count("}")
    assert "author = {{The opendata-graph project}}" in bibtex and "year = {2026}" in bibtex
    data = json.loads(csl)
    assert data["type"] == "dataset" and data["issued"] == {"date-parts": [[2026, 11, 30]]}
    assert data["URL"] == data["id"] == DEFAULT_BASE + "organisation/gbif" and data["version"] == "1.2.0"


def test_a_build_without_a_release_date_is_cited_without_one(site: Site, dist: Path) -> None:
    from opendata_graph.web.pages import citation_of

    void = Store()
    void.load(path=str(dist / "void.ttl"), format=RdfFormat.TURTLE)
    citation = citation_of(void)
    assert citation.get("title") and "issued" not in citation  # nothing depends on the clock
