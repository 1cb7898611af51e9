"""The query pages as view models: the list of query files (``templates/queries.html``), the query page with its
editor, error and results (``templates/query.html``), a query file's results on the static site
(``templates/query_results.html``), and the results themselves as a table (``templates/results.html``).

Plain data, no HTML: the templates escape every value.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import quote

from .views import Context, Link

#: A query file: (name, title, what it answers, its text), as
#: :func:`opendata_graph.stores.query.query_files` reads it.
QueryFile = tuple[str, str, str, str]


@dataclass(frozen=True)
class Download:
    """The results as a file: its format's name, its address and the file name it is saved under."""

    name: str
    href: str
    file: str


@dataclass(frozen=True)
class Results:
    """A query's answer as a table: its variables, a row of links (None: unbound) per solution, the same
    results as files to download."""

    variables: tuple[str, ...]
    rows: tuple[tuple[Link | None, ...], ...]
    downloads: tuple[Download, ...]

    @property
    def count(self) -> str:
        """"(1 row)", "(7 rows)"."""
        return f"({len(self.rows)} row{'' if len(self.rows) == 1 else 's'})"


@dataclass(frozen=True)
class Listed:
    """A query file in the list: its id, title and what it answers; how to run it -- the server's query page
    (``action``, ``text``) and its editor (``edit``), or the static site's page of its results (``results``)."""

    name: str
    title: str
    answers: str
    text: str
    edit: str
    results: str


@dataclass(frozen=True)
class QueryList:
    files: tuple[Listed, ...]
    action: str  #: where a file's Run button sends its text ("": the static site links to its results instead)


@dataclass(frozen=True)
class QueryPage:
    """The query page: the form (to ``action``; ``endpoint``: a static site's live form sends the query there,
    from a page of the release ``base``), the address a SPARQL client sends to (``client``), an error, the
    results, and the query files as examples to edit."""

    text: str
    action: str
    endpoint: str
    base: str
    client: str
    error: str
    results: Results | None
    examples: tuple[Link, ...]


@dataclass(frozen=True)
class QueryResults:
    """A query file's page on the static site: its title, what it answers, its text and its results."""

    title: str
    answers: str
    text: str
    results: Results


def results(ctx: Context, variables: Sequence[str], rows: Sequence[Sequence[object]],
            downloads: Sequence[tuple[str, str, str]] = ()) -> Results:
    """Results with a link per term (:meth:`Context.link`: only our own and http(s) IRIs link); ``downloads``:
    (name, address, file name) of the same results as files."""
    return Results(tuple(variables), tuple(tuple(None if t is None else ctx.link(t) for t in row) for row in rows),
                   tuple(Download(*d) for d in downloads))


def query_list(ctx: Context, queries: Sequence[QueryFile], static: bool) -> QueryList:
    """The query files: run on the server's query page, or (``static``) each a link to its results' page."""
    files = tuple(Listed(name, title, answers, text,
                         edit="" if static else f"{ctx.root}query?query={quote(text)}&edit=1",
                         results=f"{ctx.root}queries/{name}.html" if static else "")
                  for name, title, answers, text in queries)
    return QueryList(files, "" if static else f"{ctx.root}query")


def query_page(ctx: Context, text: str, found: Results | None, error: str, queries: Sequence[QueryFile],
               endpoint: str | None) -> QueryPage:
    """The query page with ``text`` in its editor, ``found`` or ``error`` under it, ``queries`` to edit."""
    edit = f"{ctx.root}query{ctx.suffix if endpoint else ''}"
    examples = tuple(Link(title, f"{edit}?query={quote(q)}&edit=1") for _, title, _, q in queries)
    return QueryPage(text, endpoint or f"{ctx.root}query", endpoint or "", ctx.base,
                     endpoint or f"{ctx.root}sparql", error, found, examples)


def query_results(title: str, answers: str, text: str, found: Results) -> QueryResults:
    """A query file's results page (the static site's)."""
    return QueryResults(title, answers, text, found)
