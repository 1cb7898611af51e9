"""`odg serve` with real clients: every minted IRI dereferences in four media types, SPARQL clients get the
same answers as `odg query`, and bad requests leave the server answering the next one."""

from __future__ import annotations

import http.client
import json
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyoxigraph import RdfFormat, parse

from opendata_graph.core import paths
from opendata_graph.core.namespaces import DCTERMS, DEFAULT_BASE, SCHEMA_WEB
from opendata_graph.stores import query as q
from opendata_graph.web.serve import negotiate

from .checks import embedded, links
from .servers import odg_server, request

MEDIA = {"text/html": None, "text/turtle": RdfFormat.TURTLE, "application/n-triples": RdfFormat.N_TRIPLES,
         "application/ld+json": RdfFormat.JSON_LD, "application/rdf+xml": RdfFormat.RDF_XML}
SLOW = 'SELECT * WHERE { ?a a ?c . ?d ?e ?f . FILTER(STR(?c) = CONCAT(STR(?f), "x")) } LIMIT 1'


@pytest.fixture(scope="module")
def server(dist: Path) -> Iterator[str]:
    with odg_server(dist, "--timeout", "1", "--max-results", "5000") as url:
        yield url


def connect(url: str) -> http.client.HTTPConnection:
    parts = urlsplit(url)
    return http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=30)


def get(conn: http.client.HTTPConnection, path: str, accept: str | None = None) -> tuple[int, dict[str, str], bytes]:
    conn.request("GET", path, headers={"Accept": accept} if accept else {})
    resp = conn.getresponse()
    return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()


def test_negotiate() -> None:
    offered = ["text/html", "text/turtle", "application/ld+json"]
    assert negotiate(None, offered) == "text/html"
    assert negotiate("text/turtle", offered) == "text/turtle"
    assert negotiate("text/html;q=0.5, text/turtle", offered) == "text/turtle"
    assert negotiate("application/*", offered) == "application/ld+json"
    assert negotiate("*/*;q=0.1, application/ld+json;q=0.9", offered) == "application/ld+json"
    assert negotiate("image/png", offered) is None
    assert negotiate("text/turtle;q=0", offered) is None


def test_every_minted_iri_answers_all_four_media_types(server: str, dist: Path) -> None:
    """Every record's IRI, and every 5th of the other minted nodes (figures, memberships, statements...: 2,200 of
    them, each answered alike), in the four media types; the data describes the IRI asked for."""
    from opendata_graph.source.schema import minted_record

    subjects = sorted({t.subject.value for t in parse(path=str(dist / "opendata-graph.nt"),
                                                      format=RdfFormat.N_TRIPLES)
                       if t.subject.value.startswith(DEFAULT_BASE)})
    assert len(subjects) > 2000
    records = [s for s in subjects if minted_record(s, DEFAULT_BASE) is not None]
    asked = records + [s for s in subjects if minted_record(s, DEFAULT_BASE) is None][::5]
    assert len(records) > 90 and len(asked) > 500
    conn = connect(server)
    failures = []
    for iri in asked:
        path = "/" + iri[len(DEFAULT_BASE):]
        for media, fmt in MEDIA.items():
            status, headers, body = get(conn, path, media)
            if status != 200 or not headers["content-type"].startswith(media) or headers.get("vary") != "Accept":
                failures.append(f"{path} {media}: {status} {headers.get('content-type')}")
            elif fmt is not None and not any(t.subject.value == iri for t in parse(body, format=fmt)):
                failures.append(f"{path} {media}: does not describe {iri}")
    assert failures == []


