"""Deterministic writers: readable Turtle, sorted N-Triples, compact JSON-LD with its context, gzip.

Every writer is a pure function of the rows (:mod:`opendata_graph.terms`): two builds of the same data give
byte-identical files whatever ``PYTHONHASHSEED`` (rows are sorted before writing; gzip carries no timestamp or
file name). They work on the terms' N-Triples spelling, so no term is parsed or re-escaped on the way out.

Rows sorted as plain tuples are already in N-Triples line order (every IRI ends with ``>``, which no IRI
contains, so comparing rows compares lines). The dumps are written subject by subject in that order, and
:class:`Renderer` renders any run of whole subjects into the three formats at once: :mod:`opendata_graph.publish`
cuts the dumps into blocks of subjects that a rebuild can re-render one by one.
"""

from __future__ import annotations

import functools
import gzip
import io
import json
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import groupby
from operator import itemgetter
from typing import Any

from .namespaces import PREFIXES, RDF, RDFS, SKOS, XSD
from .terms import Row, Term, is_iri, literal_parts

#: Prefix of minted data IRIs in the JSON-LD context (compact IRIs like ``og:organisation/gbif``).
DATA_PREFIX = "og"
TYPE = f"<{RDF.type}>"
#: Predicates written first in a subject's Turtle block and JSON-LD node, in this order (which is also their
#: code-point order, so a sorted block needs no second sort).
LEADING = (TYPE, f"<{RDFS.label}>", f"<{SKOS.prefLabel}>")

_LOCAL = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
_SUBJECT = itemgetter(0)


@dataclass
class Rendered:
    """A run of whole subjects in the three formats, with what the release description counts."""

    subjects: list[Term]
    nt: bytes
    ttl: bytes
    jsonld: bytes  #: the node objects, one per line, joined by ``,\\n`` (no separator before or after)
    triples: int
    classes: Counter[str]
    predicates: set[str]
    prefixes: set[str]  #: Turtle prefixes the block uses


class Renderer:
    """Renders sorted rows of whole subjects; term spellings are memoised across blocks."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.context: dict[str, str] = jsonld_context(base)["@context"]
        self._turtle_ns = {ns: p for p, ns in PREFIXES.items()}
        self._jsonld_ns = {ns: p for p, ns in self.context.items()}
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
        self._predicates: dict[Term, tuple[str, str]] = {}
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

    @functools.lru_cache(maxsize=1 << 16)  # noqa: B019 - one renderer per build, freed with it
    def turtle_term(self, t: Term) -> str:
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

    @functools.lru_cache(maxsize=1 << 16)  # noqa: B019
    def jsonld_value(self, term: Term) -> Any:
        if is_iri(term):
            return {"@id": self.compact(term[1:-1])}
        lexical, language, datatype = literal_parts(term)
        if language:
            return {"@value": lexical, "@language": language}
        if datatype == XSD.string:
            return lexical
        return {"@value": lexical, "@type": self.compact(datatype)}

    def _predicate(self, p: Term) -> tuple[str, str]:
        """A predicate's Turtle spelling and JSON-LD key."""
        found = self._predicates.get(p)
        if found is None:
            found = ("a" if p == TYPE else self.turtle_term(p), self.compact(p[1:-1]))
            self._predicates[p] = found
        return found

    def render(self, rows: Sequence[Row]) -> Rendered:
        """Rows sorted as tuples, whole subjects only."""
        term, value, predicate_of, compact = self.turtle_term, self.jsonld_value, self._predicate, self.compact
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
            for _, p, o in ordered:
                if p != predicate:
                    text, key = predicate_of(p)
                    buf.append(f" {text} {term(o)}" if predicate is None else f" ;\n    {text} {term(o)}")
                    predicate = p
                    if p != TYPE:
                        values = node.setdefault(key, [])
                else:
                    buf.append(f" , {term(o)}")
                if p == TYPE:
                    if o[0] == "<":
                        cls = types.get(o)
                        if cls is None:
                            cls = types[o] = compact(o[1:-1])
                        node.setdefault("@type", []).append(cls)
                    else:
                        node.setdefault(key, []).append(value(o))
                else:
                    values.append(value(o))
            buf.append(" .")
            ttl.append("\n\n" + "".join(buf))
            nodes.append(encode(node))
        predicates = {p for _, p, _ in rows}
        objects = {o for _, _, o in rows}
        prefix_of = self._prefix_of
        return Rendered(
            subjects=subjects,
            nt="".join([f"{s} {p} {o} .\n" for s, p, o in rows]).encode("utf-8"),
            ttl="".join(ttl).encode("utf-8"),
            jsonld=",\n".join(nodes).encode("utf-8"),
            triples=len(rows),
            classes=Counter(o[1:-1] for _, p, o in rows if p == TYPE),
            predicates={p[1:-1] for p in predicates},
            prefixes=used | {prefix_of[t] for t in predicates | objects if t in prefix_of},
        )


def turtle_head(base: str, prefixes: Iterable[str]) -> bytes:
    """``@base`` and the ``@prefix`` lines of the prefixes used (in :data:`PREFIXES` order); no final newline."""
    used = set(prefixes)
    head = [f"@base <{base}> ."] + [f"@prefix {p}: <{ns}> ." for p, ns in PREFIXES.items() if p in used]
    return "\n".join(head).encode("utf-8")


def jsonld_head(base: str) -> bytes:
    return ('{"@context": ' + json.dumps(jsonld_context(base)["@context"], ensure_ascii=False, indent=1)
            + ',\n"@graph": [').encode("utf-8")


def turtle(triples: Iterable[Row], base: str) -> bytes:
    """Readable Turtle: prefixes, ``@base`` for minted IRIs (``<organisation/gbif>``), one block per subject.

    Terms are written in their N-Triples form, compacted to a prefixed name only when the local part is a plain
    name, so the output parses in any strict Turtle parser. Only the prefixes used are declared.
    """
    block = Renderer(base).render(sorted(set(triples)))
    return turtle_head(base, block.prefixes) + block.ttl + b"\n"


def ntriples(triples: Iterable[Row], ordered: bool = False) -> bytes:
    """Canonical N-Triples, one triple per line, lines sorted by code point (``ordered``: the rows are sorted as
    tuples already, which is the same order)."""
    lines = [f"{s} {p} {o} .\n" for s, p, o in triples]
    if not ordered:
        lines.sort()
    return "".join(lines).encode("utf-8") or b"\n"


def jsonld_context(base: str) -> dict[str, Any]:
    """The JSON-LD context: the prefixes, plus ``og`` for the release's own IRIs."""
    return {"@context": {DATA_PREFIX: base, **PREFIXES}}


def jsonld(triples: Iterable[Row], base: str) -> bytes:
    """Flattened JSON-LD: one node object per subject and per line, in the order of the other dumps."""
    block = Renderer(base).render(sorted(set(triples)))
    return jsonld_head(base) + (b"\n" + block.jsonld + b"\n" if block.jsonld else b"") + b"]}\n"


def gzipped(data: bytes) -> bytes:
    """gzip with no timestamp and no file name, so the bytes depend on the content only."""
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0, compresslevel=6) as f:
        f.write(data)
    return buf.getvalue()
