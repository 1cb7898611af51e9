"""``odg site OUT/``: the release as a static site, hostable without our server.

For every minted IRI ``<base>PATH``: ``OUT/PATH.html``, ``.ttl``, ``.jsonld`` and ``.nt``; the home page, the
query list with each query's results pre-rendered; the release files under ``dist/``; and the rewrite rules that
give a static host content negotiation: ``.htaccess`` (Apache), ``nginx.conf`` and ``w3id.htaccess`` (for the
w3id.org redirect of the base IRI to wherever the site is hosted).
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path

from pyoxigraph import NamedNode, Store

from ..core import outputs
from ..core.errors import ConfigError, Location
from ..core.formats import EXPORTED
from ..core.progress import Bar, Quiet
from ..releases.releasedir import SUMS
from ..releases.releases import RELEASES
from .pages import Site, page_of
from .routes import Web, item_links, landing_links, resource_links
from .serve import App, load_app


def _accept(media: str) -> str:
    """A media type as a regular expression on the Accept header."""
    return media.replace(".", "\\.").replace("+", "\\+")


@dataclass(frozen=True)
class Gone:
    """A retired record as the host sees it: its path under the site root and, when merged, its successor's."""

    path: str
    successor: str | None


@dataclass(frozen=True)
class Nodes:
    """The nodes shown on another page than their own (:mod:`opendata_graph.releases.locate`), as the host sees
    them: those minted below their entity (``organisation/gbif/figure/x``, by a rule on the path, for these record
    segments) and the others, looked up in the site's map (``nodes.map``: path -> the page's path)."""

    below: Sequence[str] = ()  #: the record segments with owned nodes below them
    mapped: Mapping[str, str] = field(default_factory=dict)  #: node path -> page path (both under the root)

    @property
    def segments(self) -> list[str]:
        """The first segments of the mapped nodes' paths (``membership``, ``statement``...)."""
        return sorted({p.split("/", 1)[0] for p in self.mapped})


#: Suffixes of a node's representations other than its page: a 303 to the page's file of the same suffix.
def _data_suffixes() -> str:
    return "(" + "|".join(re.escape(e) for e in (*(f.extension for f in EXPORTED), ".json")) + ")"


@dataclass(frozen=True)
class Signposts:
    """FAIR Signposting level 1 in the host's rules: the ``Link`` values ``odg serve`` sends (serve.py's), for the
    home page (the landing page), each page of an entity (its path written as the server's placeholder) and each
    release file under ``dist/``. ``segments``: the first path segments of the entity pages."""

    landing: str
    page: Callable[[str], str]
    item: str
    segments: tuple[str, ...]

    def page_pattern(self, root: str) -> str:
        """An entity page's path under ``root``, in any of its representations: group 1 is the path."""
        return (f"^{re.escape(root)}((?:{'|'.join(re.escape(s) for s in self.segments)})/[^/]+?)"
                f"(?:{'|'.join(re.escape(e) for e in ('.html', *(f.extension for f in EXPORTED), '.json'))})?$")


#: What the host's configuration cannot carry in a quoted header value (nginx has no escape for ``$``;
#: mod_headers reads ``%``); the values are IRIs, so none of these is ever needed.
_UNSAFE = re.compile(r'[\s"\\$%{}]')


def _quoted(value: str, placeholder: str = "") -> str:
    """``value`` as a double-quoted configuration string (its own quotes escaped), refusing what cannot be."""
    for target in re.findall(r"<([^>]*)>", value):  # the IRIs; the rest (rel, type) is ours
        if _UNSAFE.search(target.replace(placeholder, "") if placeholder else target):
            raise ConfigError(f"a Link header's IRI cannot be written into the host's rules: {target!r}", None,
                              "use a base IRI and licence IRI without spaces, quotes, '$', '%', '{' or '}'")
    return '"' + value.replace('"', '\\"') + '"'


