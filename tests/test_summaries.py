"""The summary box answers "who or what is this" first: a person's posts with their organisations, an
organisation's datasets, licences and standards, a dataset's licences and publisher, a cohort's members."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pyoxigraph import RdfFormat, Store

from opendata_graph.namespaces import DEFAULT_BASE
from opendata_graph.pages import Site


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
    wikipedia = summary(site, "dataset/wikipedia-content")
    assert wikipedia["Published by"] == ["Wikimedia Foundation"]
    assert "CC BY-SA 4.0" in wikipedia["Licences"]


def test_a_cohort_lists_its_members_first(site: Site) -> None:
    members = summary(site, "cohort/cohort-2")["Members"]
    assert len(members) == 7 and all(m.endswith("(participating organisation)") for m in members), members
