"""JSON a web developer can use: `<iri>.json` is the entity as one object under the release's term context, and
a JSON-LD processor (pyld) reads exactly the entity's triples and its owned nodes' triples back from it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pyld import jsonld as pyld

from opendata_graph.core.namespaces import DEFAULT_BASE

from .servers import odg_server

ENTITIES = ["organisation/gbif", "cohort/cohort-2", "person/tim-robertson", "dataset/openstreetmap-data",
            "licence/odbl-1-0", "programme/odi-membership"]


@pytest.fixture(scope="module")
def server(dist: Path) -> Iterator[str]:
    with odg_server(dist) as url:
        yield url


def fetch(url: str) -> tuple[int, dict[str, str], bytes]:
    import http.client
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=30)
    conn.request("GET", parts.path)
    resp = conn.getresponse()
    return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()


def triples_of(nt: Path, subjects: set[str]) -> set[tuple[str, str, str]]:
    from pyoxigraph import RdfFormat, parse

    return {(str(t.subject), str(t.predicate), str(t.object)) for t in parse(path=str(nt), format=RdfFormat.N_TRIPLES)
            if t.subject.value in subjects}  # type: ignore[union-attr]


def nodes(document: Any) -> set[str]:
    """Every object with an id in the document (the entity and the nodes nested in it)."""
    found: set[str] = set()
    if isinstance(document, dict):
        if "id" in document and len(document) > 1:
            found.add(document["id"])
        for value in document.values():
            found |= nodes(value)
    elif isinstance(document, list):
        for value in document:
            found |= nodes(value)
    return found


@pytest.mark.parametrize("path", ENTITIES)
def test_the_json_reads_back_as_the_entitys_triples(server: str, dist: Path, path: str) -> None:
    status, headers, body = fetch(f"{server}/{path}.json")
    assert status == 200 and headers["content-type"].startswith("application/ld+json")
    document = json.loads(body)
    assert document["@context"] == DEFAULT_BASE + "context.json" and document["id"] == DEFAULT_BASE + path
    context = json.loads(fetch(f"{server}/context.json")[2])

    def loader(url: str, options: dict[str, Any]) -> dict[str, Any]:  # the release's context, from the server
        assert url == DEFAULT_BASE + "context.json", url
        return {"contentType": "application/ld+json", "contextUrl": None, "documentUrl": url, "document": context}

    quads = pyld.to_rdf(document, {"format": "application/n-quads", "documentLoader": loader})
    read = {tuple(line[:-2].split(" ", 2)) for line in quads.splitlines() if line}
    expected = triples_of(dist / "opendata-graph.nt", nodes(document))
    assert DEFAULT_BASE + path in nodes(document)
    assert {(s, p, o) for s, p, o in read} == expected


def test_plain_terms_for_a_web_developer(server: str) -> None:
    document = json.loads(fetch(f"{server}/organisation/gbif.json")[2])
    assert document["homepage"] == "https://www.gbif.org"  # a link is a string
    assert document["memberOf"] == DEFAULT_BASE + "cohort/cohort-2"
    assert document["altLabel"] == "GBIF" and document["description"].startswith("An international network")
    figure = next(f for f in document["additionalProperty"] if f["id"].endswith("/citing-papers-per-day"))
    assert figure["minValue"] == 3  # a number is a number
    context = json.loads(fetch(f"{server}/context.json")[2])["@context"]
    assert context["memberOf"] == {"@id": "http://www.w3.org/ns/org#memberOf", "@type": "@id"}
    assert context["license"] == {"@id": "http://purl.org/dc/terms/license", "@type": "@id"}


def test_the_dump_reads_as_plain_json_and_a_processor_reads_the_release_back(dist: Path) -> None:
    """The JSON-LD dump under the ontology's terms: links are compact IRIs, English text is a string; pyld (an
    independent JSON-LD 1.1 processor) reads exactly the N-Triples dump's triples from it."""
    document = json.loads((dist / "opendata-graph.jsonld").read_bytes())
    context = document["@context"]
    assert context == json.loads((dist / "context.jsonld").read_bytes())["@context"]
    assert context["memberOf"] == {"@id": "http://www.w3.org/ns/org#memberOf", "@type": "@id"}
    assert context["name"] == {"@id": "http://xmlns.com/foaf/0.1/name"} and context["@language"] == "en"
    assert "role" not in context or isinstance(context["role"], dict)  # org:role's term, not the prefix
    nodes = {n["@id"]: n for n in document["@graph"]}
    gbif = nodes["og:organisation/gbif"]
    assert gbif["memberOf"] == ["og:cohort/cohort-2"] and gbif["homepage"] == ["https://www.gbif.org"]
    assert gbif["altLabel"] == ["GBIF"] and gbif["label"] == ["Global Biodiversity Information Facility"]
    assert nodes["og:membership/gbif/cohort-2/participant"]["role"] == ["og:ontology/role/participant"]
    quads = pyld.to_rdf(document, {"format": "application/n-quads"})
    read = {tuple(line[:-2].split(" ", 2)) for line in quads.splitlines() if line}
    nt = dist / "opendata-graph.nt"
    assert read == triples_of(nt, {line.split(" ", 1)[0][1:-1] for line in nt.read_text().splitlines()})
