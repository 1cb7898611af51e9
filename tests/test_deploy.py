"""The static site deployed as its users would: behind real Apache (``apache2``, its generated ``.htaccess``) and
real nginx (its ``nginx-http.conf`` and ``nginx.conf`` included), on loopback. Every entity IRI answers in every
media type, by suffix and by the Accept header; merged records answer 301 to their successor, withdrawn ones 410
Gone with their tombstone; the VoID's download URLs are the files; and the w3id.org rules send each IRI to the
right file of the hosted site."""

from __future__ import annotations

import contextlib
import http.client
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from click.testing import CliRunner
from pyoxigraph import RdfFormat, parse

from opendata_graph.cli import cli
from opendata_graph.core import paths
from opendata_graph.core.formats import EXPORTED
from opendata_graph.core.namespaces import DCAT, DEFAULT_BASE
from opendata_graph.source import rename as r
from opendata_graph.source.schema import minted_record
from opendata_graph.web.site import export, subjects

from .checks import links
from .servers import apache_server, nginx_server

MERGED, SUCCESSOR = "product/wikirate-org", "product/wikirate-website"
WITHDRAWN = "dataset/wikirate-data"
TARGET = "https://odg.example/site/"
Server = Callable[[Path, Path], contextlib.AbstractContextManager[str]]


@pytest.fixture(scope="module")
def deployed() -> Iterator[Path]:
    """A site exported from a copy of the data with a merged record and a withdrawn one, in a directory the
    servers' workers (www-data) can read; removed afterwards."""
    top = Path(tempfile.mkdtemp(prefix="odg-deploy-"))
    try:
        top.chmod(0o755)
        data = Path(shutil.copytree(paths.data_dir(), top / "data"))
        r.rename(data, "wikirate-org", "wikirate-website")
        (data / "datasets" / "wikirate-data.yaml").write_text(
            "id: wikirate-data\nname: WikiRate open database of company data\nstatus: withdrawn\n"
            "reason: Test of a withdrawal.\ndate: 2026-12-02\n", encoding="utf-8")
        built = CliRunner().invoke(cli, ["build", f"--data={data}", f"--dist={top / 'dist'}"])
        assert built.exit_code == 0, built.output
        export(top / "dist", top / "site", DEFAULT_BASE, paths.queries_dir(), root="/", target=TARGET)
        (top / "scratch").mkdir()
        yield top
    finally:
        shutil.rmtree(top, ignore_errors=True)


class Client:
    """One kept-alive connection to a server, reopened when the server closes it."""

    def __init__(self, url: str) -> None:
        self.host, self.port = urlsplit(url).hostname or "", urlsplit(url).port or 80
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=10)

    def get(self, path: str, accept: str | None = None) -> tuple[int, dict[str, str], bytes]:
        headers = {"Accept": accept} if accept else {}
        for attempt in (1, 2):
            try:
                self.conn.request("GET", path, headers=headers)
                response = self.conn.getresponse()
                body = response.read()
                return response.status, {k.lower(): v for k, v in response.getheaders()}, body
            except (http.client.HTTPException, ConnectionError):
                self.conn.close()
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=10)
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")


SERVERS: dict[str, Server] = {"apache": apache_server, "nginx": nginx_server}


@pytest.fixture(scope="module", params=sorted(SERVERS))
def host(request: pytest.FixtureRequest, deployed: Path) -> Iterator[Client]:
    scratch = deployed / "scratch" / request.param
    scratch.mkdir()
    with SERVERS[request.param](deployed / "site", scratch) as url:
        yield Client(url)


def media(headers: dict[str, str]) -> str:
    return headers.get("content-type", "").split(";")[0].strip()


def test_every_entity_answers_in_every_media_type(host: Client, deployed: Path) -> None:
    site = deployed / "site"
    nt = deployed / "dist" / "opendata-graph.nt"
    every = [p[len(DEFAULT_BASE):] for p in subjects_of(nt) if p[len(DEFAULT_BASE):] not in (MERGED, WITHDRAWN)]
    pages = [p for p in every if (site / f"{p}.html").is_file()]  # an entity, or an IRI with a page of its own
    assert len([p for p in pages if minted_record(DEFAULT_BASE + p, DEFAULT_BASE) is not None]) > 90
    wrong = []
    for path in pages:
        asks = [(f"/{path}", "text/html,application/xhtml+xml,*/*;q=0.8", ".html"), (f"/{path}.html", None, ".html")]
        asks += [(f"/{path}", f.media_type, f.extension) for f in EXPORTED]
        asks += [(f"/{path}{f.extension}", None, f.extension) for f in EXPORTED]
        for url, accept, extension in asks:
            status, headers, body = host.get(url, accept)
            expected = (site / f"{path}{extension}").read_bytes()
            kind = "text/html" if extension == ".html" else next(f.media_type for f in EXPORTED
                                                                  if f.extension == extension)
            if status != 200 or body != expected or media(headers) != kind:
                wrong.append(f"{url} (Accept: {accept}): {status} {media(headers)}")
            elif accept and "accept" not in headers.get("vary", "").lower():
                wrong.append(f"{url} (Accept: {accept}): no Vary: Accept")
    assert wrong == [], f"{len(wrong)} wrong, e.g. {wrong[:5]}"