def test_suffixes_and_errors(server: str) -> None:
    conn = connect(server)
    for suffix, media in ((".ttl", "text/turtle"), (".jsonld", "application/ld+json"), (".nt", "application/n-triples"),
                          (".html", "text/html"), (".rdf", "application/rdf+xml")):
        status, headers, _ = get(conn, f"/organisation/gbif{suffix}")
        assert (status, headers["content-type"].split(";")[0]) == (200, media)
    status, headers, body = get(conn, "/ontology")
    assert status == 200 and b"<code>odg:Figure</code>" in body and headers["vary"] == "Accept"
    status, headers, body = get(conn, "/ontology", "text/turtle")
    assert status == 200 and body.startswith(b"@prefix odg:")
    assert get(conn, "/shapes.ttl")[0] == 200
    assert get(conn, "/organisation/no-such-thing")[0] == 404
    status, headers, _ = get(conn, "/organisation/gbif", "image/png")
    assert (status, headers.get("vary")) == (406, "Accept")  # negotiated: a cache must not serve it to others
    for path in ("/ontology", "/sparql"):
        status, headers, _ = get(conn, path, "image/png")
        assert (status, headers.get("vary")) == (406, "Accept"), path
    status, headers, body = get(conn, "/organisation/gbif")
    assert status == 200 and headers["content-type"] == "text/html; charset=utf-8"
    assert b"Global Biodiversity Information Facility" in body


def test_rdf_xml_is_the_same_graph_as_turtle(server: str) -> None:
    """What a linked-data crawler asking for RDF/XML gets: the resource's description, the Turtle's triples."""
    conn = connect(server)
    graphs = {}
    for media in ("text/turtle", "application/rdf+xml"):
        status, headers, body = get(conn, "/organisation/gbif", media)
        assert (status, headers["content-type"].split(";")[0], headers.get("vary")) == (200, media, "Accept")
        graphs[media] = {str(t) for t in parse(body, format=MEDIA[media])}
    assert len(graphs["text/turtle"]) > 20 and graphs["application/rdf+xml"] == graphs["text/turtle"]


def test_html_page_shows_figures_quotes_and_incoming_links(server: str) -> None:
    conn = connect(server)
    page = get(conn, "/cohort/cohort-2")[2].decode()
    assert "<h1>Second cohort of the peer-learning network (Open X organisations)</h1>" in page
    assert '<span title="org:memberOf">Members</span> <span class=count>(7)</span>' in page
    assert "<blockquote>roundtable discussions with eight participating organisations</blockquote>" in page or \
        "eight participating organisations.</blockquote>" in page
    licence = get(conn, "/licence/odbl-1-0")[2].decode()
    assert "Released under this licence" in licence and 'href="/dataset/openstreetmap-data"' in licence


def test_a_licence_known_by_its_spdx_iri_is_served_at_its_page(server: str) -> None:
    """CC0 1.0 is <http://spdx.org/licenses/CC0-1.0>; /licence/cc0-1-0 is the page about it, in every form."""
    conn = connect(server)
    assert 'href="/licence/cc0-1-0"' in get(conn, "/dataset/musicbrainz-core-data")[2].decode()
    status, _, body = get(conn, "/licence/cc0-1-0", "text/turtle")
    described = {t.subject.value for t in parse(body, format=RdfFormat.TURTLE)}
    assert status == 200 and {"http://spdx.org/licenses/CC0-1.0", DEFAULT_BASE + "licence/cc0-1-0"} <= described
    page = get(conn, "/licence/cc0-1-0")[2].decode()
    assert "<h1>CC0 1.0</h1>" in page and "<code>http://spdx.org/licenses/CC0-1.0</code>" in page


