"""The HTML pages of the release: :class:`Site` puts a page kind's view model (built from the store by the
``*_view`` modules) into its Jinja2 template (``templates/``, autoescaped); the query page and its results.

The resource page (:mod:`opendata_graph.resource_view`, :mod:`opendata_graph.summary_view`), the home page
(:mod:`opendata_graph.home_view`), the class indexes and the 404 page (:mod:`opendata_graph.index_view`), the
changes (:mod:`opendata_graph.changes_view`) and the ontology (:mod:`opendata_graph.ontology_view`) are plain data
rendered by a template of the same name. Every fact shown on a resource page carries the quote it was derived from
(or its external evidence) in a ``<details>``.
Used by the server (:mod:`opendata_graph.serve`) and the static export (:mod:`opendata_graph.site`), through
:mod:`opendata_graph.routes`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from html import escape
from typing import Any
from urllib.parse import quote

from pyoxigraph import NamedNode, Store

from . import namespaces
from .namespaces import DCAT, DCTERMS, FOAF, RDF, RDFS
from .render import Markup, render
from .views import Context, curie, page_of, primary_topic

__all__ = ["DEFAULT_QUERY", "EDITOR_FILES", "Site", "citation_of", "page_of", "primary_topic", "script_json"]

#: The SPARQL editor vendored into the package (``static/``, see ``static/VENDORED.json``): YASQE, the editor of
#: YASGUI, from npm. Offline: its prefix list is bundled, and the autocompleters that ask outside services
#: (classes, properties: LOV) are left out.
EDITOR_FILES = ("yasqe.min.js", "yasqe.min.css")
#: What the query page starts with: the release's prefixes declared, and a query that answers something.
DEFAULT_QUERY = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in namespaces.PREFIXES.items()) + (
    "\nSELECT ?organisation ?name WHERE {\n  ?organisation a org:Organization ; rdfs:label ?name .\n}\n"
    "ORDER BY ?name\nLIMIT 20\n")

#: A table wider than a phone scrolls inside this box, which a keyboard can reach (axe: scrollable-region-focusable).
SCROLL = '<div class="scroll" tabindex="0" role="region" aria-label="{label}">'

def citation_of(void: Store) -> dict[str, str]:
    """What a citation of the release described in ``void`` names: its title, version, date of issue (a release
    made with ``odg release --date`` has one; a build has none) and publisher's name, as the description says."""
    rows = void.query(f"""SELECT ?title ?version ?issued ?publisher WHERE {{
        ?d a <{namespaces.VOID.Dataset}> ; <{DCTERMS.title}> ?title .
        OPTIONAL {{ ?d <{DCAT.version}> ?version }} OPTIONAL {{ ?d <{DCTERMS.issued}> ?issued }}
        OPTIONAL {{ ?d <{DCTERMS.publisher}> ?p . ?p <{FOAF.name}>|<{RDFS.label}> ?publisher }}
    }} ORDER BY ?title LIMIT 1""")
    for row in rows:  # type: ignore[union-attr]
        return {k: row[k].value for k in ("title", "version", "issued", "publisher") if row[k] is not None}
    return {}


def script_json(value: object) -> str:
    """JSON to embed in a ``<script>``: ``<``, ``>`` and ``&`` escaped, so no value can close the element."""
    return json.dumps(value, ensure_ascii=False).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


