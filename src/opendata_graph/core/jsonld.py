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

The dumps' context (``dist/context.jsonld``, inline in ``opendata-graph.jsonld``) has the same term names, taken
from the properties the ontology declares rather than from the data (:func:`dump_terms`): the dump is rendered
block by block, and a rebuild renders only the changed blocks again, so a term cannot depend on what the rest of
the release holds; it depends on the ontology, whose every change rebuilds the whole release. There an object
property's values are links (``"memberOf": ["og:cohort/cohort-2"]``), English text is a plain string (the
context's ``@language``), and everything else is a value object.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from pyoxigraph import Literal, NamedNode, RdfFormat, Store, parse

from . import mint
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
    TEXT_LANGUAGE,
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


def names(properties: Iterable[str]) -> dict[str, str]:
    """Term name -> property, for each of ``properties`` whose local name can be a term: a name two vocabularies
    share goes to the first in :data:`PRECEDENCE`; ``id`` and ``type`` stay the aliases of ``@id``/``@type``."""
    taken: dict[str, tuple[int, str]] = {}
    for p in sorted(properties):
        local = _local(p)
        if local is None or local[1] in ("id", "type"):
            continue
        rank = PRECEDENCE.index(local[0])
        if local[1] not in taken or rank < taken[local[1]][0]:
            taken[local[1]] = (rank, p)
    return {name: p for name, (_, p) in sorted(taken.items())}


#: What the ontology declares a property as (``rdf:type``), for :func:`dump_terms`.
_PROPERTY_CLASSES = frozenset({OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty, RDF.Property})


def dump_terms(ontology: bytes) -> dict[str, dict[str, str]]:
    """The dumps' terms: one per property ``ontology`` (Turtle) declares, a link (``"@type": "@id"``) for an
    ``owl:ObjectProperty``; the same for every release built with that ontology."""
    declared: dict[str, set[str]] = defaultdict(set)
    for t in parse(ontology, format=RdfFormat.TURTLE):
        if t.predicate.value == RDF.type and t.object.value in _PROPERTY_CLASSES and isinstance(t.subject, NamedNode):
            declared[t.subject.value].add(t.object.value)
    return {name: {"@id": p, "@type": "@id"} if declared[p] == {OWL.ObjectProperty} else {"@id": p}
            for name, p in names(declared).items()}


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
    for name, p in names(kinds).items():
        definition: dict[str, str] = {"@id": p}
        seen = kinds[p]
        if seen == {"iri"}:
            definition["@type"] = "@id"
        elif seen == {f"@{TEXT_LANGUAGE}"}:
            definition["@language"] = TEXT_LANGUAGE
        elif len(seen) == 1 and not seen & {"iri", XSD.string, XSD.integer, XSD.boolean} \
                and not next(iter(seen)).startswith("@"):  # integers and booleans are JSON's own
            definition["@type"] = next(iter(seen))
        terms[name] = definition
    return {"@context": {**PREFIXES, **terms}}  # a term named like a prefix (role) replaces it


def term_names(ctx: Mapping[str, Any]) -> dict[str, tuple[str, dict[str, str]]]:
    """Property IRI -> (its term, its definition)."""
    return {d["@id"]: (name, d) for name, d in ctx["@context"].items() if isinstance(d, dict)}


def entity(store: Store, iri: str, base: str, ctx: Mapping[str, Any]) -> dict[str, Any]:
    """The entity ``iri`` as one JSON-LD object under the release's term context, its owned nodes nested."""
    by_property = term_names(ctx)
    prefixes = {k: v for k, v in ctx["@context"].items() if isinstance(v, str) and not v.startswith("@")}

    def compact(value: str) -> str:
        return _compact(value, prefixes)

    def owned(node: str) -> bool:
        if node.startswith(iri + "/"):
            return True
        own_id = iri.rsplit("/", 1)[-1]
        return node.startswith(mint.memberships_of(base, own_id))  # memberships are minted under the member

    def describe(node: str, seen: set[str]) -> dict[str, Any]:
        seen.add(node)
        out: dict[str, Any] = {"id": node}
        values: dict[str, list[Any]] = defaultdict(list)
        types: list[str] = []
        for q in sorted(store.quads_for_pattern(NamedNode(node), None, None), key=lambda q: (str(q.predicate),
                                                                                          str(q.object))):
            p, o = q.predicate.value, q.object
            if p == RDF.type and isinstance(o, NamedNode):
                types.append(compact(o.value))
                continue
            name, definition = by_property.get(p, (compact(p), {}))
            values[name].append(_value(o, definition, owned, describe, seen, compact))
        if types:
            out["type"] = types[0] if len(types) == 1 else types
        for name in sorted(values):
            out[name] = values[name][0] if len(values[name]) == 1 else values[name]
        return out

    return {"@context": base + CONTEXT_PATH, **describe(iri, set())}


def _value(o: object, definition: Mapping[str, str], owned: Any, describe: Any, seen: set[str],
           compact: Callable[[str], str]) -> Any:
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
    return {"@value": o.value, "@type": compact(datatype)}


def _compact(iri: str, prefixes: Mapping[str, str]) -> str:
    """``prefix:local`` with a prefix the context declares, else the IRI itself."""
    for prefix, ns in prefixes.items():
        if iri.startswith(ns) and len(iri) > len(ns):
            return f"{prefix}:{iri[len(ns):]}"
    return iri


def dumps(document: Mapping[str, Any] | Iterable[Any]) -> bytes:
    return (json.dumps(document, ensure_ascii=False, indent=1) + "\n").encode("utf-8")