def _apache_signposts(signs: Signposts) -> list[str]:
    """mod_rewrite marks the request (an env variable, on each pass of an internal redirect too), mod_headers
    sends the links."""
    stem = "%{odg_page}e"
    return ["# FAIR Signposting level 1: the landing page, each entity page, each release file",
            "RewriteRule ^(index\\.html)?$ - [E=odg_home:1]",
            f"RewriteRule {signs.page_pattern('')} - [E=odg_page:$1]",  # .htaccess: paths without the root
            "RewriteRule ^dist/ - [E=odg_item:1]",
            f"Header always set Link {_quoted(signs.landing)} env=odg_home",
            f"Header always set Link {_quoted(signs.page(stem), stem)} env=odg_page",
            f"Header always set Link {_quoted(signs.item)} env=odg_item"]


def _nginx_signposts(signs: Signposts, root: str) -> list[str]:
    """A map from the path to its Link value (nginx-http.conf); nginx.conf's root location adds it."""
    return ["# FAIR Signposting level 1: the Link value of the landing page, each entity page, each release file",
            "map $uri $odg_link {",  # try_files serves the root as $uri/index.html: "//index.html"
            f'    "~^{re.escape(root)}/?(index\\.html)?$" {_quoted(signs.landing)};',
            f'    "~{signs.page_pattern(root)}" {_quoted(signs.page("$1"), "$1")};',
            f'    "~^{re.escape(root)}dist/" {_quoted(signs.item)};', '    default "";', "}"]


def _apache_nodes(nodes: Nodes) -> list[str]:
    """A node without a file: 303 to its page (an HTML request: at the node's fragment; a suffix: the page's
    file of that suffix)."""
    lines = []
    data = _data_suffixes()
    if nodes.below:
        below = "(?:" + "|".join(re.escape(k) for k in nodes.below) + ")"
        lines += ["# A node minted below its entity (a figure, an identifier): on the entity's page, at its fragment",
                  "RewriteCond %{REQUEST_FILENAME} !-f", f"RewriteRule ^({below}/[^/]+)/.+?{data}$ $1$2 [R=303,L]",
                  "RewriteCond %{REQUEST_FILENAME} !-f",
                  f"RewriteRule ^(({below}/[^/]+)/.+?)(\\.html)?$ $2#$1 [R=303,NE,L]"]
    if nodes.mapped:
        mapped = "(?:" + "|".join(re.escape(k) for k in nodes.segments) + ")"
        lines += ["# Memberships, statements, evidence: their pages from the site's map (apache-map.conf declares it)",
                  "RewriteCond %{REQUEST_FILENAME} !-f", "RewriteCond ${odg-nodes:$1} ^(.+)$",
                  f"RewriteRule ^({mapped}/.+?){data}$ %1$2 [R=303,L]",
                  "RewriteCond %{REQUEST_FILENAME} !-f", "RewriteCond ${odg-nodes:$1} ^(.+)$",
                  f"RewriteRule ^({mapped}/.+?)(\\.html)?$ %1#$1 [R=303,NE,L]"]
    return lines


def apache_map(out: Path) -> str:
    """``apache-map.conf``: the map the ``.htaccess`` rules read, for the server or virtual host configuration
    (``RewriteMap`` is not allowed in ``.htaccess``). Its path is where the site was exported: adjust it where the
    site is copied elsewhere (or convert it to a DBM map with ``httxt2dbm`` for a large site)."""
    return ("# Include in the server or <VirtualHost> configuration of the opendata-graph static site\n"
            f'RewriteMap odg-nodes "txt:{out.resolve() / NODE_MAP}"\n')


#: The site's map of nodes shown on another page: "path page" per line (Apache's txt map format).
NODE_MAP = "nodes.map"


def node_map(nodes: Nodes) -> str:
    return "".join(f"{k} {v}\n" for k, v in sorted(nodes.mapped.items()))


def _suffixes() -> str:
    """Every representation's suffix as one regular expression group: ``(\\.html|\\.ttl|...)``."""
    return "(" + "|".join(re.escape(e) for e in (".html", *(f.extension for f in EXPORTED))) + ")"


#: The media types of the site's other files (nginx's types { } replaces its whole table).
OTHER_TYPES = (("text/html", "html"), ("text/css", "css"), ("text/javascript", "js"), ("application/json", "json"),
               ("image/svg+xml", "svg"), ("image/png", "png"), ("application/gzip", "gz"),
               ("text/markdown", "md"), ("text/plain", "txt"), ("text/csv", "csv"))


