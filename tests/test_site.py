"""`odg site OUT/`: a static copy whose every internal link resolves, with per-resource data files and the
rewrite rules a static host needs for content negotiation."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from pyoxigraph import RdfFormat, parse

from opendata_graph.core import paths
from opendata_graph.core.namespaces import DEFAULT_BASE, FOAF, PREFIXES
from opendata_graph.web import render
from opendata_graph.web.site import export


@pytest.fixture(scope="module")
def site(dist: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site") / "site"
    export(dist, out, DEFAULT_BASE, paths.queries_dir(), root="/", target="https://odg.example/")
    return out


def test_every_minted_iri_resolves_to_its_page_or_its_place_on_one(site: Path, dist: Path) -> None:
    """A page of its own (with its four representations and JSON) for every entity; every node it owns (figures,
    memberships, statements, excerpts, evidence) at its fragment on that page and in that page's data, by the
    rule on its path or the site's map: one page per entity, not one per node."""
    from opendata_graph.core.formats import EXPORTED
    from opendata_graph.source.schema import KINDS

    triples = list(parse(path=str(dist / "opendata-graph.nt"), format=RdfFormat.N_TRIPLES))
    subjects = {t.subject.value for t in triples}
    minted = {s for s in subjects if s.startswith(DEFAULT_BASE)}
    mapped = dict(line.split(" ") for line in (site / "nodes.map").read_text(encoding="utf-8").splitlines())
    pages, placed, wrong = set(), 0, []
    for iri in sorted(minted):
        path = iri[len(DEFAULT_BASE):]
        if (site / f"{path}.html").is_file():
            pages.add(path)
            wrong += [f"{path}{x}" for x in (".ttl", ".jsonld", ".nt", ".json") if not (site / f"{path}{x}").is_file()]
            continue
        page = mapped.get(path) or ("/".join(path.split("/")[:2]) if path.split("/")[0] in KINDS else "")
        html = (site / f"{page}.html").read_text(encoding="utf-8") if (site / f"{page}.html").is_file() else ""
        data = {t.subject.value for t in parse(path=str(site / f"{page}.ttl"), format=RdfFormat.TURTLE)} if html \
            else set()
        if f'id="{path}"' not in html or iri not in data:
            wrong.append(f"{path} -> {page}")
        placed += 1
    assert wrong == []
    assert placed > 1900 and 100 < len(pages) < 150  # 116 pages here; 2,319 when every node had its own
    entities = [p for p in pages if p.split("/")[0] in KINDS]
    # The files under the kinds' directories: a page per node would multiply them (the release's own pages, VoID
    # class partitions and queries grow with the vocabulary and the query files, not with the nodes).
    files = sum(1 for f in site.rglob("*") if f.is_file() and f.relative_to(site).parts[0] in KINDS
                and len(f.relative_to(site).parts) > 1)
    assert files <= 10 * len(entities), (files, len(entities))
    assert len(EXPORTED) + 2 <= 5  # a page, its three RDF forms and its JSON
    # a licence known by its SPDX IRI is described on its page (the minted IRI is foaf:primaryTopic of it)
    topics = {t.subject.value: t.object.value for t in triples if t.predicate.value == FOAF.primaryTopic}
    assert len(topics) == 8 and set(topics.values()) == subjects - minted
    for page, topic in topics.items():
        described = {t.subject.value for t in parse(path=str(site / (page[len(DEFAULT_BASE):] + ".ttl")),
                                                     format=RdfFormat.TURTLE)}
        assert topic in described, page
        assert f"<code>{topic}</code>" in (site / (page[len(DEFAULT_BASE):] + ".html")).read_text(encoding="utf-8")