def test_every_node_an_entity_owns_redirects_to_its_place_on_the_entity_page(host: Client, deployed: Path) -> None:
    """A figure, a membership, a statement, an excerpt, an evidence entry: no files of their own; 303 to the
    page they are shown on, at their fragment (its data files by suffix). Every 3rd node, in three forms."""
    site = deployed / "site"
    mapped = dict(line.split(" ") for line in (site / "nodes.map").read_text(encoding="utf-8").splitlines())
    nodes = [p[len(DEFAULT_BASE):] for p in subjects_of(deployed / "dist" / "opendata-graph.nt")]
    nodes = [p for p in nodes if not (site / f"{p}.html").is_file()]
    segments = {p.split("/")[0] for p in nodes}
    assert {"membership", "statement", "evidence", "document", "organisation"} <= segments and len(nodes) > 1900
    wrong = []
    for path in nodes[::3]:
        page = mapped.get(path) or "/".join(path.split("/")[:2])
        for url, accept, location in ((f"/{path}", "text/html", f"/{page}#{path}"),
                                      (f"/{path}.html", None, f"/{page}#{path}"),
                                      (f"/{path}.ttl", None, f"/{page}.ttl")):
            status, headers, _ = host.get(url, accept)
            if status != 303 or urlsplit(headers.get("location", ""))._replace(scheme="", netloc="").geturl() \
                    != location:
                wrong.append(f"{url}: {status} {headers.get('location')} (want {location})")
    assert wrong == [], f"{len(wrong)} wrong, e.g. {wrong[:5]}"
    status, _, _ = host.get("/statement/0000000000000000dead")  # not in the map: not found
    assert status == 404


def subjects_of(nt: Path) -> list[str]:
    from pyoxigraph import Quad, Store

    store = Store()
    store.extend(Quad(t.subject, t.predicate, t.object) for t in parse(path=str(nt), format=RdfFormat.N_TRIPLES))
    return subjects(store, DEFAULT_BASE)


def test_the_home_page_the_query_pages_and_the_void_download_urls(host: Client, deployed: Path) -> None:
    site = deployed / "site"
    for url, file in (("/", "index.html"), ("/queries.html", "queries.html"), ("/ontology.ttl", "ontology.ttl"),
                      ("/queries/people-and-roles.html", "queries/people-and-roles.html")):
        status, _, body = host.get(url)
        assert (status, body) == (200, (site / file).read_bytes()), url
    void = parse(path=str(deployed / "dist" / "void.ttl"), format=RdfFormat.TURTLE, base_iri=DEFAULT_BASE)
    downloads = [t.object.value for t in void if t.predicate.value == DCAT.downloadURL]
    assert len(downloads) >= 10
    for iri in downloads:
        assert iri.startswith(DEFAULT_BASE + "dist/"), iri
        status, headers, body = host.get("/" + iri[len(DEFAULT_BASE):])
        assert (status, body) == (200, (site / iri[len(DEFAULT_BASE):]).read_bytes()), iri
        assert "content-encoding" not in headers, iri  # a gzip copy is a file to download, not an encoding
        if iri.endswith(".gz"):
            assert media(headers) == "application/gzip", iri
    for accept, file in (("text/turtle", "dataset.ttl"), ("text/html", "dataset.html")):  # the dataset IRI itself
        status, _, body = host.get("/dataset", accept)
        assert (status, body) == (200, (site / file).read_bytes()), accept
    status, _, _ = host.get("/organisation/no-such-organisation")
    assert status == 404


def test_a_merged_record_redirects_to_its_successor_in_the_same_form(host: Client) -> None:
    asks = [("", None), ("", "text/turtle"), (".html", None)] + [(f.extension, None) for f in EXPORTED]
    for suffix, accept in asks:
        status, headers, _ = host.get(f"/{MERGED}{suffix}", accept)
        assert status == 301, (suffix, accept)
        assert urlsplit(headers["location"]).path == f"/{SUCCESSOR}{suffix}", headers["location"]
    status, _, _ = host.get(f"/{SUCCESSOR}", "text/turtle")
    assert status == 200


def test_a_withdrawn_record_is_gone_with_its_tombstone_in_every_media_type(host: Client, deployed: Path) -> None:
    site = deployed / "site"
    asks = [("", None, ".html"), (".html", None, ".html")]
    asks += [("", f.media_type, f.extension) for f in EXPORTED] + [(f.extension, None, f.extension) for f in EXPORTED]
    for suffix, accept, extension in asks:
        status, headers, body = host.get(f"/{WITHDRAWN}{suffix}", accept)
        kind = "text/html" if extension == ".html" else next(f.media_type for f in EXPORTED if f.extension == extension)
        assert (status, media(headers)) == (410, kind), (suffix, accept)
        assert body == (site / f"{WITHDRAWN}{extension}").read_bytes(), (suffix, accept, body[:200])
    html = (site / f"{WITHDRAWN}.html").read_text(encoding="utf-8")
    assert "Withdrawn" in html and "Test of a withdrawal." in html and "2026-12-02" in html