#: What the site's directory must allow its ``.htaccess`` (docs/serving.md; the deploy tests run Apache so).
APACHE_ALLOW_OVERRIDE = "FileInfo Indexes Options=MultiViews"


def apache(retired: Sequence[Gone] = (), root: str = "/", nodes: Nodes = Nodes(),
           signs: Signposts | None = None) -> str:
    """``.htaccess``: content negotiation, 301 for merged records, 410 Gone with the tombstone for withdrawn ones
    (Apache 2.4: mod_rewrite, mod_headers, mod_mime, mod_dir; ``AllowOverride`` :data:`APACHE_ALLOW_OVERRIDE`)."""
    lines = ["# Content negotiation for the opendata-graph static site (Apache 2.4: mod_rewrite, mod_headers,",
             f"# mod_mime, mod_dir). The site's directory needs AllowOverride {APACHE_ALLOW_OVERRIDE} (or All)."]
    lines += [f"AddType {f.media_type} {f.extension}" for f in EXPORTED]
    lines += [f"AddType {m} .{e}" for m, e in OTHER_TYPES]
    lines += ["# the dumps' gzip copies are files to download, not a transfer encoding", "RemoveEncoding .gz",
              "AddDefaultCharset utf-8", "Options -MultiViews",
              "# organisation/gbif is a page and the directory of its parts: never redirect it to organisation/gbif/",
              "DirectorySlash Off", "DirectoryIndex index.html", f"ErrorDocument 404 {root}404.html",
              "RewriteEngine On", f"RewriteBase {root}"]
    lines += _apache_signposts(signs) if signs is not None else []
    suffixes = _suffixes()
    for gone in retired:
        path = re.escape(gone.path)
        if gone.successor is not None:  # merged: its data is at its successor's IRI, in the same representation
            lines += [f"RewriteRule ^{path}{suffixes}?$ {gone.successor}$1 [R=301,L,E=vary:1]"]
        else:  # withdrawn: 410, the tombstone as the body (the error document itself is served as it is)
            lines += ["RewriteCond %{ENV:REDIRECT_STATUS} ^$", f"RewriteRule ^{path}{suffixes}?$ - [G,E=vary:1]"]
    lines += _apache_nodes(nodes)
    lines += ["# A resource path without a suffix: pick the representation the Accept header prefers."]
    for f in EXPORTED:
        lines += ["RewriteCond %{REQUEST_FILENAME} !-f", f"RewriteCond %{{HTTP_ACCEPT}} {_accept(f.media_type)}",
                  f"RewriteCond %{{REQUEST_FILENAME}}{f.extension} -f",
                  f"RewriteRule ^(.*)$ $1{f.extension} [L,E=vary:1]"]
    lines += ["RewriteCond %{REQUEST_FILENAME} !-f", "RewriteCond %{REQUEST_FILENAME}.html -f",
              "RewriteRule ^(.*)$ $1.html [L,E=vary:1]",
              "Header always append Vary Accept env=REDIRECT_vary", "Header always append Vary Accept env=vary"]
    for gone in retired:
        if gone.successor is None:
            lines += _apache_tombstone(root + gone.path)
    return "\n".join(lines) + "\n"


def _apache_tombstone(path: str) -> list[str]:
    """Which representation of the tombstone a 410 carries: the suffix asked for, else the Accept header's."""
    lines = []
    for i, f in enumerate(EXPORTED):
        test = (f"%{{REQUEST_URI}} == '{path}{f.extension}' || "
                f"(%{{REQUEST_URI}} == '{path}' && %{{HTTP_ACCEPT}} =~ m#{_accept(f.media_type)}#)")
        lines += [f'<{"If" if i == 0 else "ElseIf"} "{test}">', f"    ErrorDocument 410 {path}{f.extension}",
                  f'</{"If" if i == 0 else "ElseIf"}>']
    test = f"%{{REQUEST_URI}} == '{path}' || %{{REQUEST_URI}} == '{path}.html'"
    return [*lines, f'<ElseIf "{test}">', f"    ErrorDocument 410 {path}.html", "</ElseIf>"]