class Site(Context):
    """The pages of a release: how they link (the release base IRI, the URL root the pages are served under, the
    static site's suffix) and what they say (:class:`opendata_graph.views.Context`)."""

    def page(self, title: str, body: str, alternates: str = "") -> str:
        """A whole page: ``body`` and ``alternates`` (the head's links) are HTML built escaped; the layout is
        ``templates/page.html``, with the server's :attr:`notice` (if any) above the body."""
        return render("page.html", title=title, body=Markup(body), alternates=Markup(alternates), root=self.root,
                      suffix=self.suffix, notice=self.notice) + "\n"

    def view(self, template: str, title: str, **model: Any) -> str:
        """A whole page: the view model ``model`` in ``template`` (which extends ``templates/page.html``)."""
        return render(template, title=title, root=self.root, suffix=self.suffix, notice=self.notice, **model) + "\n"

    def resource(self, page: str) -> str:
        """The page at ``page`` (:func:`opendata_graph.resource_view.resource`)."""
        from .resource_view import resource

        model = resource(self, page)
        return self.view("resource.html", model.title, page=model, inside=model.inside)

    def search_index(self) -> list[dict[str, object]]:
        """Every live record: its label, other names, kind and page (``search.json``)."""
        from .index_view import search_index

        return search_index(self)

    def kinds(self) -> list[str]:
        """The IRI segments of the kinds that have an index page (:func:`opendata_graph.index_view.kinds`)."""
        from .index_view import kinds

        return kinds(self)

    def home(self, description: str, counts: Sequence[tuple[str, int]], title: str,
             examples: Sequence[str] = (), dataset: str | None = None) -> str:
        """The home page (:func:`opendata_graph.home_view.home`)."""
        from .home_view import home

        return self.view("home.html", title, home=home(self, description, counts, title, examples, dataset))

    def kind_page(self, kind: str) -> str | None:
        """The index of one kind (``/organisation``); None when the release has no record of that kind."""
        from .index_view import kind_page

        found = kind_page(self, kind)
        return None if found is None else self.view("kind.html", found.title, kind=found)

    def not_found(self, iri: str | None = None) -> str:
        """The page for an address the release does not have (:func:`opendata_graph.index_view.not_found`)."""
        from .index_view import not_found

        return self.view("not_found.html", "Not found", missing=not_found(self, iri))

    def changes(self) -> str:
        """``/changes``: every release's changelog, newest first (:func:`opendata_graph.changes_view.changes`)."""
        from .changes_view import changes

        return self.view("changes.html", "Changes", releases=changes(self))

    def ontology(self, ontology: Store, iri: str) -> str:
        """The ontology's documentation page (:func:`opendata_graph.ontology_view.ontology`)."""
        from .ontology_view import ontology as page

        return self.view("ontology.html", "Ontology", o=page(self, ontology, iri))

    def _html_link(self, node: object) -> str:
        """A node as a link -- only for our own IRIs and http(s) ones: ``javascript:``, ``data:``... stay text."""
        if isinstance(node, NamedNode) and self.linkable(node.value):
            label = self.label(node)
            hover = "" if node.value.startswith(self.base) or label == node.value else \
                f' title="{escape(curie(node.value))}"'
            return f'<a href="{escape(self.href(node.value))}"{hover}>{escape(label)}</a>'
        if isinstance(node, NamedNode):
            return f"&lt;{escape(node.value)}&gt;"
        return escape(self.label(node))

    def query_list(self, queries: Sequence[tuple[str, str, str, str]]) -> str:
        """``queries``: (name, title, answers, text) of each query file."""
        items = []
        for name, title, answers, text in queries:
            items.append(f'<li><h2 id="{escape(name)}">{escape(title)}</h2><p>{escape(answers)}</p>'
                         f'<form method="get" action="{self.root}query">'
                         f'<input type="hidden" name="query" value="{escape(text)}">'
                         f'<button type="submit" aria-label="Run {escape(title)}">Run</button> '
                         f'<a href="{self.root}query?query={quote(text)}&amp;edit=1">edit</a></form></li>')
        return self.page("Query files", f'<h1>Query files</h1><ul class="queries">{"".join(items)}</ul>')

    def query_page(self, text: str, result_html: str, error: str = "",
                   examples: Sequence[tuple[str, str, str, str]] = (), endpoint: str | None = None) -> str:
        """The query page: the SPARQL editor (YASQE, vendored: :data:`EDITOR_FILES`) over a plain form that works
        without it, the results as a table with links, an error as one line, the query files as examples.
        ``endpoint``: a static site's live form sends the query there and shows the answer as a table."""
        action = escape(endpoint) if endpoint else f"{self.root}query"
        live = f' data-endpoint="{escape(endpoint)}" data-base="{escape(self.base)}"' if endpoint else ""
        form = (f'<form method="get" action="{action}" id="query-form"{live}><label for="q"><h1>SPARQL query</h1>'
                f'</label><textarea id="q" name="query" spellcheck="false">{escape(text)}</textarea>'
                f'<p><button type="submit">Run query</button> (Ctrl+Enter) or send it to '
                f"<code>{escape(endpoint or self.root + 'sparql')}</code> with any SPARQL 1.1 client.</p></form>")
        error_html = f'<p role="alert" id="query-error"><strong>Error:</strong> {escape(error)}</p>' if error else ""
        items = "".join(f'<li><a href="{self.root}query{self.suffix if endpoint else ""}?query={quote(q)}&amp;edit=1">'
                        f"{escape(title)}</a></li>" for _, title, _, q in examples)
        listed = f'<h2>Examples: the query files</h2><ul class="columns">{items}</ul>' if items else ""
        return self.page("SPARQL query", form + error_html + f'<div id="live-results">{result_html}</div>'
                         + listed + self.editor())

    def editor(self) -> str:
        """The SPARQL editor's files and the script that puts it over the form's text area (``static/editor.js``,
        reading the site's root and the release's own vocabulary from the JSON beside it)."""
        data = script_json({"root": self.root, "terms": self.vocabulary()})
        return render("editor.html", root=self.root, data=Markup(data))

    def vocabulary(self) -> dict[str, list[str]]:
        """The release's own classes and properties (every IRI it uses as one), for the editor's completion."""
        if self._vocabulary is None:
            classes = self.store.query(f"SELECT DISTINCT ?c WHERE {{ ?s <{RDF.type}> ?c }}")
            properties = self.store.query("SELECT DISTINCT ?p WHERE { ?s ?p ?o }")
            self._vocabulary = {
                "class": sorted(r[0].value for r in classes if isinstance(r[0], NamedNode)),  # type: ignore[union-attr]
                "property": sorted(r[0].value for r in properties),  # type: ignore[union-attr]
            }
        return self._vocabulary

    def results_table(self, variables: Sequence[str], rows: Sequence[Sequence[object]],
                      downloads: Sequence[tuple[str, str, str]] = ()) -> str:
        """Results as a table with links; ``downloads``: (name, address, file name) of the same results as files
        (CSV, SPARQL JSON) for a spreadsheet or a program."""
        head = "".join(f'<th scope="col">{escape(v)}</th>' for v in variables)
        body = "".join("<tr>" + "".join(f"<td>{'' if t is None else self._html_link(t)}</td>" for t in row) + "</tr>"
                       for row in rows)
        files = " · ".join(f'<a href="{escape(href)}" download="{escape(file)}">{escape(name)}</a>'
                           for name, href, file in downloads)
        return (f'<h2>Results <span class=count>({len(rows)} row{"s" if len(rows) != 1 else ""})</span></h2>'
                + (f'<p class="downloads">Download the results: {files}</p>' if files else "")
                + f'<table id="results"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>')
