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


#: Bidirectional formatting characters, which an IRI must not hold (RFC 3987 section 4.1): they make an address
#: read differently from what it is (``https://example.org/\u202egro.evil``). The marks (U+061C, U+200E, U+200F),
#: the embeddings and overrides (U+202A-U+202E) and the isolates Unicode added since (U+2066-U+2069).
BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
#: The ASCII an IRI may hold as itself (RFC 3987: unreserved, reserved, and ``%`` of a percent-encoding).
_IRI_ASCII = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~:/?#[]@!$&'()*+,;=%")
#: RFC 3987's ``ucschar`` ranges (beyond ASCII, anywhere in an IRI) and ``iprivate`` (only in its query).
_UCSCHAR = ((0xA0, 0xD7FF), (0xF900, 0xFDCF), (0xFDF0, 0xFFEF),
            *((plane << 16, (plane << 16) + 0xFFFD) for plane in range(1, 14)), (0xE1000, 0xEFFFD))
_IPRIVATE = ((0xE000, 0xF8FF), (0xF0000, 0xFFFFD), (0x100000, 0x10FFFD))


def iri_problem(value: str) -> str | None:
    """What makes ``value`` not an IRI by RFC 3987's characters, or None: a bidi control, a character outside
    ``ucschar`` (a control, a space, a non-character...), a private-use one outside the query, a ``%`` that does
    not start a percent-encoding. Named with its code point and position (1-based)."""
    query = value.find("?")
    for i, char in enumerate(value):
        if char in _IRI_ASCII:
            if char == "%" and not re.fullmatch(r"%[0-9A-Fa-f]{2}", value[i:i + 3]):
                return f"holds a '%' at character {i + 1} that does not start a percent-encoding (%XX)"
            continue
        code = ord(char)
        if char in BIDI_CONTROLS:
            return f"holds the bidirectional control U+{code:04X} at character {i + 1}"
        if any(lo <= code <= hi for lo, hi in _UCSCHAR):
            continue
        if 0 <= query < i and any(lo <= code <= hi for lo, hi in _IPRIVATE):
            continue
        return f"holds U+{code:04X} at character {i + 1}, which an IRI may not hold (RFC 3987)"
    return None
