"""Query evaluation, content negotiation and the SPARQL result formats.

:class:`Engine` evaluates with a result cap (results are capped while they are iterated, so an unbounded query
never builds an unbounded response); the endpoint calls it inside its worker processes (:mod:`.workers`), which
are killed at the deadline. Queries are checked first by :mod:`.querycheck`.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from pyoxigraph import (
    BlankNode,
    Literal,
    NamedNode,
    QueryBoolean,
    QuerySolutions,
    RdfFormat,
    Store,
    Triple,
    serialize,
)

from ..core.namespaces import SPARQL_RESULTS, XSD
from .querycheck import QueryRefused, check, syntax_error

RESULT_TYPES = {
    "application/sparql-results+json": "json",
    "application/json": "json",
    "application/sparql-results+xml": "xml",
    "application/xml": "xml",
    "text/csv": "csv",
    "text/tab-separated-values": "tsv",
}
GRAPH_TYPES = {
    "text/turtle": RdfFormat.TURTLE,
    "application/n-triples": RdfFormat.N_TRIPLES,
    "application/ld+json": RdfFormat.JSON_LD,
    "application/rdf+xml": RdfFormat.RDF_XML,
}


def negotiate(accept: str | None, offered: Sequence[str]) -> str | None:
    """The offered media type the ``Accept`` header prefers (q-values, ``type/*``, ``*/*``); None if none fits."""
    if not accept:
        return offered[0]
    best: tuple[float, int, str] | None = None
    for position, part in enumerate(accept.split(",")):
        fields = [f.strip() for f in part.split(";")]
        media, q = fields[0].lower(), 1.0
        for param in fields[1:]:
            if param.startswith("q="):
                try:
                    q = float(param[2:])
                except ValueError:
                    q = 0.0
        if q <= 0:
            continue
        for index, candidate in enumerate(offered):
            major = candidate.split("/")[0]
            if media in (candidate, f"{major}/*", "*/*"):
                specificity = 2 if media == candidate else (1 if media != "*/*" else 0)
                key = (q, specificity * 1000 - index - position, candidate)
                if best is None or key[:2] > best[:2]:
                    best = key
    return best[2] if best else None


def choose(answer: Answer, accept: str | None) -> str:
    """The media type to render ``answer`` in for a client's ``Accept`` (the first offered if nothing fits)."""
    offered = list(GRAPH_TYPES) if answer.kind == "graph" else list(RESULT_TYPES)
    return negotiate(accept, offered) or offered[0]


@dataclass
class Answer:
    """A finished query: its kind (``boolean``, ``solutions``, ``graph``) and its capped content."""

    kind: str
    boolean: bool = False
    variables: Sequence[str] = ()
    rows: Sequence[Sequence[object]] = ()
    triples: Sequence[Triple] = ()


class Engine:
    """Evaluates read-only queries on a store with a result cap. It cannot stop a query: the endpoint calls it in
    worker processes that are killed at the deadline (:mod:`.workers`); in this process it runs trusted query files
    (the static site's)."""

    def __init__(self, store: Store, max_results: int = 100_000) -> None:
        self.store = store
        self.max_results = max_results

    def run(self, query: str, default_graphs: Sequence[str] = (), named_graphs: Sequence[str] = (),
            base_iri: str | None = None) -> Answer:
        """Check and evaluate ``query``; relative IRIs in it resolve against ``base_iri``."""
        check(query)
        return self.evaluate(query, list(default_graphs), list(named_graphs), base_iri)

    def evaluate(self, query: str, default_graphs: list[str], named_graphs: list[str],
                 base_iri: str | None) -> Answer:
        """Evaluate ``query`` here and now (already checked), with the result cap."""
        kwargs: dict[str, object] = {"base_iri": base_iri}
        if default_graphs:
            kwargs["default_graph"] = [NamedNode(g) for g in default_graphs]
        if named_graphs:
            kwargs["named_graphs"] = [NamedNode(g) for g in named_graphs]
        try:
            result = self.store.query(query, **kwargs)  # type: ignore[arg-type]
        except SyntaxError as exc:
            raise QueryRefused(syntax_error(str(exc), query), 400) from None
        if isinstance(result, QueryBoolean):
            return Answer("boolean", boolean=bool(result))
        if isinstance(result, QuerySolutions):
            variables = [v.value for v in result.variables]
            rows: list[list[object]] = []
            for solution in result:
                if len(rows) == self.max_results:
                    raise QueryRefused(f"more than {self.max_results:,} results; add a LIMIT", 413)
                rows.append([solution[v] for v in variables])
            return Answer("solutions", variables=variables, rows=rows)
        triples: list[Triple] = []
        for triple in result:
            if len(triples) == self.max_results:
                raise QueryRefused(f"more than {self.max_results:,} triples; add a LIMIT", 413)
            triples.append(triple)
        return Answer("graph", triples=triples)