def nginx_http(root: str = "/", nodes: Nodes = Nodes(), signs: Signposts | None = None) -> str:
    """``nginx-http.conf``: what nginx allows only in its ``http { }`` block (the Accept header -> suffix map, and
    the map of nodes shown on another page)."""
    width = max(len(f.media_type) for f in EXPORTED) + 6
    lines = ["# Content negotiation for the opendata-graph static site: include in nginx's http { } block,",
             "# and nginx.conf in the server { } block whose root is the site."]
    if nodes.mapped:  # before any map: nginx sizes its map tables at the first one
        size = 1 << max(11, (2 * len(nodes.mapped)).bit_length())
        lines += [f"map_hash_max_size {size};", "map_hash_bucket_size 128;"]
    lines += ["map $http_accept $odg_suffix {", f"    {'default':<{width}}.html;"]
    lines += [f"    {'~*' + _accept(f.media_type):<{width}}{f.extension};" for f in EXPORTED]
    lines += ["}"]
    lines += _nginx_signposts(signs, root) if signs is not None else []
    if nodes.mapped:
        lines += ["# Memberships, statements, evidence: the page each is shown on (303 there, at its fragment)",
                  f'map $uri $odg_node {{ "~^{re.escape(root)}(?<n>.+?){_suffixes()}?$" $n; default ""; }}',
                  f'map $uri $odg_node_data {{ "~{_data_suffixes()}$" $1; default ""; }}',
                  "map $odg_node $odg_node_page {", '    default "";',
                  *(f"    {k} {root}{v};" for k, v in sorted(nodes.mapped.items())), "}",
                  'map $odg_node_data $odg_node_tail { "" "#$odg_node"; default $odg_node_data; }']
    return "\n".join(lines) + "\n"


def nginx(retired: Sequence[Gone] = (), root: str = "/", nodes: Nodes = Nodes(), signs: Signposts | None = None) -> str:
    """``nginx.conf``: the server { } part of the same rules (nginx-http.conf holds the http { } part)."""
    lines = ["# Content negotiation for the opendata-graph static site: include in the server { } block whose root",
             "# is the site (and nginx-http.conf in the http { } block).", "types {",
             *(f"    {f.media_type} {f.key};" for f in EXPORTED), *(f"    {m} {e};" for m, e in OTHER_TYPES), "}",
             "charset utf-8;", f"charset_types {' '.join(f.media_type for f in EXPORTED)} text/css text/javascript "
             "application/json text/markdown text/plain;", "index index.html;", f"error_page 404 {root}404.html;"]
    suffixes = _suffixes()
    for gone in retired:
        path = root + gone.path
        if gone.successor is not None:
            lines += [f'location ~ "^{re.escape(path)}{suffixes}?$" {{', "    add_header Vary Accept always;",
                      f"    return 301 {root}{gone.successor}$1;", "}"]
        else:
            lines += [f'location = "{path}" {{', f"    set $odg_gone {path}$odg_suffix;",
                      "    error_page 410 @odg_gone;", "    return 410;", "}",
                      f'location ~ "^{re.escape(path)}{suffixes}$" {{', f"    set $odg_gone {path}$1;",
                      "    error_page 410 @odg_gone;", "    return 410;", "}"]
    if any(g.successor is None for g in retired):  # the tombstone, with the 410 kept
        lines += ["location @odg_gone {", "    add_header Vary Accept always;", "    try_files $odg_gone =404;", "}"]
    data = _data_suffixes()
    if nodes.below:
        below = "(?:" + "|".join(re.escape(k) for k in nodes.below) + ")"
        lines += [f'location ~ "^{re.escape(root)}({below}/[^/]+)/.+?{data}$" {{ return 303 {root}$1$2; }}',
                  f'location ~ "^{re.escape(root)}(({below}/[^/]+)/.+?)(\\.html)?$" {{ return 303 {root}$2#$1; }}']
    if nodes.mapped:
        mapped = "(?:" + "|".join(re.escape(k) for k in nodes.segments) + ")"
        lines += [f'location ~ "^{re.escape(root)}{mapped}/" {{', '    if ($odg_node_page = "") { return 404; }',
                  "    return 303 $odg_node_page$odg_node_tail;", "}"]
    lines += [f"location {root} {{", "    add_header Vary Accept;",
              *(["    add_header Link $odg_link;"] if signs else []),
              "    try_files $uri $uri$odg_suffix $uri.html $uri/index.html =404;", "}"]
    return "\n".join(lines) + "\n"