def test_the_dataset_iri_dereferences_to_the_release_description(server: str) -> None:
    """<base>dataset is the VoID/DCAT description (not in the SPARQL dataset): publisher, contact point, its
    distributions with download and access URLs."""
    conn = connect(server)
    status, headers, body = get(conn, "/dataset", "text/turtle")
    assert status == 200 and headers["content-type"].startswith("text/turtle")
    triples = {(t.subject.value, t.predicate.value, t.object.value) for t in parse(body, format=RdfFormat.TURTLE)}
    dataset = DEFAULT_BASE + "dataset"
    assert (dataset, "http://purl.org/dc/terms/publisher", dataset + "/publisher") in triples
    assert (dataset, "http://www.w3.org/ns/dcat#contactPoint", dataset + "/contact") in triples
    status, _, page = get(conn, "/dataset/distribution/opendata-graph.nt", "text/turtle")
    nt = {(t.predicate.value, t.object.value) for t in parse(page, format=RdfFormat.TURTLE)}
    assert status == 200 and ("http://www.w3.org/ns/dcat#accessURL", DEFAULT_BASE + "dist/opendata-graph.nt") in nt
    status, _, html = get(conn, "/dataset")
    assert status == 200 and "<h1>opendata-graph release</h1>" in html.decode()
    # and it is not in the SPARQL dataset: the query files' answers do not change
    status, _, answer = get(conn, "/sparql?query=" + quote(f"ASK {{ <{dataset}> ?p ?o }}"),
                            "application/sparql-results+json")
    assert status == 200 and json.loads(answer)["boolean"] is False


def test_serve_reads_the_base_iri_from_the_release(tmp_path: Path) -> None:
    """A release built under another base is served under it without --base; a different --base is refused."""
    import subprocess
    import sys

    from click.testing import CliRunner

    from opendata_graph.cli import cli

    other = "https://example.org/graph/"
    built = CliRunner().invoke(cli, ["build", f"--dist={tmp_path / 'dist'}", f"--base={other}", "--no-cache"])
    assert built.exit_code == 0, built.output
    with odg_server(tmp_path / "dist") as url:
        conn = connect(url)
        status, _, body = get(conn, "/organisation/gbif", "text/turtle")
        assert status == 200 and other + "organisation/gbif" in {t.subject.value for t in
                                                                 parse(body, format=RdfFormat.TURTLE)}
    refused = subprocess.run([sys.executable, "-m", "opendata_graph.cli", "serve", str(tmp_path / "dist"), "--base",
                              DEFAULT_BASE, "--port", "0"], capture_output=True, text=True, timeout=60)
    assert refused.returncode == 2
    assert f"the release was built with --base {other}, not {DEFAULT_BASE}" in refused.stderr
    assert "(hint: leave --base out: it is read from the release)" in refused.stderr


def test_sparql_in_a_browser_is_the_query_page_and_errors_are_one_line(server: str) -> None:
    conn = connect(server)
    status, headers, page = get(conn, "/sparql", "text/html,application/xhtml+xml,*/*;q=0.8")
    assert status == 200 and headers["content-type"].startswith("text/html")
    assert "PREFIX org: &lt;http://www.w3.org/ns/org#&gt;" in page.decode()  # the release's prefixes, declared
    status, headers, _ = get(conn, "/sparql")  # a SPARQL client: the service description
    assert status == 200 and headers["content-type"].startswith("text/turtle")
    status, _, body = get(conn, "/sparql?query=" + quote("SELECT * WHERE { ?s org:memberOf ?o }"),
                          "application/sparql-results+json")
    message = body.decode().strip()
    assert status == 400 and len(message.splitlines()) == 1, message
    assert "line 1, column 33: the prefix 'org:' is not declared (add PREFIX org: <http://www.w3.org/ns/org#>)" \
        in message
    status, _, html = get(conn, "/query?query=" + quote("SELECT * WHERE { ?s org:memberOf ?o }"))
    assert status == 400 and "the prefix &#x27;org:&#x27; is not declared" in html.decode()


def test_home_and_query_pages(server: str) -> None:
    conn = connect(server)
    home = get(conn, "/")[2].decode()
    assert "Resources per class" in home and 'href="/cohort/cohort-1"' in home
    listing = get(conn, "/queries.html")[2].decode()
    assert listing.count("<button") >= 15
    text = (paths.queries_dir() / "people-and-roles.rq").read_text()
    page = get(conn, "/query?query=" + quote(text))[2].decode()
    assert "Results <span class=count>(9 rows)</span>" in page and "Tim Robertson" in page


@pytest.mark.parametrize("qf", [qf for qf in q.query_files(paths.queries_dir()) if not qf.needs_named_graphs],
                         ids=lambda qf: qf.name)
