"""Deterministic writers: readable Turtle, sorted N-Triples, compact JSON-LD with its context, gzip.

Every writer is a pure function of the triples: two builds of the same data give byte-identical files whatever
``PYTHONHASHSEED`` (triples are sorted before writing; gzip carries no timestamp or file name).
"""

from __future__ import annotations

import functools
import gzip
import io
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from pyoxigraph import Literal, NamedNode, RdfFormat, Triple, serialize

from .convert import sort_key
from .namespaces import PREFIXES, RDF, XSD

#: Prefix of minted data IRIs in the JSON-LD context (compact IRIs like ``og:organisation/gbif``).
DATA_PREFIX = "og"


_LOCAL = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")


def turtle(triples: Sequence[Triple], base: str) -> bytes:
    """Readable Turtle: prefixes, ``@base`` for minted IRIs (``<organisation/gbif>``), one block per subject.

    Terms are written in their N-Triples form (pyoxigraph escapes them), compacted to a prefixed name only when
    the local part is a plain name, so the output parses in any strict Turtle parser.
    """
    ordered = sorted(triples, key=sort_key)
    prefixes = used_prefixes(ordered)
    by_ns = sorted(((ns, p) for p, ns in prefixes.items()), key=lambda x: -len(x[0]))

    @functools.lru_cache(maxsize=1 << 16)
    def iri(value: str) -> str:
        for ns, prefix in by_ns:
            if value.startswith(ns) and _LOCAL.match(value[len(ns):]):
                return f"{prefix}:{value[len(ns):]}"
        if value.startswith(base) and not value[len(base):].startswith("/"):
            return f"<{value[len(base):]}>"  # minted from checked ids and hex digests: nothing to escape
        return str(NamedNode(value))

    def term(t: Any) -> str:
        if isinstance(t, NamedNode):
            return iri(t.value)
        if isinstance(t, Literal) and not t.language and t.datatype.value != XSD.string:
            return f"{_quoted(t)}^^{iri(t.datatype.value)}"
        return str(t)

    def pred(value: str) -> str:
        return "a" if value == RDF.type else iri(value)

    out = [f"@base <{base}> ."]
    out += [f"@prefix {p}: <{ns}> ." for p, ns in prefixes.items()]
    subject = predicate = None
    for t in ordered:
        if t.subject != subject:
            if subject is not None:
                out[-1] += " ."
            out.append("")
            out.append(f"{term(t.subject)} {pred(t.predicate.value)} {term(t.object)}")
            subject, predicate = t.subject, t.predicate
        elif t.predicate != predicate:
            out[-1] += " ;"
            out.append(f"    {pred(t.predicate.value)} {term(t.object)}")
            predicate = t.predicate
        else:
            out[-1] += f" , {term(t.object)}"
    if subject is not None:
        out[-1] += " ."
    return ("\n".join(out) + "\n").encode("utf-8")


def _quoted(lit: Literal) -> str:
    """The quoted lexical form of a literal, escaped as N-Triples does."""
    return str(Literal(lit.value))


@dataclass(frozen=True)
class NTriples:
    """Canonical N-Triples: one triple per line, lines sorted by code point; as lines and as the file's bytes.

    Made once per build: the validator indexes the lines, the store and the dump take the bytes.
    """

    lines: list[str]
    data: bytes

    @classmethod
    def of(cls, triples: Iterable[Triple]) -> NTriples:
        lines = (serialize(list(triples), format=RdfFormat.N_TRIPLES) or b"").decode("utf-8").splitlines()
        lines.sort()
        return cls(lines, ("\n".join(lines) + "\n").encode("utf-8") if lines else b"")


def ntriples(triples: Iterable[Triple]) -> bytes:
    """Canonical N-Triples, one triple per line, lines sorted by code point."""
    return NTriples.of(triples).data or b"\n"


def used_prefixes(triples: Sequence[Triple]) -> dict[str, str]:
    """The prefixes of :data:`PREFIXES` that some IRI in ``triples`` uses, in declaration order."""
    iris: set[str] = set()
    for t in triples:
        iris.add(t.predicate.value)
        for term in (t.subject, t.object):
            if isinstance(term, NamedNode):
                iris.add(term.value)
            elif isinstance(term, Literal):
                iris.add(term.datatype.value)
    return {p: ns for p, ns in PREFIXES.items() if any(i.startswith(ns) for i in iris)}


def jsonld_context(base: str) -> dict[str, Any]:
    """The JSON-LD context: the prefixes, plus ``og`` for the release's own IRIs."""
    return {"@context": {DATA_PREFIX: base, **PREFIXES}}


def jsonld(triples: Sequence[Triple], base: str) -> bytes:
    """Flattened JSON-LD: one node object per subject, sorted by ``@id``, the context inlined."""
    context = jsonld_context(base)["@context"]
    namespaces = sorted(((ns, p) for p, ns in context.items()), key=lambda x: -len(x[0]))

    @functools.lru_cache(maxsize=1 << 16)
    def compact(iri: str) -> str:
        for ns, prefix in namespaces:
            if iri.startswith(ns) and len(iri) > len(ns) and not iri[len(ns):].startswith("/"):
                return f"{prefix}:{iri[len(ns):]}"
        return iri

    nodes: dict[str, dict[str, Any]] = {}
    for t in sorted(triples, key=sort_key):
        subject = str(t.subject)[1:-1]  # subjects are always minted IRIs
        node = nodes.setdefault(subject, {"@id": compact(subject)})
        if t.predicate.value == RDF.type and isinstance(t.object, NamedNode):
            node.setdefault("@type", []).append(compact(t.object.value))
            continue
        node.setdefault(compact(t.predicate.value), []).append(_value(t.object, compact))
    doc = {"@context": context, "@graph": [nodes[k] for k in sorted(nodes)]}
    return (json.dumps(doc, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def _value(term: Any, compact: Any) -> Any:
    if isinstance(term, NamedNode):
        return {"@id": compact(term.value)}
    if term.language:
        return {"@value": term.value, "@language": term.language}
    if term.datatype.value == XSD.string:
        return term.value
    return {"@value": term.value, "@type": compact(term.datatype.value)}


def gzipped(data: bytes) -> bytes:
    """gzip with no timestamp and no file name, so the bytes depend on the content only."""
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0, compresslevel=6) as f:
        f.write(data)
    return buf.getvalue()