def test_every_internal_link_resolves_and_every_fragment_is_on_its_page(site: Path) -> None:
    broken = []
    pages = list(site.rglob("*.html"))
    assert len(pages) > 100
    ids = {p: set(re.findall(r' id="([^"]+)"', p.read_text(encoding="utf-8"))) for p in pages}
    fragments = 0
    for page in pages:
        for href, fragment in re.findall(r'href="([^"#?]+)(?:#([^"]*))?"', page.read_text(encoding="utf-8")):
            target = site / href.lstrip("/")
            if href.startswith("/") and not target.is_file():
                broken.append(f"{page.relative_to(site)} -> {href}")
            elif href.startswith("/") and fragment and target.suffix == ".html":
                fragments += 1
                if fragment not in ids[target]:
                    broken.append(f"{page.relative_to(site)} -> {href}#{fragment}")
    assert broken == []
    assert fragments > 100  # links to figures, memberships, identifiers at their place on their entity's page


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
    _resum(release)  # a release odg could have written (its checksums hold), holding a hostile IRI
    out = tmp_path / "a" / "b" / "site"
    result = subprocess.run([sys.executable, "-m", "opendata_graph.cli", "site", str(out), "--dist", str(release)],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 2, result.stderr
    assert "outside the site" in result.stderr and "Traceback" not in result.stderr
    assert not list(tmp_path.rglob("escaped*")) and not out.exists()  # refused before anything was written
    onto_a_file = subprocess.run([sys.executable, "-m", "opendata_graph.cli", "site", str(release / "void.ttl"),
                                  "--dist", str(release)], capture_output=True, text=True, timeout=300)
    assert onto_a_file.returncode == 2 and "is a file" in onto_a_file.stderr


def _resum(release: Path) -> None:
    import hashlib

    (release / "SHA256SUMS").write_text("".join(
        f"{hashlib.sha256((release / name).read_bytes()).hexdigest()}  {name}\n"
        for name in sorted(line.split("  ", 1)[1] for line in (release / "SHA256SUMS").read_text().splitlines())))


def test_no_file_is_written_through_a_link_out_of_the_site(tmp_path: Path) -> None:
    from opendata_graph.core.errors import ConfigError
    from opendata_graph.web.site import Files

    out, outside = tmp_path / "site", tmp_path / "outside"
    out.mkdir()
    outside.mkdir()
    (out / "organisation").symlink_to(outside, target_is_directory=True)  # a directory linked out
    (out / "x.html").symlink_to(outside / "x.html")  # a file linked out
    files = Files(out)
    for relative in ("organisation/gbif.html", "x.html", "a/../../escaped.html", "a/.."):
        with pytest.raises(ConfigError):
            files.write(relative, "x")
    files.write("person/p.html", "ok")
    assert list(outside.iterdir()) == [] and not (tmp_path / "escaped.html").exists()
    assert (out / "person" / "p.html").read_text(encoding="utf-8") == "ok"


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


def test_without_an_endpoint_no_query_form_and_every_query_file_s_results_are_shown(site: Path) -> None:
    """A static copy cannot run a query: no form that could not work, the query files' results computed at export
    (with an endpoint, the live form: tests/test_browser.py)."""
    pages = [site / "query.html", *sorted((site / "queries").glob("*.html"))]
    assert len(pages) > 20 and all("<form" not in p.read_text(encoding="utf-8") for p in pages)
    assert not (site / "static").exists()
    page = (site / "queries" / "people-and-roles.html").read_text(encoding="utf-8")
    assert "<pre><code># title: People and their roles" in page and "Tim Robertson" in page


def test_the_vendored_sparql_editor_is_the_one_recorded() -> None:
    """The editor's files are the npm package's bytes recorded in VENDORED.json (``make vendor-editor``)."""
    import hashlib
    import json

    from opendata_graph.web.pages import EDITOR_FILES

    recorded = json.loads((render.static_dir() / "VENDORED.json").read_text(encoding="utf-8"))
    assert recorded["package"] == "@zazuko/yasqe" and recorded["integrity"].startswith("sha512-")
    assert {n: hashlib.sha256((render.static_dir() / n).read_bytes()).hexdigest() for n in EDITOR_FILES} \
        == recorded["sha256"]


def test_pages_rendered_in_parallel_processes_are_the_same_files(site: Path, dist: Path, tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """A large release renders its pages in one process per core (forked: they share the loaded store); the
    files are byte for byte those of one process."""
    import opendata_graph.web.site as s

    monkeypatch.setattr(s, "PARALLEL_FROM", 1)
    monkeypatch.setattr(s.os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    pools = []

    class Pool(s.ProcessPoolExecutor):  # type: ignore[misc, name-defined]
        def __init__(self, *args: object, **kwargs: object) -> None:
            pools.append(args)
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(s, "ProcessPoolExecutor", Pool)
    out = tmp_path / "parallel"
    export(dist, out, DEFAULT_BASE, paths.queries_dir(), root="/", target="https://odg.example/")
    assert pools == [(2,)]

    def files(root: Path) -> dict[str, bytes]:
        return {str(f.relative_to(root)): f.read_bytes() for f in root.rglob("*")
                if f.is_file() and f.name != "apache-map.conf"}  # it names the directory

    assert files(out) == files(site)


def test_a_pages_json_ld_has_the_dumps_terms_and_the_pages_triples(site: Path, dist: Path) -> None:
    """`organisation/gbif.jsonld` is written like the dump (plain terms from the ontology) and holds exactly the
    triples of the page's N-Triples."""
    import json

    document = json.loads((site / "organisation" / "gbif.jsonld").read_bytes())
    assert document["@context"]["memberOf"] == {"@id": "http://www.w3.org/ns/org#memberOf", "@type": "@id"}
    gbif = next(n for n in document["@graph"] if n["@id"] == "og:organisation/gbif")
    assert gbif["memberOf"] == ["og:cohort/cohort-2"] and gbif["altLabel"] == ["GBIF"]
    read = set(parse(path=str(site / "organisation" / "gbif.jsonld"), format=RdfFormat.JSON_LD))
    assert read == set(parse(path=str(site / "organisation" / "gbif.nt"), format=RdfFormat.N_TRIPLES)) and read


def test_each_query_file_s_results_are_files_to_download(site: Path) -> None:
    import json

    page = (site / "queries" / "people-and-roles.html").read_text(encoding="utf-8")
    assert 'href="/queries/people-and-roles.csv" download="people-and-roles.csv">CSV</a>' in page
    rows = (site / "queries" / "people-and-roles.csv").read_text(encoding="utf-8").splitlines()
    assert len(rows) == 10 and rows[0].startswith("person,")  # 9 rows and the header
    data = json.loads((site / "queries" / "people-and-roles.json").read_text(encoding="utf-8"))
    assert len(data["results"]["bindings"]) == 9


def test_the_home_page_and_the_dataset_page_carry_a_schema_org_dataset(site: Path) -> None:
    """For search engines, in the static site as in `odg serve` (tests/test_schemaorg.py checks it against
    schema.org)."""
    from .checks import embedded

    for name in ("index.html", "dataset.html"):
        found = embedded((site / name).read_text("utf-8"))
        assert len(found) == 1, name
        doc = found[0]
        assert (doc["@type"], doc["@id"]) == ("Dataset", DEFAULT_BASE + "dataset") and doc["distribution"], name


@pytest.mark.parametrize("licence", ['https://example.org/l"icence', "https://example.org/$host", "https://e.org/%{x}e",
                                     "https://example.org/a b"])
def test_a_link_iri_the_host_rules_cannot_carry_is_refused(licence: str) -> None:
    """A Link header's IRI goes into the Apache and nginx rules quoted: one that would break out of the quotes or
    be read as a variable (nginx ``$``, mod_headers ``%``) is a configuration error, never a broken rule."""
    from opendata_graph.core.errors import ConfigError
    from opendata_graph.web.site import Signposts, apache, nginx_http

    signs = Signposts(f"<{licence}>; rel=\"license\"", lambda stem: f"<https://example.org/{stem}>; rel=\"cite-as\"",
                      "", ("organisation",))
    for write in (lambda: apache(signs=signs), lambda: nginx_http(signs=signs)):
        with pytest.raises(ConfigError, match="cannot be written into the host's rules"):
            write()
    safe = Signposts('<https://example.org/l>; rel="license"', signs.page, "", ("organisation",))
    assert 'Link "<https://example.org/l>; rel=\\"license\\"" env=odg_home' in apache(signs=safe)
    assert "<https://example.org/$1>" in nginx_http(signs=safe)


def test_a_figure_s_number_reads_as_its_bound(site: Path) -> None:
    """A page shows a bound as a bound (issue 27): "nearly 2 billion" is < 2000000000, "more than 1,700" > 1700,
    "one of the ten" ≤ 10, "approximately 2,000" ≈ 2000, and an exact number bare."""
    import re

    def numbers(page: str) -> set[str]:
        return set(re.findall(r"<td>([^<]*\d)</td>", (site / f"{page}.html").read_text(encoding="utf-8")))

    assert {"&lt; 2000000000", "&gt; 1700"} <= numbers("product/gbif-org")
    assert "≤ 10" in numbers("product/wikipedia") and "6000" in numbers("product/wikipedia")
    assert "≈ 2000" in numbers("organisation/openstreetmap-foundation")
    assert "2000000000" not in numbers("product/gbif-org")


# -- pages speak in names, not codes: a property, a class or an outside IRI by its label (the ontology's, the
# standard term's name, the release's label of the thing, a registry's name and id), the CURIE only on hover --------

#: A CURIE of a prefix the release uses, as a reader would see it in running text.
CURIE = re.compile(r"(?<![\w/:.#-])(?:" + "|".join(sorted(PREFIXES, key=len, reverse=True)) + r"):[A-Za-z_][\w.-]*")
#: What is allowed to show codes: code and pre blocks (IRIs, SPARQL), the hover text, scripts and styles.
CODE = re.compile(r"<(code|pre|script|style|textarea|title)\b.*?</\1>", re.S)


def visible(page: str) -> str:
    """The text of a page a reader sees, without code blocks and attributes (hover text is not read)."""
    text = re.sub(r"<[^>]+>", " ", CODE.sub(" ", page))
    return html.unescape(text)


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


def test_the_server_answers_every_exported_page_with_the_same_bytes(site: Path, dist: Path) -> None:
    """One web layer (routes.py): a server given the static site's pages (same release, same base, same root)
    answers each file the export wrote from the route table -- pages, kind indexes, the 404 page, query results,
    pictures, search index, each resource's page, framed JSON and RDF -- with the same bytes; the release files
    and the host's rules aside (copied, not rendered)."""
    import threading
    import urllib.error
    import urllib.request
    from urllib.parse import quote

    from opendata_graph.web.routes import Web
    from opendata_graph.web.serve import load_app, serve

    app = load_app(dist, DEFAULT_BASE, paths.queries_dir(), timeout=60, max_results=1_000_000, in_memory=True)
    server = serve(app, "127.0.0.1", 0, make_web=lambda loaded: Web(loaded, static=True, root="/"))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    rendered = sorted(
        p for p in site.rglob("*") if p.is_file() and not p.name.startswith(".")
        and p.relative_to(site).parts[0] not in ("dist", "releases")
        and p.suffix not in (".conf", ".map", ".htaccess") and p.name not in ("ontology.ttl", "shapes.ttl"))
    assert len(rendered) > 500 and site / "404.html" in rendered and site / "organisation.html" in rendered
    different = []
    try:
        for path in rendered:
            name = path.relative_to(site).as_posix()
            try:
                with urllib.request.urlopen(f"{url}/{quote(name)}") as resp:
                    body = resp.read()
            except urllib.error.HTTPError as exc:  # the 404 page, a withdrawn record's tombstone (410)
                body = exc.read()
            if body != path.read_bytes():
                different.append(name)
    finally:
        server.shutdown()
        server.server_close()
        app.close()
    assert different == []
