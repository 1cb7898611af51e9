"""Query step: run SPARQL files on the built release with pyoxigraph, print tables or standard result formats.

Query files live in ``queries/NAME.rq`` with a header (``# title:``, ``# answers:``) and their expected results
in ``queries/expected/NAME.tsv`` (SPARQL 1.1 TSV results). Results are compared as multisets of rows, so a
query's row order never makes a test flaky. ``*-violation.rq`` files are data-quality checks run by the build.
"""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from pyoxigraph import (
    Literal,
    NamedNode,
    QueryBoolean,
    QueryResultsFormat,
    QuerySolutions,
    RdfFormat,
    Store,
    parse_query_results,
)

from ..core.errors import ConfigError, Location, OdgError
from ..core.formats import STEM
from ..core.namespaces import DEFAULT_BASE, PREFIXES

RESULT_FORMATS = {"csv": QueryResultsFormat.CSV, "tsv": QueryResultsFormat.TSV, "json": QueryResultsFormat.JSON,
           "xml": QueryResultsFormat.XML}
#: What ``odg query --format`` writes: a table for people, or a SPARQL 1.1 results format.
QUERY_FORMATS = ("table", *RESULT_FORMATS)


class QueryError(OdgError):
    """A query does not parse or fails to run."""


@dataclass(frozen=True)
class QueryFile:
    path: Path

    @property
    def name(self) -> str:
        return self.path.stem

    @property
    def text(self) -> str:
        return self.path.read_text(encoding="utf-8")

    @property
    def title(self) -> str:
        return self._header("title") or self.name

    @property
    def answers(self) -> str:
        return self._header("answers")

    @property
    def needs_named_graphs(self) -> bool:
        """Declared by ``# needs: named graphs``: it selects facts by their provenance graph (the quad dump), so an
        endpoint holding only the triples (a pushed graph, ``odg serve``) cannot answer it."""
        return "named graphs" in self._header("needs")

    @property
    def expected(self) -> Path:
        return self.path.parent / "expected" / f"{self.name}.tsv"

    def _header(self, key: str) -> str:
        for line in self.text.splitlines():
            if line.startswith(f"# {key}:"):
                return line.split(":", 1)[1].strip()
        return ""


def query_files(directory: Path, violations: bool = False, required: bool = True) -> list[QueryFile]:
    """The analysts' query files (or, with ``violations``, only the data-quality checks), by name.

    Fails closed: a missing directory, or one without any ``*.rq`` file, is a :class:`ConfigError` -- unless
    ``required`` is false (the server's and the site's list of example queries may be empty).
    """
    if not required and (not directory.is_dir() or not any(directory.glob("*.rq"))):
        return []
    if not directory.is_dir():
        raise ConfigError(f"queries directory {directory} not found", Location.of(directory),
                          "pass --queries DIR, or reinstall opendata-graph if its own queries are missing")
    files = sorted(p for p in directory.glob("*.rq") if p.is_file())
    if not files:
        raise ConfigError(f"no query files (*.rq) in {directory}", Location.of(directory))
    return [QueryFile(f) for f in files if f.stem.endswith("-violation") == violations]


def open_store(dist: Path) -> Store:
    """An in-memory store holding a release -- its N-Triples dump as the default graph and its N-Quads dump's
    provenance graphs, so GRAPH selects facts by their source, both verified (:mod:`releasedir`) -- or any single
    RDF file given directly."""
    if dist.is_dir():  # a release directory: its files read once verified against its SHA256SUMS
        from ..releases.releasedir import ReleaseDir

        checked = ReleaseDir(dist)
        store = _load(checked.verify(f"{STEM}.nt"))
        if checked.has(f"{STEM}.nq"):  # its default-graph part is a subset of the N-Triples: a set, no duplicates
            store.load(path=str(checked.verify(f"{STEM}.nq")), format=RdfFormat.N_QUADS)
        return store
    return _load(dist)