def test_sparqlwrapper_gets_the_same_results_as_odg_query(qf: q.QueryFile, server: str, dist: Path) -> None:
    from SPARQLWrapper import JSON, SPARQLWrapper

    client = SPARQLWrapper(server + "/sparql")
    client.setQuery(qf.text)
    client.setReturnFormat(JSON)
    doc = client.queryAndConvert()
    local = q.run(q.open_store(dist), qf.text)
    names = [v.value for v in local.variables]  # type: ignore[union-attr]
    expected = q.rows(local)
    got = {}
    from collections import Counter

    def term(b: dict[str, str] | None) -> str:
        if b is None:
            return ""
        if b["type"] == "uri":
            return f"<{b['value']}>"
        value = json.dumps(b["value"], ensure_ascii=False)
        if "xml:lang" in b:
            return f"{value}@{b['xml:lang']}"
        if "datatype" in b:
            return f"{value}^^<{b['datatype']}>"
        return value

    got = Counter(tuple(term(row.get(n)) for n in names) for row in doc["results"]["bindings"])  # type: ignore[index]
    assert got == expected


def test_rdflib_sparqlstore_runs_a_query_file(server: str, dist: Path) -> None:
    import rdflib
    from rdflib.plugins.stores.sparqlstore import SPARQLStore

    graph = rdflib.Graph(store=SPARQLStore(server + "/sparql"))
    text = (paths.queries_dir() / "people-and-roles.rq").read_text()
    remote = {tuple(str(v) for v in row) for row in graph.query(text)}
    local = {tuple(t.value for t in row) for row in q.run(q.open_store(dist), text)}  # type: ignore[union-attr]
    assert remote == local and len(remote) == 9


def test_result_formats_and_cors(server: str) -> None:
    conn = connect(server)
    text = quote("SELECT ?n WHERE { ?p <http://xmlns.com/foaf/0.1/name> ?n } ORDER BY ?n LIMIT 2")
    for media, check in (("application/sparql-results+json", b'"bindings"'), ("application/sparql-results+xml", b"<sparql"),
                         ("text/csv", b"n\r\n"), ("text/tab-separated-values", b"?n\n")):
        status, headers, body = get(conn, f"/sparql?query={text}", media)
        assert status == 200 and headers["content-type"].startswith(media) and check in body, media
        assert headers["access-control-allow-origin"] == "*"
    status, headers, body = get(conn, "/sparql?query=" + quote("CONSTRUCT WHERE { ?s a ?o } LIMIT 3"), "text/turtle")
    assert status == 200 and headers["content-type"].startswith("text/turtle")
    conn.request("OPTIONS", "/sparql")
    resp = conn.getresponse()
    resp.read()
    assert resp.status == 204 and "POST" in (resp.getheader("Access-Control-Allow-Methods") or "")
    status, headers, body = get(conn, "/sparql", "text/turtle")
    assert status == 200 and b"sd:Service" in body


