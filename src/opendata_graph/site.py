"""``odg site OUT/``: the release as a static site, hostable without our server.

For every minted IRI ``<base>PATH``: ``OUT/PATH.html``, ``.ttl``, ``.jsonld`` and ``.nt``; the home page, the
query list with each query's results pre-rendered; the release files under ``dist/``; and the rewrite rules that
give a static host content negotiation: ``.htaccess`` (Apache), ``nginx.conf`` and ``w3id.htaccess`` (for the
w3id.org redirect of the base IRI to wherever the site is hosted).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from pyoxigraph import Store

from .errors import ConfigError, Location
from .pages import Site
from .serve import App, describe, load_app, represent
from .sparql import Engine

EXTENSIONS = {".ttl": "text/turtle", ".jsonld": "application/ld+json", ".nt": "application/n-triples"}

APACHE = """# Content negotiation for the opendata-graph static site (Apache 2.4, mod_rewrite + mod_headers).
AddType text/turtle .ttl
AddType application/ld+json .jsonld
AddType application/n-triples .nt
AddDefaultCharset utf-8
Options -MultiViews
RewriteEngine On
# A resource path without a suffix: pick the representation the Accept header prefers.
RewriteCond %{REQUEST_FILENAME} !-f
RewriteCond %{HTTP_ACCEPT} text/turtle
RewriteCond %{REQUEST_FILENAME}.ttl -f
RewriteRule ^(.*)$ $1.ttl [L,E=vary:1]
RewriteCond %{REQUEST_FILENAME} !-f
RewriteCond %{HTTP_ACCEPT} application/ld\\+json
RewriteCond %{REQUEST_FILENAME}.jsonld -f
RewriteRule ^(.*)$ $1.jsonld [L,E=vary:1]
RewriteCond %{REQUEST_FILENAME} !-f
RewriteCond %{HTTP_ACCEPT} application/n-triples
RewriteCond %{REQUEST_FILENAME}.nt -f
RewriteRule ^(.*)$ $1.nt [L,E=vary:1]
RewriteCond %{REQUEST_FILENAME} !-f
RewriteCond %{REQUEST_FILENAME}.html -f
RewriteRule ^(.*)$ $1.html [L,E=vary:1]
Header append Vary Accept env=REDIRECT_vary
"""

NGINX = """# Content negotiation for the opendata-graph static site.
# Include in a server { } block whose root is the site.
map $http_accept $odg_suffix {
    default                     .html;
    ~*text/turtle               .ttl;
    ~*application/ld\\+json      .jsonld;
    ~*application/n-triples     .nt;
}
types {
    text/turtle ttl;
    application/ld+json jsonld;
    application/n-triples nt;
    text/html html;
}
location / {
    add_header Vary Accept;
    try_files $uri $uri$odg_suffix $uri.html =404;
}
"""

W3ID = """# w3id.org redirect for {base}: place in the w3id.org repository as {name}/.htaccess.
# Every IRI under the base is redirected (303, with Vary: Accept) to the hosted site, to the representation asked for.
Options +FollowSymLinks
RewriteEngine on
RewriteCond %{{HTTP_ACCEPT}} text/turtle
RewriteRule ^(.*)$ {target}$1.ttl [R=303,L]
RewriteCond %{{HTTP_ACCEPT}} application/ld\\+json
RewriteRule ^(.*)$ {target}$1.jsonld [R=303,L]
RewriteCond %{{HTTP_ACCEPT}} application/n-triples
RewriteRule ^(.*)$ {target}$1.nt [R=303,L]
RewriteRule ^$ {target}index.html [R=303,L]
RewriteRule ^(.*)$ {target}$1.html [R=303,L]
"""


def export(release: Path, out: Path, base: str, queries_dir: Path | None, root: str = "/",
           target: str = "https://example.org/opendata-graph/") -> list[Path]:
    """Write the static site for ``release`` into ``out``; returns the files written (never outside ``out``)."""
    if out.exists() and not out.is_dir():
        raise ConfigError(f"{out} is a file, not a directory for the site", Location.of(out),
                          "give a new or existing directory")
    app = load_app(release, base, queries_dir, timeout=60, max_results=1_000_000)
    try:
        return _export(app, release, out, base, root, target)
    finally:
        app.close()


def _export(app: App, release: Path, out: Path, base: str, root: str, target: str) -> list[Path]:
    site = Site(app.store, base, root=root, suffix=".html")
    written: list[Path] = []

    root_dir = out.resolve()

    def write(relative: str, data: bytes | str) -> None:
        path = (out / relative).resolve()
        if path != root_dir and root_dir not in path.parents:  # an IRI like <base>../../x: never outside OUT
            raise ConfigError(f"the release names a resource outside the site: {relative!r}", Location.of(out),
                              "no IRI of the release may contain '..' segments")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
        written.append(path)

    pages = subjects(app.store, base)
    for iri in pages:  # all checked before anything is written
        if ".." in iri[len(base):].split("/") or iri[len(base):].startswith("/"):
            raise ConfigError(f"the release names a resource outside the site: {iri!r}", Location.of(out),
                              "no IRI of the release may contain '..' segments")
    for iri in pages:
        relative = iri[len(base):]
        write(relative + ".html", site.resource(iri))
        triples = describe(app.store, iri)
        for extension, media in EXTENSIONS.items():
            write(relative + extension, represent(triples, media, base))
    write("index.html", site.home(app.description, app.counts, app.title))
    write("queries.html", query_list(site, app.queries))
    write("query.html", site.page("SPARQL query", "<h1>SPARQL query</h1><p>This is a static copy of the release: "
                                  "to run your own queries, load a dump into any SPARQL store, or run "
                                  "<code>odg serve</code>. The query files and their results are listed under "
                                  f'<a href="{root}queries.html">Queries</a>.</p>'))
    engine = Engine(app.store, max_results=1_000_000)
    for name, _title, _answers, text in app.queries:
        answer = engine.run(text)
        write(f"queries/{name}.html", site.query_page(text, site.results_table(answer.variables, answer.rows)))
    write("ontology.html", site.ontology(app.ontology(), base + "ontology"))
    write("ontology.ttl", (release / "ontology.ttl").read_bytes())
    write("shapes.ttl", (release / "shapes.ttl").read_bytes())
    for f in sorted(release.iterdir()):
        if f.is_file():
            write(f"dist/{f.name}", f.read_bytes())
    write(".htaccess", APACHE)
    write("nginx.conf", NGINX)
    name = base.rstrip("/").rsplit("/", 1)[-1]
    write("w3id.htaccess", W3ID.format(base=base, name=name, target=target))
    return written


def subjects(store: Store, base: str) -> list[str]:
    """Every minted IRI that is the subject of a triple in the release."""
    return sorted({q.subject.value for q in store.quads_for_pattern(None, None, None)  # type: ignore[union-attr]
                   if q.subject.value.startswith(base)})  # type: ignore[union-attr]


def query_list(site: Site, queries: Sequence[tuple[str, str, str, str]]) -> str:
    """The query list of a static site: the same page, each "Run" a link to the pre-rendered results."""
    from html import escape

    items = "".join(f'<li><h2 id="{escape(n)}">{escape(t)}</h2><p>{escape(a)}</p>'
                    f'<p><a href="{site.root}queries/{escape(n)}.html">Run: see the results</a></p></li>'
                    for n, t, a, _ in queries)
    return site.page("Query files", f'<h1>Query files</h1><ul class="queries">{items}</ul>')

