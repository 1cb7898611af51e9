"""RDF terms as their N-Triples spelling, and triples as rows of three such strings.

The build handles a million triples: Python hashes, compares, sorts and joins ``str`` far faster than it touches
library objects, so the converter, the validator and the writers share this representation (``<iri>``,
``_:b``, ``"text"@en``, ``"5"^^<...#integer>``). Literals are escaped exactly as pyoxigraph escapes them, so the
spelling is canonical: equal terms are equal strings, and a sorted list of rows is already sorted N-Triples
material. :func:`rows` turns pyoxigraph triples (from a store or a parser) into rows.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from pyoxigraph import BlankNode, Literal, NamedNode, Quad, Triple

from .namespaces import RDF, XSD

Term = str
Row = tuple[str, str, str]

_ESCAPES = re.compile(r'[\x00-\x1f"\\\x7f]')
_UNESCAPE = re.compile(r"\\(u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|.)")
_UNESCAPED = {"t": "\t", "b": "\b", "n": "\n", "r": "\r", "f": "\f", '"': '"', "'": "'", "\\": "\\"}


def iri(value: str) -> Term:
    """A minted or vocabulary IRI (built from checked ids and constants: nothing to escape)."""
    return f"<{value}>"


#: ``rdf:type`` as a term (the one predicate every step looks for).
RDF_TYPE = iri(RDF.type)


def external_iri(value: str) -> Term:
    """An IRI taken from the data (homepage, url...): checked by pyoxigraph's IRI parser (ValueError)."""
    return str(NamedNode(value))


def literal(text: str, language: str = "", datatype: str = "") -> Term:
    """A literal's N-Triples spelling, escaped as pyoxigraph escapes it."""
    body = str(Literal(text)) if _ESCAPES.search(text) else f'"{text}"'
    if language:
        return f"{body}@{language}"
    if datatype and datatype != XSD.string:
        return f"{body}^^<{datatype}>"
    return body


def is_iri(term: Term) -> bool:
    return term.startswith("<")


def is_literal(term: Term) -> bool:
    return term.startswith('"')


def is_blank(term: Term) -> bool:
    return term.startswith("_:")


def value_of(term: Term) -> str:
    """The IRI of an IRI term."""
    return term[1:-1]


def literal_parts(term: Term) -> tuple[str, str, str]:
    """The lexical form, language tag and datatype IRI of a literal."""
    end = term.rindex('"')
    body, tail = term[1:end], term[end + 1:]
    if "\\" in body:
        body = _UNESCAPE.sub(lambda m: _UNESCAPED.get(m.group(1)) or chr(int(m.group(1)[1:], 16)), body)
    if tail.startswith("@"):
        return body, tail[1:], RDF.langString
    if tail.startswith("^^<"):
        return body, "", tail[3:-1]
    return body, "", XSD.string


def to_oxigraph(text: Term) -> NamedNode | BlankNode | Literal:
    """The pyoxigraph term of an N-Triples spelling."""
    if is_iri(text):
        return NamedNode(text[1:-1])
    if is_blank(text):
        return BlankNode(text[2:])
    lexical, language, datatype = literal_parts(text)
    return Literal(lexical, language=language) if language else Literal(lexical, datatype=NamedNode(datatype))


def to_node(text: Term) -> NamedNode | BlankNode:
    """The pyoxigraph term of a subject's spelling (an IRI or a blank node)."""
    return BlankNode(text[2:]) if is_blank(text) else NamedNode(text[1:-1])


def rows(triples: Iterable[Triple | Quad]) -> list[Row]:
    """pyoxigraph triples (or quads, their graph dropped) as rows."""
    return [(str(t.subject), str(t.predicate), str(t.object)) for t in triples]
