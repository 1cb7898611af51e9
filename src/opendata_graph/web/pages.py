"""The HTML pages of the release: :class:`Site` puts a page kind's view model (built from the store by the
``*_view`` modules) into its Jinja2 template (``templates/``, autoescaped).

The resource page (:mod:`opendata_graph.web.resource_view`, :mod:`opendata_graph.web.summary_view`), the home page
(:mod:`opendata_graph.web.home_view`), the class indexes and the 404 page (:mod:`opendata_graph.web.index_view`), the
changes (:mod:`opendata_graph.web.changes_view`), the ontology (:mod:`opendata_graph.web.ontology_view`) and the query
pages -- the query files, the query page with its editor, a query's results (:mod:`opendata_graph.web.query_view`) --
are plain data rendered by a template (``templates/``). Every fact shown on a resource page carries the quote it was derived from
(or its external evidence) in a ``<details>``.
Used by the server (:mod:`opendata_graph.web.serve`) and the static export (:mod:`opendata_graph.web.site`), through
:mod:`opendata_graph.web.routes`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from pyoxigraph import NamedNode, Store

from ..core import namespaces
from ..core.namespaces import DCAT, DCTERMS, FOAF, RDF, RDFS
from .render import Markup, render
from .views import Context, page_of, primary_topic

if TYPE_CHECKING:
    from .query_view import QueryFile, Results

__all__ = ["DEFAULT_QUERY", "EDITOR_FILES", "Site", "citation_of", "page_of", "primary_topic", "script_json"]

#: The SPARQL editor vendored into the package (``static/``, see ``static/VENDORED.json``): YASQE, the editor of
#: YASGUI, from npm. Offline: its prefix list is bundled, and the autocompleters that ask outside services
#: (classes, properties: LOV) are left out.
EDITOR_FILES = ("yasqe.min.js", "yasqe.min.css")
#: What the query page starts with: the release's prefixes declared, and a query that answers something.
DEFAULT_QUERY = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in namespaces.PREFIXES.items()) + (
    "\nSELECT ?organisation ?name WHERE {\n  ?organisation a org:Organization ; rdfs:label ?name .\n}\n"
    "ORDER BY ?name\nLIMIT 20\n")


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
    static site's suffix) and what they say (:class:`opendata_graph.web.views.Context`)."""

    def view(self, template: str, title: str, **model: Any) -> str:
        """A whole page: the view model ``model`` in ``template`` (which extends ``templates/page.html``)."""
        return render(template, title=title, root=self.root, suffix=self.suffix, notice=self.notice, **model) + "\n"

    def resource(self, page: str) -> str:
        """The page at ``page`` (:func:`opendata_graph.web.resource_view.resource`)."""
        from .resource_view import resource

        model = resource(self, page)
        return self.view("resource.html", model.title, page=model, inside=model.inside)

    def search_index(self) -> list[dict[str, object]]:
        """Every live record: its label, other names, kind and page (``search.json``)."""
        from .index_view import search_index

        return search_index(self)

    def kinds(self) -> list[str]:
        """The IRI segments of the kinds that have an index page (:func:`opendata_graph.web.index_view.kinds`)."""
        from .index_view import kinds

        return kinds(self)

    def home(self, description: str, counts: Sequence[tuple[str, int]], title: str,
             examples: Sequence[str] = (), dataset: str | None = None) -> str:
        """The home page (:func:`opendata_graph.web.home_view.home`)."""
        from .home_view import home

        return self.view("home.html", title, home=home(self, description, counts, title, examples, dataset))

    def kind_page(self, kind: str) -> str | None:
        """The index of one kind (``/organisation``); None when the release has no record of that kind."""
        from .index_view import kind_page

        found = kind_page(self, kind)
        return None if found is None else self.view("kind.html", found.title, kind=found)

    def not_found(self, iri: str | None = None) -> str:
        """The page for an address the release does not have (:func:`opendata_graph.web.index_view.not_found`)."""
        from .index_view import not_found

        return self.view("not_found.html", "Not found", missing=not_found(self, iri))

    def changes(self) -> str:
        """``/changes``: every release's changelog, newest first (:func:`opendata_graph.web.changes_view.changes`)."""
        from .changes_view import changes

        return self.view("changes.html", "Changes", releases=changes(self))

    def ontology(self, ontology: Store, iri: str) -> str:
        """The ontology's documentation page (:func:`opendata_graph.web.ontology_view.ontology`)."""
        from .ontology_view import ontology as page

        return self.view("ontology.html", "Ontology", o=page(self, ontology, iri))

    def query_list(self, queries: Sequence[QueryFile]) -> str:
        """The query files (:func:`opendata_graph.web.query_view.query_list`), each run in the query page."""
        from .query_view import query_list

        return self.view("queries.html", "Query files", queries=query_list(self, queries, static=False))

    def query_files(self, queries: Sequence[QueryFile]) -> str:
        """The static site's list of the query files, each a link to the page of its results."""
        from .query_view import query_list

        return self.view("queries.html", "Query files", queries=query_list(self, queries, static=True))

    def query_page(self, text: str, results: Results | None = None, error: str = "",
                   examples: Sequence[QueryFile] = (), endpoint: str | None = None) -> str:
        """The query page: the SPARQL editor (YASQE, vendored: :data:`EDITOR_FILES`) over a plain form that works
        without it, the results (:meth:`results_table`), an error as one line, the query files as examples.
        ``endpoint``: a static site's live form sends the query there and shows the answer as a table."""
        from .query_view import query_page

        return self.view("query.html", "SPARQL query", q=query_page(self, text, results, error, examples, endpoint),
                         data=self.editor_data())

    def query_results(self, title: str, answers: str, text: str, results: Results) -> str:
        """A query file's results, as the static site has them (:func:`opendata_graph.web.query_view.query_results`)."""
        from .query_view import query_results

        return self.view("query_results.html", title, r=query_results(title, answers, text, results))

    def query_static(self) -> str:
        """The query page of a static site without an endpoint: where to run queries instead."""
        return self.view("query_static.html", "SPARQL query")

    def editor_data(self) -> Markup:
        """What the SPARQL editor's script (``static/editor.js``, ``templates/editor.html``) reads: the site's root
        and the release's own vocabulary, as JSON safe inside a ``<script>`` (:func:`script_json`)."""
        return Markup(script_json({"root": self.root, "terms": self.vocabulary()}))

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
                      downloads: Sequence[tuple[str, str, str]] = ()) -> Results:
        """Results as a table with links, for :meth:`query_page` (:func:`opendata_graph.web.query_view.results`);
        ``downloads``: (name, address, file name) of the same results as files (CSV, SPARQL JSON) for a
        spreadsheet or a program."""
        from .query_view import results

        return results(self, variables, rows, downloads)