def w3id(base: str, name: str, target: str) -> str:
    """The w3id.org redirect rules for ``base``: every IRI to the hosted site, in the representation asked for."""
    lines = [f"# w3id.org redirect for {base}: place in the w3id.org repository as {name}/.htaccess.",
             "# Every IRI under the base is redirected (303, with Vary: Accept) to the hosted site, to the "
             "representation asked for; a file (the dumps under dist/ and releases/, a page with its suffix) as it "
             "is.",
             "Options +FollowSymLinks", "RewriteEngine on",
             f"RewriteRule ^((dist|releases|queries)/.*|.*{_suffixes()}|.*\\.json|ontology\\.ttl|shapes\\.ttl)$ "
             f"{target}$1 [R=302,L]"]
    for f in EXPORTED:
        lines += [f"RewriteCond %{{HTTP_ACCEPT}} {_accept(f.media_type)}",
                  f"RewriteRule ^(.+)$ {target}$1{f.extension} [R=303,L]"]
    lines += [f"RewriteRule ^$ {target}index.html [R=303,L]", f"RewriteRule ^(.*)$ {target}$1.html [R=303,L]"]
    return "\n".join(lines) + "\n"


def export(release: Path, out: Path, base: str, queries_dir: Path | None, root: str = "/",
           target: str = "https://example.org/opendata-graph/",
           progress: Callable[[int, str], Bar] | None = None, endpoint: str | None = None) -> list[Path]:
    """Write the static site for ``release`` into ``out``; returns the files written (never outside ``out``).
    ``endpoint``: a SPARQL endpoint serving the release, which the query page's live form asks; without one,
    the site shows the query files' results, computed now, and no form that could not work."""
    outputs.claim(out, outputs.SITE, {"release": release, "queries": queries_dir})
    app = load_app(release, base, queries_dir, timeout=60, max_results=1_000_000, in_memory=True)
    try:
        for checked in filter(None, (app.release_files, *app.releases().values())):
            checked.verify_all()  # every release file the site copies, before its first byte is written
        written = _export(app, release, out, base, root, target, progress or (lambda total, label: Quiet()),
                          endpoint)
    finally:
        app.close()
    _remove_stale(out, written)
    return written


#: The list of files the last export wrote, in the site's directory: what a re-export may remove.
MANIFEST = ".odg-site-files"


def _remove_stale(out: Path, written: Sequence[Path]) -> None:
    """Remove the files the previous export wrote and this one did not (a record gone, a page renamed), and the
    directories that leaves empty; never a file odg did not write, never through a link, never outside ``out``.
    Then record this export's files."""

    root = out.resolve()
    now = {str(p.relative_to(root)) for p in written}
    manifest = out / MANIFEST
    before = owned(out)
    for name in sorted(before - now, reverse=True):
        path = root / name
        if ".." in Path(name).parts or path.is_symlink() or not path.is_file():
            continue
        path.unlink()
        for parent in path.parents:
            if parent == root or not parent.is_relative_to(root):
                break
            try:
                parent.rmdir()  # only when empty
            except OSError:
                break
    for directory in {p.parent for p in written}:  # what a killed export left half-written, never renamed
        with os.scandir(directory) as entries:
            leftovers = [e.path for e in entries
                         if e.name.endswith(outputs.PARTIAL) and e.is_file(follow_symlinks=False)]
        for leftover in leftovers:
            os.unlink(leftover)
    outputs.flush_all()  # every page on disk before the list says the export is whole
    outputs.write_whole(manifest, "".join(f"{n}\n" for n in sorted(now)))
    (out / PENDING).unlink(missing_ok=True)


#: The files an export is writing that the manifest does not list yet, one a line, each added before the file is
#: made: a killed export's new files are still odg's to the next one (to replace, or to remove when stale).
PENDING = f"{MANIFEST}.pending"