def _load(path: Path) -> Store:
    if not path.is_file():
        raise ConfigError("no release to query", Location.of(path), "run 'odg build' first, or pass --dist")
    compressed = path.suffix == ".gz"
    suffix = Path(path.stem).suffix if compressed else path.suffix
    fmt = RdfFormat.from_extension(suffix.lstrip("."))
    if fmt is None:
        raise ConfigError(f"not an RDF file: {path.name}", Location.of(path),
                          "give a dump: .nt, .ttl, .nq, .trig, .jsonld or .rdf, gzipped or not")
    store = Store()
    try:
        if compressed:
            import gzip

            with gzip.open(path, "rb") as f:
                store.load(input=f, format=fmt)  # type: ignore[arg-type]  # a GzipFile is a binary IO
        else:
            store.load(path=str(path), format=fmt)
    except (SyntaxError, OSError, EOFError) as exc:
        raise ConfigError(f"cannot read the dump: {exc}", Location.of(path)) from None
    return store


class RemoteStore:
    """A SPARQL 1.1 Protocol endpoint that answers like a local store (``query`` -> pyoxigraph results)."""

    def __init__(self, endpoint: str, graph: str | None = None, timeout: float = 300.0) -> None:
        import requests

        from .push import credentials

        self.endpoint, self.graph, self.timeout = endpoint, graph, timeout
        self.session = requests.Session()
        self.session.auth = credentials()

    def query(self, text: str) -> object:
        import requests

        from .push import public

        form = {"query": text, **({"default-graph-uri": self.graph} if self.graph else {})}
        accept = "application/sparql-results+json, application/n-triples;q=0.9"
        try:  # a URL-encoded form POST: the one request form every SPARQL 1.1 endpoint must accept
            resp = self.session.post(self.endpoint, data=form, timeout=self.timeout, headers={"Accept": accept})
        except requests.exceptions.RequestException as exc:
            raise QueryError(f"cannot query {public(self.endpoint)}: {type(exc).__name__}", None,
                             "is the endpoint running and reachable?") from None
        if resp.status_code == 400:
            raise SyntaxError(resp.text.strip()[:300])
        if resp.status_code >= 300:
            raise OSError(f"{resp.status_code} {resp.reason} from {public(self.endpoint)}: {resp.text.strip()[:200]}")
        media = resp.headers.get("Content-Type", "").split(";")[0].strip()
        if media == "application/n-triples":
            from pyoxigraph import parse

            return iter(list(parse(resp.content, format=RdfFormat.N_TRIPLES)))
        return parse_query_results(resp.content, format=QueryResultsFormat.JSON)


def run(store: Store | RemoteStore, text: str, source: str = "<query>") -> QuerySolutions | QueryBoolean | object:
    """Run a query after :func:`opendata_graph.stores.querycheck.check` (a query nested thousands of levels deep
    overflowed the parser's stack and killed the process; SERVICE would fetch from anywhere)."""
    from .querycheck import QueryRefused, check, syntax_error

    try:
        check(text)
    except QueryRefused as exc:
        raise QueryError(exc.message, Location(source), "simplify the query") from None
    try:
        return store.query(text)
    except SyntaxError as exc:
        # the parser's message lists every character class it expected: the one line the query page shows too
        raise QueryError(syntax_error(str(exc), text), Location(source)) from None
    except OSError as exc:
        raise QueryError(f"query failed: {exc}", Location(source)) from None


def serialize_results(result: QuerySolutions | QueryBoolean | object, fmt: str) -> str:
    """Results as a table for people, or as SPARQL 1.1 CSV/TSV/JSON/XML for programs."""
    if fmt == "table":
        return table(result)
    if isinstance(result, QuerySolutions | QueryBoolean):
        return result.serialize(format=RESULT_FORMATS[fmt]).decode("utf-8")  # type: ignore[union-attr]
    # CONSTRUCT / DESCRIBE: triples
    from pyoxigraph import serialize

    rdf = {"json": RdfFormat.JSON_LD}.get(fmt, RdfFormat.N_TRIPLES)
    return (serialize(list(result), format=rdf) or b"").decode("utf-8")  # type: ignore[call-overload]