def test_bad_requests_leave_the_server_answering(server: str) -> None:
    conn = connect(server)
    status, _, body = get(conn, "/sparql?query=" + quote("SELECT * WHERE {"))
    assert status == 400 and body.startswith(b"SPARQL syntax error at line 1, column 17: ")
    conn.request("POST", "/sparql", body="update=" + quote("INSERT DATA { <a:b> <a:c> <a:d> }"),
                 headers={"Content-Type": "application/x-www-form-urlencoded"})
    resp = conn.getresponse()
    assert (resp.status, resp.read()) == (403, b"updates are not allowed: this endpoint is read-only\n")
    status, _, body = get(conn, "/sparql?query=" + quote("SELECT * { SERVICE <http://127.0.0.1:9/x> { ?s ?p ?o } }"))
    assert status == 403 and b"SERVICE is not allowed" in body
    status, _, body = get(conn, "/sparql?query=" + quote("SELECT * WHERE { ?s ?p ?o }"))
    assert status == 413 and body.startswith(b"more than 5,000 results")
    started = time.monotonic()
    status, _, body = get(conn, "/sparql?query=" + quote(SLOW))
    assert status == 503 and b"time limit of 1 s" in body and time.monotonic() - started < 5
    parts = urlsplit(server)
    with socket.create_connection((parts.hostname, parts.port)) as s:  # refused from its declared length
        s.sendall(b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
                  b"Content-Length: 2000000\r\n\r\n")
        assert s.recv(200).startswith(b"HTTP/1.1 413 ")
    for path in ("/dist/../pyproject.toml", "/dist/%2e%2e/pyproject.toml", "/dist/..%2fpyproject.toml", "/../../etc/passwd"):
        assert get(connect(server), path)[0] == 404, path
    with socket.create_connection((parts.hostname, parts.port)) as s:  # a client that goes away mid-response
        s.sendall(b"GET /dist/opendata-graph.nt HTTP/1.1\r\nHost: x\r\n\r\n")
        s.recv(100)
    status, _, body = get(connect(server), "/sparql?query=" + quote("ASK {}"), "application/sparql-results+json")
    assert status == 200 and json.loads(body) == {"head": {}, "boolean": True}


def test_the_home_page_starts_from_the_featured_records(dist: Path) -> None:
    """release.yaml's ``featured`` is published as void:exampleResource and is where the home page starts."""
    from pyoxigraph import NamedNode, RdfFormat, parse

    from opendata_graph.core.namespaces import DEFAULT_BASE, VOID
    from opendata_graph.web.serve import load_app

    examples = [t.object.value for t in parse(path=str(dist / "void.ttl"), format=RdfFormat.TURTLE)
                if t.predicate == NamedNode(VOID.exampleResource)]
    featured = [DEFAULT_BASE + p for p in ("programme/peer-learning-network", "cohort/cohort-1", "cohort/cohort-2")]
    assert sorted(examples) == sorted(featured)
    app = load_app(dist, DEFAULT_BASE, None, 10, 1000)
    try:
        home = app.site.home(app.description, app.counts, app.title, app.examples)
    finally:
        app.close()
    start = home.split("<h2>Start here</h2>", 1)[1].split("</ul>", 1)[0]
    assert [f'href="/{p}"' in start for p in ("programme/peer-learning-network", "cohort/cohort-1",
                                               "cohort/cohort-2")] == [True, True, True]


def test_a_kind_has_an_index_page_and_a_missing_one_a_404_page_with_search(server: str) -> None:
    import urllib.error
    import urllib.request

    with urllib.request.urlopen(server + "/organisation") as resp:
        page = resp.read().decode("utf-8")
    assert resp.status == 200 and "<h1>Organisation (" in page and 'href="/organisation/gbif"' in page
    for kind in ("licence", "person", "dataset"):
        with urllib.request.urlopen(server + "/" + kind) as resp:
            assert resp.status == 200
    request = urllib.request.Request(server + "/organisation/nobody", headers={"Accept": "text/html"})
    try:
        urllib.request.urlopen(request)
    except urllib.error.HTTPError as exc:
        assert exc.code == 404 and b"<h1>Not found</h1>" in exc.read()
    else:
        raise AssertionError("a missing record answered 200")
    try:  # a program gets one line
        urllib.request.urlopen(server + "/organisation/nobody")
    except urllib.error.HTTPError as exc:
        assert exc.code == 404 and exc.headers["Content-Type"].startswith("text/plain")