def owned(out: Path) -> set[str]:
    """The files under ``out`` that odg wrote: the last export's list and what a killed one had begun to write."""
    names: set[str] = set()
    for name in (MANIFEST, PENDING):
        path = out / name
        if path.is_file() and not path.is_symlink():
            names.update(path.read_text(encoding="utf-8", errors="replace").splitlines())
    return names


def _export(app: App, release: Path, out: Path, base: str, root: str, target: str,
            progress: Callable[[int, str], Bar], endpoint: str | None) -> list[Path]:
    web = Web(app, static=True, root=root, endpoint=endpoint)  # the pages as the server answers them (routes.py)
    site = web.site
    files = Files(out)
    write, written = files.write, files.written

    minted = subjects(app.store, base)
    for iri in minted:  # all checked before anything is written
        if ".." in iri[len(base):].split("/") or iri[len(base):].startswith("/"):
            raise ConfigError(f"the release names a resource outside the site: {iri!r}", Location.of(out),
                              "no IRI of the release may contain '..' segments")
    pages, nodes = _pages(site, minted)
    files.check_free(name for iri in pages for name in page_files(iri[len(base):]))  # before the first byte
    write(outputs.MARKER, outputs.marker_text(outputs.SITE, ()))  # first: a killed export leaves odg's directory
    try:
        with progress(len(pages), "pages") as bar, _rendering_pages(app, web, files, pages, bar) as rendered:
            _other_files(app, web, release, files, base, root, target, minted, pages, nodes)
    finally:
        files.close()
    return written + rendered


def _other_files(app: App, web: Web, release: Path, files: Files, base: str, root: str, target: str,
                 minted: Sequence[str], pages: Sequence[str], nodes: Nodes) -> None:
    """Everything but the entity pages: the release's own description, the route table's other pages and files
    (home, queries with their results, changes, kinds, 404, pictures, search index, context, ontology), the
    release files and the host's rules."""
    write, copy = files.write, files.link
    if app.void is not None:  # the dataset IRI, its distributions and versions: the VoID/DCAT description
        known = set(minted)
        for iri in subjects(app.void, base):
            # the base itself is the home page (index.html), <base>shapes the shapes file (shapes.ttl): the
            # description types them (DCAT-AP) but they are not pages of it
            if iri not in known and iri[len(base):] not in ("", "shapes") and ".." not in iri[len(base):].split("/"):
                for name, data in web.resource_files(iri).items():
                    write(name, data)
    for name, data in web.exported():  # the same bytes as a server answers (tests/test_site.py)
        write(name, data)
    # a release directory brings its ontology, shapes and files; one dump file (as odg serve takes) only itself
    checked = app.release_files  # a release directory: each file copied once verified against its SHA256SUMS
    for name in ("ontology.ttl", "shapes.ttl"):
        if checked is not None and checked.has(name):
            write(name, checked.read_bytes(name))
    if checked is None:
        copy(release, f"dist/{release.name}")
    else:
        for name in [*checked.names(), SUMS]:
            copy(checked.verify(name), f"dist/{name}")
    for version, folder in sorted(app.releases().items()):  # each version's own files, as its download URLs say
        for name in [*folder.names(), SUMS]:
            copy(folder.verify(name), f"{RELEASES}/{version}/{name}")
    site = web.site
    retired = gone(site, pages)
    segments = tuple(sorted({iri[len(base):].split("/", 1)[0] for iri in pages if "/" in iri[len(base):]}))
    signs = Signposts(landing_links(app), lambda stem: resource_links(app, base + stem, EXPORTED, canonical=False),
                      item_links(app), segments)
    write(".htaccess", apache(retired, root, nodes, signs))
    write("nginx-http.conf", nginx_http(root, nodes, signs))
    write("nginx.conf", nginx(retired, root, nodes, signs))
    write(NODE_MAP, node_map(nodes))
    write("apache-map.conf", apache_map(files.out))
    name = base.rstrip("/").rsplit("/", 1)[-1]
    write("w3id.htaccess", w3id(base, name, target))


#: Below this many pages they are rendered in this process; above, in one process per core (at most this many).
PARALLEL_FROM, MAX_PROCESSES = 400, 4