def short(term: object, base: str | None = None) -> str:
    """A term as a person reads it: literals by value, IRIs as prefixed names where a prefix fits."""
    if term is None:
        return ""
    if isinstance(term, Literal):
        return term.value
    if isinstance(term, NamedNode):
        for prefix, ns in PREFIXES.items():
            if term.value.startswith(ns):
                return f"{prefix}:{term.value[len(ns):]}"
        if base and term.value.startswith(base):
            return term.value[len(base):]
        return term.value
    return str(term)


def table(result: object, max_width: int = 60) -> str:
    """An aligned text table (or ``true``/``false`` for ASK); long cells are cut with an ellipsis."""
    if isinstance(result, QueryBoolean):
        return "true\n" if bool(result) else "false\n"
    if not isinstance(result, QuerySolutions):
        return serialize_results(result, "tsv")
    names = [v.value for v in result.variables]
    rows = [[_cut(short(row[n], DEFAULT_BASE), max_width) for n in names] for row in result]
    widths = [max([len(n), *(len(r[i]) for r in rows)]) for i, n in enumerate(names)]
    out = io.StringIO()
    out.write("  ".join(n.ljust(w) for n, w in zip(names, widths, strict=True)).rstrip() + "\n")
    out.write("  ".join("-" * w for w in widths) + "\n")
    for r in rows:
        out.write("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() + "\n")
    out.write(f"({len(rows)} row{'s' if len(rows) != 1 else ''})\n")
    return out.getvalue()


def _cut(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def rows(result: object) -> Counter[tuple[str, ...]]:
    """A SELECT result as a multiset of rows of N-Triples terms (``""`` for unbound)."""
    if isinstance(result, QueryBoolean):
        return Counter({(str(bool(result)).lower(),): 1})
    assert isinstance(result, QuerySolutions)
    names = [v.value for v in result.variables]
    return Counter(tuple(str(row[n]) if row[n] is not None else "" for n in names) for row in result)


def expected_rows(path: Path) -> Counter[tuple[str, ...]]:
    """The multiset of rows of an expected-results TSV file."""
    parsed = parse_query_results(path.read_bytes(), format=QueryResultsFormat.TSV)
    return rows(parsed)


def diff(actual: Counter[tuple[str, ...]], expected: Counter[tuple[str, ...]]) -> Iterator[str]:
    for row in sorted((expected - actual).elements()):
        yield "- " + "\t".join(row)
    for row in sorted((actual - expected).elements()):
        yield "+ " + "\t".join(row)


def check_all(store: Store | RemoteStore, queries: Path, write_expected: bool, say: Callable[[str], None]) -> bool:
    """Run every query file of ``queries`` and compare its rows with its expected results (``--all``), saying one
    line per query; with ``write_expected``, rewrite the expected results instead. Whether every query agreed."""
    failed = 0
    for qf in query_files(queries):
        if qf.needs_named_graphs and isinstance(store, RemoteStore):
            say(f"skip {qf.name}: it needs the quad dump's named graphs; the endpoint holds the triples")
            continue
        result = run(store, qf.text, str(qf.path))
        if write_expected:
            from ..core.outputs import write_whole

            qf.expected.parent.mkdir(exist_ok=True)
            write_whole(qf.expected, serialize_results(run(store, qf.text), "tsv"))
            say(f"wrote {qf.expected}")
            continue
        actual = rows(result)
        if not qf.expected.exists():
            say(f"MISSING {qf.name}: no {qf.expected} (run: make golden)")
            failed += 1
            continue
        differences = list(diff(actual, expected_rows(qf.expected)))
        say(f"{'ok  ' if not differences else 'FAIL'} {qf.name} ({sum(actual.values())} rows)")
        for line in differences:
            say(f"     {line}")
        failed += bool(differences)
    return not failed
