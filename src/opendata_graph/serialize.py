"""Deterministic writers: readable Turtle, sorted N-Triples, compact JSON-LD with its context, gzip.

Every writer is a pure function of the rows (:mod:`opendata_graph.terms`): two builds of the same data give
byte-identical files whatever ``PYTHONHASHSEED`` (rows are sorted before writing; gzip carries no timestamp or
file name). They work on the terms' N-Triples spelling, so no term is parsed or re-escaped on the way out.
"""

from __future__ import annotations

import functools
import gzip
import io
import json
import re
from collections.abc import Iterable, Sequence
from typing import Any

from .convert import sort_key
from .namespaces import PREFIXES, RDF, XSD
from .terms import Row, Term, is_iri, literal_parts

#: Prefix of minted data IRIs in the JSON-LD context (compact IRIs like ``og:organisation/gbif``).
DATA_PREFIX = "og"
TYPE = f"<{RDF.type}>"

_LOCAL = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")


def turtle(triples: Sequence[Row], base: str) -> bytes:
    """Readable Turtle: prefixes, ``@base`` for minted IRIs (``<organisation/gbif>``), one block per subject.

    Terms are written in their N-Triples form, compacted to a prefixed name only when the local part is a plain
    name, so the output parses in any strict Turtle parser. Only the prefixes used are declared.
    """
    ordered = sorted(triples, key=sort_key)
    by_ns = sorted(((ns, p) for p, ns in PREFIXES.items()), key=lambda x: -len(x[0]))
    used: set[str] = set()

    @functools.lru_cache(maxsize=1 << 16)
    def iri(value: str) -> str:
        for ns, prefix in by_ns:
            if value.startswith(ns) and _LOCAL.match(value[len(ns):]):
                used.add(prefix)
                return f"{prefix}:{value[len(ns):]}"
        if value.startswith(base) and not value[len(base):].startswith("/"):
            return f"<{value[len(base):]}>"  # minted from checked ids and hex digests: nothing to escape
        return f"<{value}>"

    @functools.lru_cache(maxsize=1 << 16)
    def term(t: Term) -> str:
        if is_iri(t):
            return iri(t[1:-1])
        end = t.rfind('"')
        if t.startswith("^^<", end + 1):
            return f"{t[:end + 1]}^^{iri(t[end + 4:-1])}"
        return t

    def pred(p: Term) -> str:
        return "a" if p == TYPE else iri(p[1:-1])

    out = []
    subject = predicate = None
    for s, p, o in ordered:
        if s != subject:
            if subject is not None:
                out[-1] += " ."
            out.append("")
            out.append(f"{term(s)} {pred(p)} {term(o)}")
            subject, predicate = s, p
        elif p != predicate:
            out[-1] += " ;"
            out.append(f"    {pred(p)} {term(o)}")
            predicate = p
        else:
            out[-1] += f" , {term(o)}"
    if subject is not None:
        out[-1] += " ."
    head = [f"@base <{base}> ."] + [f"@prefix {p}: <{ns}> ." for p, ns in PREFIXES.items() if p in used]
    return ("\n".join(head + out) + "\n").encode("utf-8")


def ntriples(triples: Iterable[Row]) -> bytes:
    """Canonical N-Triples, one triple per line, lines sorted by code point."""
    lines = [f"{s} {p} {o} .\n" for s, p, o in triples]
    lines.sort()
    return "".join(lines).encode("utf-8") or b"\n"


def jsonld_context(base: str) -> dict[str, Any]:
    """The JSON-LD context: the prefixes, plus ``og`` for the release's own IRIs."""
    return {"@context": {DATA_PREFIX: base, **PREFIXES}}


def jsonld(triples: Sequence[Row], base: str) -> bytes:
    """Flattened JSON-LD: one node object per subject, sorted by ``@id``, the context inlined."""
    context = jsonld_context(base)["@context"]
    namespaces = sorted(((ns, p) for p, ns in context.items()), key=lambda x: -len(x[0]))

    @functools.lru_cache(maxsize=1 << 16)
    def compact(iri: str) -> str:
        for ns, prefix in namespaces:
            if iri.startswith(ns) and len(iri) > len(ns) and not iri[len(ns):].startswith("/"):
                return f"{prefix}:{iri[len(ns):]}"
        return iri

    @functools.lru_cache(maxsize=1 << 16)
    def value(term: Term) -> Any:
        if is_iri(term):
            return {"@id": compact(term[1:-1])}
        lexical, language, datatype = literal_parts(term)
        if language:
            return {"@value": lexical, "@language": language}
        if datatype == XSD.string:
            return lexical
        return {"@value": lexical, "@type": compact(datatype)}

    nodes: dict[str, dict[str, Any]] = {}
    for s, p, o in sorted(triples, key=sort_key):
        subject = s[1:-1]  # subjects are always minted IRIs
        node = nodes.get(subject)
        if node is None:
            node = nodes[subject] = {"@id": compact(subject)}
        if p == TYPE and is_iri(o):
            node.setdefault("@type", []).append(compact(o[1:-1]))
            continue
        node.setdefault(compact(p[1:-1]), []).append(value(o))
    # One node object per line: readable and diffable, and written by json's C encoder (indent= would switch
    # to the pure-Python one, ten times slower on a million triples).
    encode = json.JSONEncoder(ensure_ascii=False, separators=(", ", ": ")).encode
    head = '{"@context": ' + json.dumps(context, ensure_ascii=False, indent=1) + ',\n"@graph": ['
    body = ",\n".join(encode(nodes[k]) for k in sorted(nodes))
    return (head + ("\n" + body + "\n" if body else "") + "]}\n").encode("utf-8")


def gzipped(data: bytes) -> bytes:
    """gzip with no timestamp and no file name, so the bytes depend on the content only."""
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0, compresslevel=6) as f:
        f.write(data)
    return buf.getvalue()