def _advance(bar: Bar, n: int, _: object) -> None:
    bar.advance(n)


@contextlib.contextmanager
def _rendering_pages(app: App, web: Web, files: Files, pages: Sequence[str], bar: Bar) -> Iterator[list[Path]]:
    """Each page's files; the list yielded holds them once the ``with`` block is left. When there are many, they
    are rendered in processes of their own (forked: each inherits the store and the places found; the files are
    the same whichever process wrote them) while the block writes the export's other files in this process,
    which would otherwise only wait."""
    processes = min(MAX_PROCESSES, len(os.sched_getaffinity(0)))
    app.context()  # the JSON-LD context, read from the whole store once: before the processes fork
    _PageWorker.setup(web, files.out, files.owned)
    done: list[Path] = []
    if len(pages) < PARALLEL_FROM or processes < 2:
        for iri in pages:
            done += _PageWorker.render([iri])
            bar.advance()
        yield done
        return
    # the biggest pages first (a document with all its excerpts), then chunks of the rest: no process waits last
    weight = {iri: sum(1 for _ in app.store.quads_for_pattern(None, None, NamedNode(iri))) for iri in pages}
    ordered = sorted(pages, key=lambda iri: -weight[iri])
    chunks = [[iri] for iri in ordered[:50]] + [ordered[i:i + 25] for i in range(50, len(ordered), 25)]
    with ProcessPoolExecutor(processes, mp_context=get_context("fork")) as pool:
        futures = [pool.submit(_PageWorker.render, chunk) for chunk in chunks]  # forks every process now
        for future, chunk in zip(futures, chunks, strict=True):
            future.add_done_callback(functools.partial(_advance, bar, len(chunk)))
        try:
            yield done
        except BaseException:
            pool.shutdown(wait=True, cancel_futures=True)
            raise
        for future in futures:
            done += future.result()
    done.sort()


class Files:
    """The files one export (or one page process) writes under ``out``, each checked to be inside it and never
    replacing a file odg did not write (outputs.py), each written whole or not at all (a re-export killed midway
    leaves every page old or new, never truncated)."""

    def __init__(self, out: Path, earlier: set[str] | None = None) -> None:
        self.out, self.root = out, out.resolve()
        self.written: list[Path] = []
        self._directories: dict[str, Path] = {}  # relative directory -> where it resolved, checked and made
        #: what earlier exports wrote: the files this one may replace (read once, shared with the page processes)
        self.owned = owned(out) if earlier is None else earlier
        self._mine: set[str] = set()  # what this one wrote (or a sibling page process: never the same file)
        self._pending = -1

    def check_free(self, names: Iterable[str]) -> None:
        """Refuse, before anything is written, a file odg did not write where the export writes one of ``names``
        (the pages' files; the export's other files are checked as they are written, :meth:`_claim`)."""
        for name in names:
            if name not in self.owned and os.path.lexists(self.root / name):
                raise ConfigError("a file odg did not write is in the way; it is left as it is",
                                  Location.of(self.root / name),
                                  f"move it away, or export the site to another directory (the site writes {name})")

    def _claim(self, path: Path, relative: str) -> None:
        """Refuse a file in the way that odg did not write; list a new file as odg's before it is made."""
        name = str(path.relative_to(self.root))
        if name in self.owned or name in self._mine or name == outputs.MARKER:
            self._mine.add(name)
            return
        if os.path.lexists(path):
            raise ConfigError("a file odg did not write is in the way; it is left as it is", Location.of(path),
                              f"move it away, or export the site to another directory (the site writes {relative})")
        if self._pending < 0:
            with outputs.naming(self.root / PENDING):
                self._pending = os.open(self.root / PENDING, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW
                                        | os.O_CLOEXEC, 0o644)
        with outputs.naming(self.root / PENDING):
            os.write(self._pending, f"{name}\n".encode())  # one append: whole, whichever process writes it
        self._mine.add(name)

    def _inside(self, path: Path, relative: str) -> Path:
        if path != self.root and self.root not in path.parents:  # an IRI like <base>../../x: never outside OUT
            raise ConfigError(f"the release names a resource outside the site: {relative!r}", Location.of(self.out),
                              "no IRI of the release may contain '..' segments")
        return path

    def _path(self, relative: str) -> Path:
        """Where ``relative`` is written: its directory resolved once (made, and checked to be inside), the file
        resolved again only when it is a link (a page's five files share a directory)."""
        head, _, name = relative.rpartition("/")
        directory = self._directories.get(head)
        if directory is None:
            directory = self._inside((self.out / head).resolve(), relative)
            directory.mkdir(parents=True, exist_ok=True)
            self._directories[head] = directory
        path = directory / name
        if name in ("", ".", "..") or path.is_symlink():
            path = self._inside(path.resolve(), relative)
            if path == self.root:
                raise ConfigError(f"not a file name: {relative!r}", Location.of(self.out))
        self._claim(path, relative)
        self.written.append(path)
        return path

    def close(self) -> None:
        if self._pending >= 0:
            os.close(self._pending)
            self._pending = -1

    def write(self, relative: str, data: bytes | str) -> None:
        outputs.write_whole(self._path(relative), data, durable=False)  # flushed once: _remove_stale

    def link(self, source: Path, relative: str) -> None:
        """A release file into the site: a hard link where both are on one file system (a build replaces
        dist/'s files, never writes into them), else a copy (streamed: the dumps are large); made under a
        temporary name and renamed over its place, like every file of the site."""
        import shutil
        import tempfile

        path = self._path(relative)
        with outputs.naming(path):
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=outputs.PARTIAL, dir=path.parent)
            os.close(fd)
            try:
                os.unlink(tmp)
                try:
                    os.link(source, tmp)
                except OSError:
                    shutil.copyfile(source, tmp)
                os.replace(tmp, path)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
                raise