def test_query_results_download_as_csv_and_json(server: str) -> None:
    import html
    import re
    import urllib.parse
    import urllib.request

    text = "SELECT ?s WHERE { ?s a <http://www.w3.org/ns/org#Organization> } ORDER BY ?s LIMIT 3"
    with urllib.request.urlopen(server + "/query?query=" + urllib.parse.quote(text)) as resp:
        page = resp.read().decode("utf-8")
    links = dict((name, html.unescape(href)) for href, name in
                 re.findall(r'<a href="([^"]+)" download="[^"]+">(CSV|JSON)</a>', page))
    assert set(links) == {"CSV", "JSON"}, page[:300]
    with urllib.request.urlopen(server + links["CSV"]) as resp:
        lines = resp.read().decode("utf-8").splitlines()
        assert resp.headers["Content-Type"].startswith("text/csv")
    assert lines[0] == "s" and len(lines) == 4
    with urllib.request.urlopen(server + links["JSON"]) as resp:
        data = json.loads(resp.read())
    assert data["head"]["vars"] == ["s"] and len(data["results"]["bindings"]) == 3


def test_fair_signposting_on_the_landing_page_resources_and_dumps(server: str, dist: Path) -> None:
    """FAIR Signposting level 1: the home page (the release's landing page) names the dataset to cite, its
    description, every dump, the licence and its types; a resource's answers their IRI and descriptions; a dump
    its landing page and licence - each the release description's (void.ttl) own values."""
    from opendata_graph.core.formats import DUMPS

    void = {(t.predicate.value, t.object.value) for t in parse(path=str(dist / "void.ttl"), format=RdfFormat.TURTLE)
            if t.subject.value == DEFAULT_BASE + "dataset"}
    licence = next(o for p, o in void if p == DCTERMS.license)
    conn = connect(server)
    status, headers, _ = get(conn, "/")
    assert status == 200
    assert links(headers.get("link")) == {
        (DEFAULT_BASE + "dataset", "cite-as", None), (DEFAULT_BASE + "dist/void.ttl", "describedby", "text/turtle"),
        *((DEFAULT_BASE + "dist/" + f.dump, "item", f.media_type) for f in DUMPS), (licence, "license", None),
        (SCHEMA_WEB.AboutPage, "type", None), (SCHEMA_WEB.Dataset, "type", None)}
    iri = DEFAULT_BASE + "organisation/gbif"
    for media in MEDIA:
        status, headers, _ = get(conn, "/organisation/gbif", media)
        found = links(headers.get("link"))
        assert {(iri, "cite-as", None), (licence, "license", None), (iri + ".ttl", "describedby", "text/turtle"),
                (iri + ".rdf", "describedby", "application/rdf+xml")} <= found, (media, found)
    for name in ("opendata-graph.ttl", "opendata-graph.nt.gz", "void.ttl"):
        status, headers, _ = get(conn, "/dist/" + name)
        assert status == 200 and links(headers.get("link")) == {
            (DEFAULT_BASE, "collection", "text/html"), (licence, "license", None)}, name


def test_the_home_page_and_the_dataset_page_carry_a_schema_org_dataset(server: str) -> None:
    """For search engines: the schema.org Dataset (tests/test_schemaorg.py checks it against schema.org)."""
    conn = connect(server)
    for path in ("/", "/dataset"):
        status, _, body = get(conn, path, "text/html")
        found = embedded(body)
        assert status == 200 and len(found) == 1, path
        doc = found[0]
        assert (doc["@type"], doc["@id"]) == ("Dataset", DEFAULT_BASE + "dataset") and doc["distribution"], path


ACCEPTABLE = ["text/html", "text/turtle", "application/n-triples", "application/ld+json", "application/rdf+xml",
              "image/png", "application/json", "text/*", "application/*", "*/*", "text/plain"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from(ACCEPTABLE), st.sampled_from(["", ";q=0", ";q=0.1", ";q=0.5", ";q=1"])),
                max_size=4))
def test_every_negotiated_answer_varies_on_accept(server: str, accept: list[tuple[str, str]]) -> None:
    """Whatever the Accept header, a resource's answer (200 or 406) says Vary: Accept, and a 200 is the media type
    the negotiation picks among the five the server offers."""
    from opendata_graph.web.serve import RESOURCE_TYPES

    header = ", ".join(m + q for m, q in accept) or None
    status, headers, _ = get(connect(server), "/organisation/gbif", header)
    assert headers.get("vary") == "Accept", (header, status)
    picked = negotiate(header, list(RESOURCE_TYPES))
    assert (status, headers["content-type"].split(";")[0] if status == 200 else None) == (
        (200, picked) if picked else (406, None)), header


