"""JSON a web developer can use: a term context for the release, and each entity as one framed JSON-LD object.

``<base>context.json`` maps plain terms to the release's properties -- ``name`` (schema:name), ``homepage``
(foaf:homepage), ``memberOf`` (org:memberOf), ``license`` (dcterms:license), ``description``... -- with their
value types (``"@type": "@id"`` for links, ``"@language": "en"`` for English text, the datatype of numbers and
dates), and ``id``/``type`` for ``@id``/``@type``. A local name used by two vocabularies goes to the first in
:data:`PRECEDENCE` (``memberOf`` is org:memberOf; schema:memberOf stays ``schema:memberOf``), so a term means the
same property in every document of the release.

``<iri>.json`` is the entity as one object under that context: its own facts, and the nodes it owns (figures,
memberships, posts, identifiers, periods) nested inside it; other entities are their IRIs. A JSON-LD processor
reads exactly the entity's triples and its nodes' triples back (tests/test_jsonld.py checks it with pyld).
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from pyoxigraph import Literal, NamedNode, Store

from .locate import MEMBERSHIP_PATH
from .namespaces import (
    ADMS,
    CC,
    DCAT,
    DCTERMS,
    FOAF,
    OA,
    ODG,
    ORG,
    OWL,
    PREFIXES,
    PROV,
    QUDT,
    RDF,
    RDFS,
    SCHEMA,
    SKOS,
    SPDX,
    TIME,
    VOID,
    XSD,
)

#: Whose local name wins when two vocabularies share one (``memberOf``: org before schema).
PRECEDENCE = tuple(str(ns) for ns in (ODG, ORG, DCTERMS, FOAF, SKOS, RDFS, DCAT, SCHEMA, OWL, PROV, OA, TIME,
                                      QUDT, ADMS, VOID, CC, SPDX, RDF))
CONTEXT_PATH = "context.json"
_TERM = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def _local(iri: str) -> tuple[str, str] | None:
    """(namespace, local name) for a property in a known namespace whose local name can be a term."""
    for ns in PRECEDENCE:
        if iri.startswith(ns) and _TERM.match(iri[len(ns):]):
            return ns, iri[len(ns):]
    return None


def context(store: Store) -> dict[str, Any]:
    """The release's term context, from the properties it uses and the values they take."""
    kinds: dict[str, set[str]] = defaultdict(set)  # predicate -> "iri", "@en", or a datatype IRI
    for q in store.quads_for_pattern(None, None, None):
        o = q.object
        if isinstance(o, Literal):
            kinds[q.predicate.value].add(f"@{o.language}" if o.language else o.datatype.value)
        else:
            kinds[q.predicate.value].add("iri")
    terms: dict[str, Any] = {"id": "@id", "type": "@type"}
    taken: dict[str, tuple[int, str]] = {}
    for p in sorted(kinds):
        local = _local(p)
        if local is None or local[1] in ("id", "type"):
            continue
        rank = PRECEDENCE.index(local[0])
        if local[1] not in taken or rank < taken[local[1]][0]:
            taken[local[1]] = (rank, p)
    for name, (_, p) in sorted(taken.items()):
        definition: dict[str, str] = {"@id": p}
        seen = kinds[p]
        if seen == {"iri"}:
            definition["@type"] = "@id"
        elif seen == {"@en"}:
            definition["@language"] = "en"
        elif len(seen) == 1 and not seen & {"iri", XSD.string, XSD.integer, XSD.boolean} \
                and not next(iter(seen)).startswith("@"):  # integers and booleans are JSON's own
            definition["@type"] = next(iter(seen))
        terms[name] = definition
    return {"@context": {**PREFIXES, **terms}}


def term_names(ctx: Mapping[str, Any]) -> dict[str, tuple[str, dict[str, str]]]:
    """Property IRI -> (its term, its definition)."""
    return {d["@id"]: (name, d) for name, d in ctx["@context"].items() if isinstance(d, dict)}


def entity(store: Store, iri: str, base: str, ctx: Mapping[str, Any]) -> dict[str, Any]:
    """The entity ``iri`` as one JSON-LD object under the release's term context, its owned nodes nested."""
    names = term_names(ctx)

    def owned(node: str) -> bool:
        if node.startswith(iri + "/"):
            return True
        own_id = iri.rsplit("/", 1)[-1]
        return node.startswith(f"{base}{MEMBERSHIP_PATH}{own_id}/")  # memberships are minted under the member

    def describe(node: str, seen: set[str]) -> dict[str, Any]:
        seen.add(node)
        out: dict[str, Any] = {"id": node}
        values: dict[str, list[Any]] = defaultdict(list)
        types: list[str] = []
        for q in sorted(store.quads_for_pattern(NamedNode(node), None, None), key=lambda q: (str(q.predicate),
                                                                                          str(q.object))):
            p, o = q.predicate.value, q.object
            if p == RDF.type and isinstance(o, NamedNode):
                types.append(_compact(o.value))
                continue
            name, definition = names.get(p, (_compact(p), {}))
            values[name].append(_value(o, definition, owned, describe, seen))
        if types:
            out["type"] = types[0] if len(types) == 1 else types
        for name in sorted(values):
            out[name] = values[name][0] if len(values[name]) == 1 else values[name]
        return out

    return {"@context": base + CONTEXT_PATH, **describe(iri, set())}


def _value(o: object, definition: Mapping[str, str], owned: Any, describe: Any, seen: set[str]) -> Any:
    if isinstance(o, NamedNode):
        if owned(o.value) and o.value not in seen:
            return describe(o.value, seen)
        return o.value if definition.get("@type") == "@id" else {"id": o.value}
    assert isinstance(o, Literal)
    if o.language:
        return o.value if definition.get("@language") == o.language else {"@value": o.value, "@language": o.language}
    datatype = o.datatype.value
    if datatype == XSD.integer and re.fullmatch(r"[+-]?\d{1,15}", o.value):  # a JSON number reads back as xsd:integer
        return int(o.value)
    if datatype == XSD.boolean and o.value in ("true", "false"):
        return o.value == "true"
    if definition.get("@type") == datatype or (datatype == XSD.string and not definition.get("@language")
                                               and "@type" not in definition):
        return o.value
    return {"@value": o.value, "@type": _compact(datatype)}


def _compact(iri: str) -> str:
    """``prefix:local`` with a prefix the context declares, else the IRI itself."""
    for prefix, ns in PREFIXES.items():
        if iri.startswith(ns) and len(iri) > len(ns):
            return f"{prefix}:{iri[len(ns):]}"
    return iri


def dumps(document: Mapping[str, Any] | Iterable[Any]) -> bytes:
    return (json.dumps(document, ensure_ascii=False, indent=1) + "\n").encode("utf-8")