def render(answer: Answer, media: str) -> bytes:
    """An answer as ``media``: a SPARQL 1.1 results type, or an RDF type for CONSTRUCT/DESCRIBE graphs."""
    if answer.kind == "graph":
        return serialize(list(answer.triples), format=GRAPH_TYPES[media]) or b""
    return {"json": _json, "xml": _xml, "csv": _csv, "tsv": _tsv}[RESULT_TYPES[media]](answer)


def _term_json(term: object) -> dict[str, str]:
    if isinstance(term, NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, BlankNode):
        return {"type": "bnode", "value": term.value}
    assert isinstance(term, Literal)
    out = {"type": "literal", "value": term.value}
    if term.language:
        out["xml:lang"] = term.language
    elif term.datatype.value != XSD.string:
        out["datatype"] = term.datatype.value
    return out


def _json(a: Answer) -> bytes:
    if a.kind == "boolean":
        doc: dict[str, object] = {"head": {}, "boolean": a.boolean}
    else:
        doc = {"head": {"vars": list(a.variables)}, "results": {"bindings": [
            {v: _term_json(t) for v, t in zip(a.variables, row, strict=True) if t is not None} for row in a.rows]}}
    return json.dumps(doc, ensure_ascii=False).encode("utf-8")


def _xml(a: Answer) -> bytes:
    out = [f'<?xml version="1.0"?>\n<sparql xmlns="{SPARQL_RESULTS}">']
    if a.kind == "boolean":
        out.append(f"<head/><boolean>{'true' if a.boolean else 'false'}</boolean></sparql>")
        return "".join(out).encode("utf-8")
    out.append("<head>" + "".join(f"<variable name={quoteattr(v)}/>" for v in a.variables) + "</head><results>")
    for row in a.rows:
        out.append("<result>")
        for v, t in zip(a.variables, row, strict=True):
            if t is None:
                continue
            if isinstance(t, NamedNode):
                value = f"<uri>{escape(t.value)}</uri>"
            elif isinstance(t, BlankNode):
                value = f"<bnode>{escape(t.value)}</bnode>"
            else:
                assert isinstance(t, Literal)
                attr = (f" xml:lang={quoteattr(t.language)}" if t.language else
                        "" if t.datatype.value.endswith("#string") else f" datatype={quoteattr(t.datatype.value)}")
                value = f"<literal{attr}>{escape(t.value)}</literal>"
            out.append(f"<binding name={quoteattr(v)}>{value}</binding>")
        out.append("</result>")
    out.append("</results></sparql>")
    return "".join(out).encode("utf-8")


def _csv(a: Answer) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    if a.kind == "boolean":
        writer.writerow(["boolean"])
        writer.writerow(["true" if a.boolean else "false"])
    else:
        writer.writerow(a.variables)
        for row in a.rows:
            writer.writerow(["" if t is None else t.value for t in row])  # type: ignore[attr-defined]
    return buf.getvalue().encode("utf-8")


def _tsv(a: Answer) -> bytes:
    if a.kind == "boolean":
        return b"?boolean\n" + (b"true\n" if a.boolean else b"false\n")
    lines = ["\t".join("?" + v for v in a.variables)]
    lines += ["\t".join("" if t is None else str(t) for t in row) for row in a.rows]
    return ("\n".join(lines) + "\n").encode("utf-8")