def test_a_live_server_follows_its_release_under_load_and_never_swaps_in_a_broken_one(tmp_path: Path) -> None:
    """`odg serve` follows its release directory: a rebuild is served from the first request after it is whole
    and verified, while clients keep asking pages and queries without one failed request (those under way finish
    on the old release); a damaged release is never swapped in -- the last good one keeps being served, every
    page says plainly that it is older (and a Warning header), and the log says why."""
    import shutil
    import subprocess
    import sys
    import threading
    import urllib.error
    import urllib.request

    from click.testing import CliRunner

    from opendata_graph.cli import cli
    from opendata_graph.web.serve import STALE_NOTE

    from .servers import _wait, free_port, stop

    data, dist = tmp_path / "data", tmp_path / "dist"
    shutil.copytree(paths.data_dir(), data)
    assert CliRunner().invoke(cli, ["build", f"--data={data}", f"--dist={dist}", "--no-cache"]).exit_code == 0
    port, log = free_port(), tmp_path / "serve.log"
    url = f"http://127.0.0.1:{port}"

    def page() -> tuple[str, str | None]:
        with urllib.request.urlopen(url + "/organisation/gbif", timeout=30) as resp:
            return resp.read().decode("utf-8"), resp.headers.get("Warning")

    with log.open("wb") as err:
        proc = subprocess.Popen([sys.executable, "-m", "opendata_graph.cli", "serve", str(dist), "--port", str(port)],
                                stdout=subprocess.DEVNULL, stderr=err)
    try:
        _wait(proc, port, "odg serve")
        body, warning = page()
        assert STALE_NOTE not in body and warning is None and "Global Biodiversity Facility" not in body
        done, answered, failures = threading.Event(), [0], []
        # a query of a few tenths of a second, so that some are under way on the old release when it is replaced
        ask = "/sparql?query=" + quote("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o . ?o ?q ?x . ?x ?r ?y }")

        def client(path: str) -> None:
            while not done.is_set():
                try:
                    with urllib.request.urlopen(url + path, timeout=30) as resp:
                        resp.read()
                        answered[0] += 1
                except (OSError, urllib.error.HTTPError) as exc:
                    failures.append(f"{path}: {exc!r}")

        clients = [threading.Thread(target=client, args=(p,)) for p in ("/organisation/gbif", ask, "/", ask)]
        for c in clients:
            c.start()
        try:
            gbif = data / "organisations" / "gbif.yaml"
            gbif.write_text(gbif.read_text(encoding="utf-8").replace(
                "short_names: [GBIF]", "short_names: [GBIF, Global Biodiversity Facility]"), encoding="utf-8")
            rebuilt = CliRunner().invoke(cli, ["build", f"--data={data}", f"--dist={dist}", "--no-cache"])
            assert rebuilt.exit_code == 0, rebuilt.output
            deadline = time.monotonic() + 60
            while "Global Biodiversity Facility" not in page()[0]:  # the new release, once loaded
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.2)
            time.sleep(1.0)  # and the clients a while on the new one
        finally:
            done.set()
            for c in clients:
                c.join()
        assert failures == [] and answered[0] > 20, (failures[:5], answered)
        body, warning = page()
        assert STALE_NOTE not in body and warning is None
        assert "now serving the new release" in log.read_text()

        logged = len(log.read_text())
        with (dist / "opendata-graph.nt").open("a", encoding="utf-8") as f:  # damaged: its checksum no longer holds
            f.write('<https://example.org/x> <https://example.org/p> "half-written" .\n')
        time.sleep(2.5)  # the server looks at its directory once a second
        body, warning = page()
        assert "Global Biodiversity Facility" in body, "the last good release is still served"
        assert STALE_NOTE in body and warning == '110 - "Response is Stale"'
        said = log.read_text()[logged:]
        assert "not served" in said and "opendata-graph.nt" in said, said
    finally:
        stop(proc)