class _PageWorker:
    """What a page-rendering process holds: the site's pages, where to write."""

    web: Web
    out: Path
    owned: set[str]

    @classmethod
    def setup(cls, web: Web, out: Path, owned: set[str]) -> None:
        cls.web, cls.out, cls.owned = web, out, owned

    @classmethod
    def render(cls, iris: Sequence[str]) -> list[Path]:
        files = Files(cls.out, cls.owned)
        try:
            for iri in iris:
                for name, data in cls.web.resource_files(iri).items():
                    files.write(name, data)
        finally:
            files.close()
        return files.written


def _pages(site: Site, minted: Sequence[str]) -> tuple[list[str], Nodes]:
    """The IRIs with a page of their own, and the nodes shown on another's page (no files: the host's rules send
    a request for one to its page)."""
    from ..source.schema import KINDS

    base = site.base
    site.locate.preload()
    pages, below, mapped = [], set(), {}
    for iri in minted:
        place = site.locate(iri)
        if not place.fragment:
            pages.append(iri)
            continue
        path = iri[len(base):]
        segment = path.split("/", 1)[0]
        if segment in KINDS and place.page == base + "/".join(path.split("/")[:2]):
            below.add(segment)
        else:
            mapped[path] = place.page[len(base):]
    return pages, Nodes(sorted(below), mapped)


def page_files(relative: str) -> list[str]:
    """The files of the resource at ``relative``: its page, its framed JSON, each RDF representation exported."""
    return [relative + ".html", relative + ".json", *(relative + fmt.extension for fmt in EXPORTED)]


def gone(site: Site, pages: Sequence[str]) -> list[Gone]:
    """The retired records among ``pages``, with their successors' paths (both relative to the site root)."""
    out = []
    for iri in pages:
        r = site.retired(iri)
        if r is not None:
            page = r.successor and (r.successor if r.successor.startswith(site.base)
                                    else page_of(site.store, site.base, r.successor))  # an SPDX licence's page
            out.append(Gone(iri[len(site.base):], page[len(site.base):] if page else None))
    return out


def subjects(store: Store, base: str) -> list[str]:
    """Every minted IRI that is the subject of a triple in the release (found by the store, not in Python)."""
    from pyoxigraph import Literal

    rows = store.query(f"SELECT DISTINCT ?s WHERE {{ ?s ?p ?o FILTER(isIRI(?s) && STRSTARTS(STR(?s), "
                       f"{Literal(base)})) }}")
    return sorted(r["s"].value for r in rows)  # type: ignore[union-attr]
