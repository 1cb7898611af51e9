"""A push reports success only for what is verified (issue 24, item 5), against oxigraph's server on 127.0.0.1.

``--delta`` first proves the store holds exactly the release it records (its graph compared with the release
triple for triple, not by count) and otherwise pushes in full, saying so; a version read from the store is a
semantic version of the release directory or push refuses; a release whose checksums fail is never pushed.
"""

from __future__ import annotations

from pathlib import Path

import requests
from pyoxigraph import RdfFormat, Store

from .test_push import GRAPH, Oxigraph, held_version, odg, oxigraph, two_releases

__all__ = ["oxigraph", "two_releases"]  # the fixtures, shared with tests/test_push.py


def update(server: Oxigraph, text: str) -> None:
    resp = requests.post(server.url + "/update", data=text.encode(), headers={
        "Content-Type": "application/sparql-update"}, timeout=30)
    assert resp.status_code < 300, resp.text


def store_rows(server: Oxigraph) -> set[str]:
    resp = requests.get(server.url + "/store", params={"graph": GRAPH}, headers={"Accept": "application/n-triples"},
                        timeout=30)
    held = Store()
    held.load(resp.content, format=RdfFormat.N_TRIPLES)
    return {str(q.triple) for q in held}


def release_rows(path: Path) -> set[str]:
    s = Store()
    s.load(path=str(path), format=RdfFormat.N_TRIPLES)
    return {str(q.triple) for q in s}


def test_delta_onto_a_drifted_store_pushes_in_full_and_says_so(oxigraph: Oxigraph, two_releases: Path) -> None:
    """Guard: the graph comparison before the delta (without it, exit 0 and the drift stays under 0.2.0)."""
    releases = two_releases / "releases"
    assert odg("push", "--endpoint", oxigraph.url + "/store", "--dist", str(releases / "0.1.0")).returncode == 0
    count = oxigraph.count()
    # one triple changed, same count: a count cannot see it
    update(oxigraph, f"""DELETE {{ GRAPH <{GRAPH}> {{ ?s <http://www.w3.org/2000/01/rdf-schema#label> ?o }} }}
        INSERT {{ GRAPH <{GRAPH}> {{ ?s <http://www.w3.org/2000/01/rdf-schema#label> "drifted"@en }} }}
        WHERE {{ {{ SELECT ?s ?o {{ GRAPH <{GRAPH}> {{ ?s <http://www.w3.org/2000/01/rdf-schema#label> ?o }} }}
        ORDER BY ?s LIMIT 1 }} }}""")
    assert oxigraph.count() == count
    result = odg("push", "--endpoint", oxigraph.url + "/store", "--dist", str(releases / "0.2.0"), "--delta")
    assert result.returncode == 0, result.stderr
    assert "does not hold exactly release 0.1.0, which it records" in result.stderr
    assert "pushing in full instead of the delta" in result.stderr and "pushed the delta" not in result.stderr
    assert store_rows(oxigraph) == release_rows(releases / "0.2.0" / "opendata-graph.nt")
    assert held_version(oxigraph) == ["0.2.0"]


def test_a_store_claiming_a_path_as_its_version_is_refused(oxigraph: Oxigraph, two_releases: Path) -> None:
    """Guard: the semantic-version check of the store's answer (without it, push reads releases/../../../x)."""
    releases = two_releases / "releases"
    assert odg("push", "--endpoint", oxigraph.url + "/store", "--dist", str(releases / "0.1.0")).returncode == 0
    before = store_rows(oxigraph)
    outside = two_releases.parent / "x"
    outside.mkdir()
    (outside / "opendata-graph.nt").write_text("<http://e/s> <http://e/p> <http://e/o> .\n")
    update(oxigraph, f"""PREFIX dcat: <http://www.w3.org/ns/dcat#>
        DELETE {{ GRAPH <{GRAPH}-void> {{ ?c dcat:version ?v }} }}
        INSERT {{ GRAPH <{GRAPH}-void> {{ ?c dcat:version "../../../../x" }} }}
        WHERE {{ GRAPH <{GRAPH}-void> {{ ?s dcat:hasCurrentVersion ?c . ?c dcat:version ?v }} }}""")
    for args in ((), ("--delta",)):
        result = odg("push", "--endpoint", oxigraph.url + "/store", "--dist", str(releases / "0.2.0"), *args)
        assert result.returncode == 2, result.stderr
        assert "claims release '../../../../x', not a semantic version" in result.stderr
        assert "Traceback" not in result.stderr
    assert store_rows(oxigraph) == before  # nothing was sent
    forced = odg("push", "--endpoint", oxigraph.url + "/store", "--dist", str(releases / "0.2.0"),
                 "--allow-downgrade")
    assert forced.returncode == 0, forced.stderr  # replaced whole, record and all
    assert held_version(oxigraph) == ["0.2.0"]


def test_a_release_whose_checksums_fail_is_never_pushed(oxigraph: Oxigraph, two_releases: Path) -> None:
    """Guard: push reads the dump through releasedir (without it the changed bytes are pushed, exit 0)."""
    release = two_releases / "releases" / "0.2.0"
    nt = release / "opendata-graph.nt"
    data = nt.read_bytes()
    nt.unlink()
    nt.write_bytes(data.replace(b"2100", b"2999", 1))
    for args in ((), ("--delta",)):
        result = odg("push", "--endpoint", oxigraph.url + "/store", "--dist", str(release), *args)
        assert result.returncode == 2, result.stderr
        assert "opendata-graph.nt does not match its SHA-256 in SHA256SUMS" in result.stderr
    assert oxigraph.count() == 0