def test_a_crawl_of_the_served_site_finds_no_broken_link(server: str) -> None:
    """Every page `odg serve` links to, followed from the home page (links, stylesheets, scripts, forms'
    actions), answers 200, and every fragment a link names is an id on its page (the exported site's crawl is
    tests/test_site.py's; the same bytes, tests/test_site.py too)."""
    import html
    import re
    from collections import deque

    seen, queue, broken, pages = {"/"}, deque(["/"]), [], {}
    wanted: list[tuple[str, str, str]] = []  # (from, page, fragment)
    while queue:
        path = queue.popleft()
        status, headers, body = request(server, "GET", path, headers={"Accept": "text/html"})
        if status != 200:
            broken.append(f"{path}: {status}")
            continue
        if not headers.get("content-type", "").startswith("text/html"):
            continue
        text = body.decode("utf-8")
        pages[path] = set(re.findall(r' id="([^"]+)"', text))
        for target in re.findall(r'(?:href|src|action)="(/[^"]*)"', text):
            target = html.unescape(target)
            if target.startswith("/sparql") or "?" in target:  # the endpoint's answers: its own tests
                continue
            page, _, fragment = target.partition("#")
            if fragment:
                wanted.append((path, page, fragment))
            if page not in seen:
                seen.add(page)
                queue.append(page)
    broken += [f"{source} -> {page}#{fragment}" for source, page, fragment in wanted
               if page in pages and fragment not in pages[page]]
    assert broken == []
    assert len(seen) > 500 and len(wanted) > 100, (len(seen), len(wanted))


def test_the_query_page_shows_results_as_links_and_text_escaped() -> None:
    """The results table (query_view.Results in templates/results.html): our own and http(s) IRIs link (an outside
    one with its CURIE on hover), any other IRI is ``<iri>`` text, literals and variables are escaped, an unbound
    cell is empty; the downloads are links to files; the query text and an error are escaped too."""
    from pyoxigraph import Literal, NamedNode, Store

    from opendata_graph.web.pages import Site

    site = Site(Store(), DEFAULT_BASE)
    rows = [[NamedNode(DEFAULT_BASE + "organisation/gbif"), Literal('a <b> & "c"')],
            [NamedNode("javascript:alert(1)"), None],
            [NamedNode("http://www.wikidata.org/entity/Q1531570"), Literal("x")]]
    results = site.results_table(["s", "o<"], rows, [("CSV", "/sparql?query=a&format=csv", "results.csv")])
    page = site.query_page('SELECT <x> & "y"', results, "bad <thing>", [("q1", "Who & what", "", "ASK {}")])
    assert '<th scope="col">s</th><th scope="col">o&lt;</th>' in page
    assert '<td><a href="/organisation/gbif">' in page  # our own IRI: a link, no CURIE on hover
    assert "<td>a &lt;b&gt; &amp; &quot;c&quot;</td>" in page
    assert "<td>&lt;javascript:alert(1)&gt;</td><td></td>" in page and 'href="javascript:' not in page
    assert '<a href="http://www.wikidata.org/entity/Q1531570" title="wd:Q1531570">' in page
    assert "Results <span class=count>(3 rows)</span>" in page
    assert '<a href="/sparql?query=a&amp;format=csv" download="results.csv">CSV</a>' in page
    assert 'spellcheck="false">SELECT &lt;x&gt; &amp; &quot;y&quot;</textarea>' in page
    assert '<p role="alert" id="query-error"><strong>Error:</strong> bad &lt;thing&gt;</p>' in page
    assert '<li><a href="/query?query=ASK%20%7B%7D&amp;edit=1">Who &amp; what</a></li>' in page
    one = site.query_page("ASK {}", site.results_table(["result"], [[Literal("true")]]))
    assert "Results <span class=count>(1 row)</span>" in one and "Download the results" not in one
    assert 'id="query-error"' not in one and "Examples: the query files" not in one
