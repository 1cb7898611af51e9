"""The network as a picture: deterministic SVG (the same bytes for the same release), every node a link to its
page, the whole described in words, embedded on the home page and on each cohort's page."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

from pyoxigraph import Quad, RdfFormat, Store, parse

from opendata_graph.core.namespaces import DEFAULT_BASE
from opendata_graph.stages import pictures
from opendata_graph.web.pages import Site


def site_of(dist: Path) -> Site:
    store = Store()
    store.extend(Quad(t.subject, t.predicate, t.object)
                 for t in parse(path=str(dist / "opendata-graph.nt"), format=RdfFormat.N_TRIPLES))
    return Site(store, DEFAULT_BASE)


def test_the_network_is_the_same_svg_every_time_and_each_node_links_to_its_page(dist: Path) -> None:
    site = site_of(dist)
    svg = pictures.network(site.store, site.label, site.href)
    assert svg == pictures.network(site_of(dist).store, site_of(dist).label, site_of(dist).href)
    root = ET.fromstring(svg)  # well-formed XML
    ns = {"s": "http://www.w3.org/2000/svg"}
    links = [a.get("href") for a in root.iter("{http://www.w3.org/2000/svg}a")]
    assert len(links) == len(set(links)) >= 25
    assert all(href is not None and (href.startswith("/") or href.startswith("http")) for href in links)
    for href in links:
        if href and href.startswith("/"):
            assert site.exists(DEFAULT_BASE + href.lstrip("/")), href
    description = root.find("s:desc", ns)
    assert description is not None and description.text is not None
    for member in ("Global Biodiversity Information Facility", "OpenStreetMap Foundation", "Data Cargo"):
        assert member in description.text
    assert "OpenStreetMap data is under the licence Open Database License (ODbL) 1.0" in description.text
    assert re.search(r"\d+ programmes, 2 cohorts, 13 members", description.text)


def test_the_home_and_cohort_pages_show_it(dist: Path) -> None:
    site = site_of(dist)
    home = site.home("", [], "opendata-graph release")
    assert home.count("<svg ") == 2 and 'href="/network.svg"' in home and 'href="/timeline.svg"' in home
    cohort = site.resource(DEFAULT_BASE + "cohort/cohort-1")
    network = cohort.split('<svg ', 1)[1].split("</svg>")[0]
    assert cohort.count("<svg ") == 2 and "Data Cargo" in network
    assert "OpenStreetMap Foundation" not in cohort  # only this cohort's members, in both pictures


def test_the_timeline_draws_only_what_the_sources_date(dist: Path) -> None:
    """A dot where a membership is known to hold on a date (the first cohort's, on 2021-01-19, the day of the
    source); the programme's memberships as a dashed bar ending at its stated end, April 2023, with no beginning
    drawn as known; the rest "no date stated". The same bytes every time; the cohort's page shows its part."""
    site = site_of(dist)
    svg = pictures.timeline(site.store, site.label, site.href)
    assert svg == pictures.timeline(site_of(dist).store, site_of(dist).label, site_of(dist).href)
    root = ET.fromstring(svg)
    desc = root.find("{http://www.w3.org/2000/svg}desc").text  # type: ignore[union-attr]
    parts = dict(p.split(": ", 1) for p in desc.rstrip(".").split("; "))  # type: ignore[union-attr]
    first = [k for k in parts if k.startswith("Data Cargo in First cohort")]
    assert parts[first[0]] == "held on 2021-01-19"
    gbif = [k for k in parts if k.startswith("Global Biodiversity Information Facility in Second cohort")]
    assert parts[gbif[0]] == "within a period that ended 2023-04 (its beginning is not stated)"
    assert sum(v == "held on 2021-01-19" for v in parts.values()) == 6  # the six early-stage collaborations
    assert "no date stated" in parts.values() and not any(v.startswith("from ") for v in parts.values())
    assert len(root.findall(".//{http://www.w3.org/2000/svg}circle")) == 6
    cohort = pictures.timeline(site.store, site.label, site.href, DEFAULT_BASE + "cohort/cohort-1")
    assert cohort.count("<circle") == 6 and "2023-04" not in cohort
    page = site.resource(DEFAULT_BASE + "cohort/cohort-1")
    assert "Memberships over time" in page and 'class="timeline"' in page