def test_the_w3id_rules_send_each_iri_to_its_file_on_the_hosted_site(deployed: Path) -> None:
    """w3id.htaccess in real Apache, as w3id.org runs it: IRIs negotiate (303), files go as they are (302)."""
    w3id = deployed / "w3id"
    w3id.mkdir(exist_ok=True)
    shutil.copy(deployed / "site" / "w3id.htaccess", w3id / ".htaccess")
    scratch = deployed / "scratch" / "w3id"
    scratch.mkdir(exist_ok=True)
    with apache_server(w3id, scratch, allow_override="All") as url:  # w3id.org's own setting
        client = Client(url)
        for path, accept, code, target in (
            ("/organisation/gbif", "text/turtle", 303, "organisation/gbif.ttl"),
            ("/organisation/gbif", "application/ld+json", 303, "organisation/gbif.jsonld"),
            ("/organisation/gbif", "text/html", 303, "organisation/gbif.html"),
            ("/organisation/gbif.nt", None, 302, "organisation/gbif.nt"),
            ("/dist/opendata-graph.ttl", "text/turtle", 302, "dist/opendata-graph.ttl"),
            ("/dist/opendata-graph.nt.gz", None, 302, "dist/opendata-graph.nt.gz"),
            ("/", None, 303, "index.html"),
        ):
            status, headers, _ = client.get(path, accept)
            assert (status, headers.get("location")) == (code, TARGET + target), (path, accept)


def test_the_docs_give_the_allow_override_the_tests_run_apache_with() -> None:
    from opendata_graph.web.site import APACHE_ALLOW_OVERRIDE

    docs = " ".join((paths.ROOT / "docs" / "serving.md").read_text(encoding="utf-8").split())
    assert f"`AllowOverride {APACHE_ALLOW_OVERRIDE}`" in docs


def test_a_kind_has_an_index_and_a_missing_page_is_a_real_404(host: Client, deployed: Path) -> None:
    status, headers, body = host.get("/organisation")
    assert status == 200 and media(headers) == "text/html", status
    assert b"<h1>Organisation (" in body and b'href="/organisation/gbif' in body
    status, headers, body = host.get("/organisation/no-such-record", "text/html")
    assert status == 404 and media(headers) == "text/html", status
    assert b"<h1>Not found</h1>" in body and b'id="search"' in body


def test_fair_signposting_on_the_landing_page_entity_pages_and_release_files(host: Client, deployed: Path) -> None:
    """The host's rules send the Link headers `odg serve` sends (FAIR Signposting level 1), with the release
    description's (void.ttl) own values, on every representation of an entity page and on every release file."""
    from opendata_graph.core.formats import DUMPS
    from opendata_graph.core.namespaces import DCTERMS, SCHEMA_WEB

    dist = deployed / "dist"
    licence = next(t.object.value for t in parse(path=str(dist / "void.ttl"), format=RdfFormat.TURTLE)
                   if t.subject.value == DEFAULT_BASE + "dataset" and t.predicate.value == DCTERMS.license)
    landing = {(DEFAULT_BASE + "dataset", "cite-as", None), (DEFAULT_BASE + "dist/void.ttl", "describedby", "text/turtle"),
               *((DEFAULT_BASE + "dist/" + f.dump, "item", f.media_type) for f in DUMPS), (licence, "license", None),
               (SCHEMA_WEB.AboutPage, "type", None), (SCHEMA_WEB.Dataset, "type", None)}
    for path in ("/", "/index.html"):
        status, headers, _ = host.get(path)
        assert status == 200 and links(headers.get("link")) == landing, (path, headers.get("link"))
    for page in ("organisation/gbif", "person/guillaume-rischard", "dataset/1.0.0"):
        iri = DEFAULT_BASE + page
        if not (deployed / "site" / f"{page}.html").is_file():
            continue
        expected = {(iri, "cite-as", None), (licence, "license", None), (SCHEMA_WEB.AboutPage, "type", None),
                    *((iri + f.extension, "describedby", f.media_type) for f in EXPORTED)}
        for path, accept in ((f"/{page}", None), (f"/{page}", "text/turtle"), (f"/{page}.html", None),
                             (f"/{page}.nt", None)):
            status, headers, _ = host.get(path, accept)
            assert status == 200 and links(headers.get("link")) == expected, (path, accept, headers.get("link"))
    for name in ("opendata-graph.ttl", "opendata-graph.nt.gz", "void.ttl"):
        status, headers, _ = host.get("/dist/" + name)
        assert status == 200 and links(headers.get("link")) == {
            (DEFAULT_BASE, "collection", "text/html"), (licence, "license", None)}, (name, headers.get("link"))
    status, headers, _ = host.get("/queries.html")  # not a page about a resource: no links
    assert status == 200 and "link" not in headers
