"""Deterministic writers: readable Turtle, sorted N-Triples, compact JSON-LD with its context, gzip.

Every writer is a pure function of the rows (:mod:`opendata_graph.core.terms`): two builds of the same data give
byte-identical files whatever ``PYTHONHASHSEED`` (rows are sorted before writing; gzip carries no timestamp or
file name). They work on the terms' N-Triples spelling, so no term is parsed or re-escaped on the way out.

Rows sorted as plain tuples are already in N-Triples line order (every IRI ends with ``>``, which no IRI
contains, so comparing rows compares lines). The dumps are written subject by subject in that order, and
:class:`Renderer` renders any run of whole subjects into the three formats at once: :mod:`opendata_graph.stages.publish`
cuts the dumps into blocks of subjects that a rebuild can re-render one by one.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import groupby
from operator import itemgetter
from typing import Any

from . import mint
from .namespaces import ODG, PREFIXES, PROV, RDFS, SKOS, TEXT_LANGUAGE, XSD
from .terms import RDF_TYPE, Row, Term, is_iri, literal_parts

#: Prefix of minted data IRIs in the JSON-LD context (compact IRIs like ``og:organisation/gbif``).
DATA_PREFIX = "og"
#: Predicates written first in a subject's Turtle block and JSON-LD node, in this order (which is also their
#: code-point order, so a sorted block needs no second sort).
LEADING = (RDF_TYPE, f"<{RDFS.label}>", f"<{SKOS.prefLabel}>")

#: A JSON-LD context's term definitions (``{"memberOf": {"@id": "http://www.w3.org/ns/org#memberOf", "@type":
#: "@id"}}``): the dumps' are :func:`opendata_graph.core.jsonld.dump_terms` of the ontology.
Terms = Mapping[str, Mapping[str, str]]
NO_TERMS: Terms = {}

#: Entries per term memo of a renderer before it starts again (bounds its memory on a million-triple release).
MEMO_SIZE = 1 << 16
_LOCAL = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
_SUBJECT = itemgetter(0)


@dataclass
class Rendered:
    """A run of whole subjects in the three formats, with what the release description counts."""

    subjects: list[Term]
    nt: bytes
    ttl: bytes
    jsonld: bytes  #: the node objects, one per line, joined by ``,\\n`` (no separator before or after)
    nq: bytes  #: N-Quads: each fact in the graphs of its sources, the rest in the default graph
    trig: bytes  #: the same quads as TriG, one ``{ }`` or ``<graph> { }`` block per graph and block of subjects
    triples: int
    classes: Counter[str]
    predicates: set[str]
    prefixes: set[str]  #: Turtle prefixes the block uses


#: What a fact's sources are (the excerpts and evidence it derives from), for the quad dumps.
Sources = Callable[[Row], Sequence[Term]]


def statement_iri(base: str, row: Row) -> Term:
    """The IRI of the rdf:Statement that reifies a fact (the converter mints it from the triple alone)."""
    s, p, o = row
    return f"<{mint.statement(base, hashlib.sha256(f'{s} {p} {o}'.encode()).hexdigest()[:20])}>"


def graph_of(source: Term) -> Term:
    """The named graph holding the facts derived from ``source`` (an excerpt or an evidence entry)."""
    return f"<{mint.graph_of(source[1:-1])}>"


def _memoised(memo: dict[Term, Any], key: Term, compute: Callable[[Term], Any]) -> Any:
    """``compute(key)``, remembered in ``memo`` (emptied when it reaches :data:`MEMO_SIZE` entries)."""
    found = memo.get(key)
    if found is None:
        if len(memo) >= MEMO_SIZE:
            memo.clear()
        found = memo[key] = compute(key)
    return found


class Renderer:
    """Renders sorted rows of whole subjects; term spellings are memoised across blocks.

    ``sources``: each fact's excerpts and evidence, for the quad dumps (none: every triple in the default graph).
    ``terms``: the JSON-LD context's term definitions; a predicate with a term is keyed by it, and a link under a
    term typed ``@id`` is its compact IRI alone.
    """

    def __init__(self, base: str, sources: Sources | None = None, terms: Terms = NO_TERMS) -> None:
        self.base = base
        self.sources = sources
        self._statement = f"<{mint.statements(base)}"
        self._source_types = {f"<{ODG.Excerpt}>", f"<{ODG.ExternalEvidence}>"}
        self._source_graph = f"<{ODG.SourceGraph}>"
        self.context: dict[str, Any] = jsonld_context(base, terms)["@context"]
        self._turtle_ns = {ns: p for p, ns in PREFIXES.items()}
        self._jsonld_ns = {ns: p for p, ns in self.context.items() if isinstance(ns, str) and not p.startswith("@")}
        self._terms = {d["@id"]: (name, d.get("@type") == "@id") for name, d in terms.items()}
        if not all(ns.endswith(("/", "#")) for ns in self._jsonld_ns):
            raise ValueError("namespaces must end with '/' or '#'")
        by_length = sorted(self._turtle_ns.items(), key=lambda x: -len(x[0]))
        self._turtle_under_base = [(ns, p) for ns, p in by_length if ns.startswith(base)]
        self._jsonld_under_base = [(ns, p) for ns, p in sorted(self._jsonld_ns.items(), key=lambda x: -len(x[0]))
                                   if ns.startswith(base)]
        # Minted IRIs outside every vocabulary under the base: written relative to it (one check, in C)
        self._turtle_nested = tuple(ns for ns, _ in self._turtle_under_base if ns != base)
        self._jsonld_nested = tuple(ns for ns, _ in self._jsonld_under_base if ns != base)
        self._og = self._jsonld_ns.get(base)
        self._types: dict[Term, str] = {}
        self._prefix_of: dict[Term, str] = {}  # terms whose Turtle spelling uses a prefix -> that prefix
        self._predicates: dict[Term, tuple[str, str, bool]] = {}
        # Memos as plain dicts (functools.lru_cache on a method would keep every renderer alive, and with it
        # whatever its ``sources`` reads: the cache's on-disk store, locked until the process ends)
        self._turtle_memo: dict[Term, str] = {}
        self._jsonld_memo: dict[Term, Any] = {}
        self._link_memo: dict[Term, Any] = {}
        self._encode = json.JSONEncoder(ensure_ascii=False, separators=(", ", ": ")).encode

    @staticmethod
    def _namespaces(value: str) -> Iterator[tuple[str, str]]:
        """(namespace candidate, local part) of an IRI, longest namespace first."""
        end = len(value)
        while True:
            i = max(value.rfind("/", 0, end), value.rfind("#", 0, end))
            if i < 0:
                return
            yield value[:i + 1], value[i + 1:]
            end = i

    def _turtle_iri(self, value: str) -> tuple[str, str]:
        """The Turtle spelling of an IRI and the prefix it uses ("" for none)."""
        base = self.base
        if value.startswith(base):  # minted: only the vocabularies under the base can claim it
            if not value.startswith(self._turtle_nested) and base not in self._turtle_ns:
                if not value.startswith("/", len(base)):
                    return f"<{value[len(base):]}>", ""
                return f"<{value}>", ""
            for ns, prefix in self._turtle_under_base:
                if value.startswith(ns) and _LOCAL.match(value[len(ns):]):
                    return f"{prefix}:{value[len(ns):]}", prefix
            if not value.startswith("/", len(base)):
                return f"<{value[len(base):]}>", ""  # minted from checked ids and hex digests: nothing to escape
            return f"<{value}>", ""
        for ns, local in self._namespaces(value):
            found = self._turtle_ns.get(ns)
            if found is not None and _LOCAL.match(local):
                return f"{found}:{local}", found
        return f"<{value}>", ""

    def turtle_term(self, t: Term) -> str:
        text: str = _memoised(self._turtle_memo, t, self._turtle_term)
        return text

    def _turtle_term(self, t: Term) -> str:
        if is_iri(t):
            text, prefix = self._turtle_iri(t[1:-1])
        else:
            end = t.rfind('"')
            if not t.startswith("^^<", end + 1):
                return t
            name, prefix = self._turtle_iri(t[end + 4:-1])
            text = f"{t[:end + 1]}^^{name}"
        if prefix:
            self._prefix_of[t] = prefix
        return text

    def compact(self, value: str) -> str:
        """A JSON-LD compact IRI (``prefix:local``) of the longest namespace that leaves a local part."""
        if value.startswith(self.base):
            og = self._og
            if og is not None and not value.startswith(self._jsonld_nested) and len(value) > len(self.base) \
                    and not value.startswith("/", len(self.base)):
                return f"{og}:{value[len(self.base):]}"
            for ns, prefix in self._jsonld_under_base:
                if value.startswith(ns) and len(value) > len(ns) and not value.startswith("/", len(ns)):
                    return f"{prefix}:{value[len(ns):]}"
        for ns, local in self._namespaces(value):
            prefix = self._jsonld_ns.get(ns)
            if prefix is not None and local and not local.startswith("/"):
                return f"{prefix}:{local}"
        return value

    def jsonld_value(self, term: Term) -> Any:
        return _memoised(self._jsonld_memo, term, self._jsonld_value)

    def _jsonld_value(self, term: Term) -> Any:
        """A value under a key without type coercion (the context's default language is ``TEXT_LANGUAGE``)."""
        if is_iri(term):
            return {"@id": self.compact(term[1:-1])}
        lexical, language, datatype = literal_parts(term)
        if language:
            return lexical if language == TEXT_LANGUAGE else {"@value": lexical, "@language": language}
        if datatype == XSD.string:
            return {"@value": lexical}
        return {"@value": lexical, "@type": self.compact(datatype)}

    def link_value(self, term: Term) -> Any:
        """A value under a term typed ``@id``: a link is its compact IRI alone."""
        return _memoised(self._link_memo, term, self._link_value)

    def _link_value(self, term: Term) -> Any:
        return self.compact(term[1:-1]) if is_iri(term) else self.jsonld_value(term)

    def _predicate(self, p: Term) -> tuple[str, str, bool]:
        """A predicate's Turtle spelling, JSON-LD key, and whether its links are written as plain strings."""
        found = self._predicates.get(p)
        if found is None:
            name, links = self._terms.get(p[1:-1]) or (self.compact(p[1:-1]), False)
            found = ("a" if p == RDF_TYPE else self.turtle_term(p), name, links)
            self._predicates[p] = found
        return found

    def render(self, rows: Sequence[Row], quads: bool = True) -> Rendered:
        """Rows sorted as tuples, whole subjects only; without ``quads``, no N-Quads or TriG (a resource's
        description, which is served and exported in the triple formats only)."""
        term, value, predicate_of, compact = self.turtle_term, self.jsonld_value, self._predicate, self.compact
        link_value = self.link_value
        encode, types = self._encode, self._types
        subjects: list[Term] = []
        ttl: list[str] = []
        nodes: list[str] = []
        used: set[str] = set()
        for s, group in groupby(rows, _SUBJECT):
            subjects.append(s)
            triples = list(group)
            ordered = [r for r in triples if r[1] in LEADING]
            if ordered:
                ordered += [r for r in triples if r[1] not in LEADING]
            else:
                ordered = triples
            iri = s[1:-1]
            name, prefix = self._turtle_iri(iri)
            if prefix:
                used.add(prefix)
            buf = [name]
            node: dict[str, Any] = {"@id": compact(iri)}
            predicate = None
            values: list[Any] = []
            key = ""
            convert = value
            for _, p, o in ordered:
                if p != predicate:
                    text, key, links = predicate_of(p)
                    buf.append(f" {text} {term(o)}" if predicate is None else f" ;\n    {text} {term(o)}")
                    predicate = p
                    if p != RDF_TYPE:
                        values = node.setdefault(key, [])
                        convert = link_value if links else value
                else:
                    buf.append(f" , {term(o)}")
                if p == RDF_TYPE:
                    if o[0] == "<":
                        cls = types.get(o)
                        if cls is None:
                            cls = types[o] = compact(o[1:-1])
                        node.setdefault("@type", []).append(cls)
                    else:
                        node.setdefault(key, []).append(value(o))
                else:
                    values.append(convert(o))
            buf.append(" .")
            ttl.append("\n\n" + "".join(buf))
            nodes.append(encode(node))
        predicates = {p for _, p, _ in rows}
        objects = {o for _, _, o in rows}
        prefix_of = self._prefix_of
        nq, trig = self.quads(rows) if quads else (b"", b"")
        return Rendered(
            subjects=subjects,
            nt="".join([f"{s} {p} {o} .\n" for s, p, o in rows]).encode("utf-8"),
            ttl="".join(ttl).encode("utf-8"),
            jsonld=",\n".join(nodes).encode("utf-8"),
            nq=nq,
            trig=trig,
            triples=len(rows),
            classes=Counter(o[1:-1] for _, p, o in rows if p == RDF_TYPE),
            predicates={p[1:-1] for p in predicates},
            prefixes=used | {prefix_of[t] for t in predicates | objects if t in prefix_of},
        )


    def quads(self, rows: Sequence[Row]) -> tuple[bytes, bytes]:
        """The block as N-Quads and TriG: a fact goes into the graph of each of its sources, every other triple
        (statements, sources, documents, concept schemes) into the default graph, which is thus the triple dumps
        exactly; each source's graph describes itself (``<graph> a odg:SourceGraph ; prov:wasDerivedFrom
        <source>``, inside it), in the block of the source."""
        by_graph: dict[Term, list[Row]] = {}
        sources, statement, source_types = self.sources, self._statement, self._source_types
        derived = f"<{PROV.wasDerivedFrom}>"
        for row in rows:
            s = row[0]
            found = sources(row) if sources is not None and not s.startswith(statement) else ()
            for g in (graph_of(x) for x in found) if found else ("",):
                by_graph.setdefault(g, []).append(row)
            if row[1] == RDF_TYPE and row[2] in source_types:  # the graph describes itself, inside itself
                g = graph_of(s)
                by_graph.setdefault(g, []).extend(((g, RDF_TYPE, self._source_graph), (g, derived, s)))
        nq: list[str] = []
        trig: list[str] = []
        for g in sorted(by_graph):
            block = by_graph[g]
            nq += [f"{s} {p} {o} {g} .\n" if g else f"{s} {p} {o} .\n" for s, p, o in block]
            trig.append(f"{g + ' ' if g else ''}{{\n" + "".join(f"  {s} {p} {o} .\n" for s, p, o in block) + "}\n")
        return "".join(nq).encode("utf-8"), "".join(trig).encode("utf-8")


def turtle_head(base: str, prefixes: Iterable[str]) -> bytes:
    """``@base`` and the ``@prefix`` lines of the prefixes used (in :data:`PREFIXES` order); no final newline."""
    used = set(prefixes)
    head = [f"@base <{base}> ."] + [f"@prefix {p}: <{ns}> ." for p, ns in PREFIXES.items() if p in used]
    return "\n".join(head).encode("utf-8")


#: The last JSON-LD heads written, by base and the identity of their terms (kept, so the identity stays theirs):
#: every resource of a site or a server shares one context, which is worth encoding once.
_HEADS: dict[tuple[str, int], tuple[Terms, bytes]] = {}


def jsonld_head(base: str, terms: Terms = NO_TERMS) -> bytes:
    found = _HEADS.get((base, id(terms)))
    if found is not None and found[0] is terms:
        return found[1]
    head = ('{"@context": ' + json.dumps(jsonld_context(base, terms)["@context"], ensure_ascii=False, indent=1)
            + ',\n"@graph": [').encode("utf-8")
    if len(_HEADS) >= 8:
        _HEADS.clear()
    _HEADS[(base, id(terms))] = (terms, head)
    return head



def ntriples(triples: Iterable[Row], ordered: bool = False) -> bytes:
    """Canonical N-Triples, one triple per line, lines sorted by code point (``ordered``: the rows are sorted as
    tuples already, which is the same order)."""
    lines = [f"{s} {p} {o} .\n" for s, p, o in triples]
    if not ordered:
        lines.sort()
    return "".join(lines).encode("utf-8") or b"\n"


def jsonld_context(base: str, terms: Terms = NO_TERMS) -> dict[str, Any]:
    """The JSON-LD context: the prefixes, plus ``og`` for the release's own IRIs, English as the default language,
    and ``terms``. A term named like a prefix (``role``: org:role) replaces it, so the IRIs it would have
    compacted are written under ``og`` (JSON-LD 1.1 does not expand ``role:x`` through a term definition)."""
    return {"@context": {DATA_PREFIX: base, **PREFIXES, "@language": TEXT_LANGUAGE, **terms}}



def gzipped(data: bytes) -> bytes:
    """gzip with no timestamp and no file name, so the bytes depend on the content only."""
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0, compresslevel=6) as f:
        f.write(data)
    return buf.getvalue()
