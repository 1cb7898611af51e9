"""Whether a violation query's answer for a ``?subject`` can be re-computed from that subject's files alone.

An incremental validation (:func:`validate.recheck`) re-runs each ``*-violation.rq`` only for the subjects a change
can affect, over the graphs of the files that state something about them. That gives the full run's answer only
when every triple the query reads about a subject ``s`` is in those files. What the conversion guarantees:

* every triple whose subject is ``s`` is in a file that states something about ``s`` (by definition);
* a fact ``s p o`` is reified in the file that states it: a node ``?statement`` with ``rdf:subject s`` and its
  ``rdf:predicate``, ``rdf:object`` and ``prov:wasDerivedFrom`` triples is stated by that same file;
* the excerpt or evidence a statement is derived from is typed in every file that cites it.

So a query is *local* when each of its triple patterns has as its subject ``?subject`` itself, a variable
``?statement`` bound by ``?statement rdf:subject ?subject`` in the same group (or an enclosing one), or --
only to read its ``rdf:type`` -- a variable bound by ``?statement prov:wasDerivedFrom ?source``. Anything the
analysis does not know (a property path, a sub-query, an aggregate, LIMIT, a named graph, a pattern about a
constant or about a node linking to the subject, a text rdflib's parser refuses) is not local, and the validation
runs in full: the answer is never guessed (tests/test_incremental.py has a query of each kind that the per-subject
re-run got wrong).
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from ..core.namespaces import PROV, RDF

#: Operators whose operand(s) are the same group: their patterns hold together.
_SAME_GROUP = {"OrderBy", "Filter", "Extend", "Join", "ToMultiSet", "values", "GroupGraphPatternSub", "TriplesBlock",
               "BGP"}
#: Filter and ORDER BY expressions (their EXISTS parts aside, checked as groups): they read no triples.
_EXPRESSIONS = ("Builtin_", "Relational", "Conditional", "Additive", "Multiplicative", "Unary", "Function", "Order",
                "TrueFilter")
#: What the analysis refuses: the answer for a subject may depend on other subjects' triples, or on all of them.
_NOT_LOCAL = {"Slice": "LIMIT or OFFSET", "Group": "GROUP BY or an aggregate", "AggregateJoin": "an aggregate",
              "Graph": "GRAPH", "ServiceGraphPattern": "SERVICE", "Project": "a sub-query", "SubSelect": "a sub-query",
              "Distinct": "a sub-query", "Reduced": "a sub-query"}

#: The predicates the analysis follows from a subject (as N-Triples terms): a statement is what has an
#: ``rdf:subject``; its sources, what it ``prov:wasDerivedFrom``; of a source, only the ``rdf:type`` is read.
TYPE, ABOUT, DERIVED = f"<{RDF.type}>", f"<{RDF.subject}>", f"<{PROV.wasDerivedFrom}>"
_THE_SUBJECT = "?subject"


class _NotLocal(Exception):
    pass


def digest(text: str) -> str:
    """What a verdict is kept under (the build cache keeps them: a run after an edit need not parse again)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def verdicts(texts: Iterable[str]) -> dict[str, str | None]:
    """:func:`why_not_local` of each text, by :func:`digest`."""
    return {digest(text): why_not_local(text) for text in texts}


def remembered(known: Mapping[str, str | None], text: str) -> str | None:
    """The verdict ``known`` holds for ``text`` (kept by an earlier run of the same code), else worked out."""
    key = digest(text)
    return known[key] if key in known else why_not_local(text)


@functools.lru_cache(maxsize=64)
def why_not_local(text: str) -> str | None:
    """``None`` when the query is local (see the module's docstring), else why it is not, in a few words."""
    from rdflib.plugins.sparql.algebra import translateQuery
    from rdflib.plugins.sparql.parser import parseQuery

    try:
        algebra = translateQuery(parseQuery(text)).algebra
    except Exception as exc:  # pyparsing's and rdflib's own errors: not a query this analysis can read
        return f"rdflib cannot read it ({type(exc).__name__})"
    try:
        _group(_where(algebra), frozenset(), frozenset())
    except _NotLocal as exc:
        return str(exc)
    return None


def _where(algebra: Any) -> Any:
    """A SELECT query's WHERE clause (with its ORDER BY), below its projection (of ``?subject``) and DISTINCT."""
    if algebra.name != "SelectQuery":
        raise _NotLocal("it is not a SELECT query")
    node = algebra.p
    while node.name in ("Distinct", "Reduced"):
        node = node.p
    if node.name != "Project":
        raise _NotLocal(f"it uses {_NOT_LOCAL.get(node.name, node.name)}")
    if "subject" not in {str(v) for v in node.get("PV") or ()}:
        raise _NotLocal("it does not project ?subject (what its answers are about)")
    return node.p


def _group(node: Any, statements: frozenset[str], sources: frozenset[str]) -> None:
    """Check one group: its own triple patterns (and those of the groups it joins) with the variables anchored by
    them and by the enclosing groups; then its nested groups (UNION branches, OPTIONAL and EXISTS parts, which see
    these anchors; MINUS parts, evaluated on their own, which see only ``?subject``)."""
    triples, nested = _collect(node)
    statements |= {s for s, p, o in triples if p == ABOUT and o == _THE_SUBJECT and s.startswith("?")}
    sources |= {o for s, p, o in triples if p == DERIVED and s in statements and o.startswith("?")}
    for s, p, _ in triples:
        if not (s == _THE_SUBJECT or s in statements or (s in sources and p == TYPE)):
            raise _NotLocal(f"it reads the triples of {_show(s)}, not only those of ?subject and its facts' "
                            "statements")
    for child, fresh in nested:
        _group(child, frozenset() if fresh else statements, frozenset() if fresh else sources)


def _collect(node: Any) -> tuple[list[tuple[str, str, str]], list[tuple[Any, bool]]]:
    """The triple patterns of ``node``'s group and its nested groups (each with whether it starts afresh)."""
    triples: list[tuple[str, str, str]] = []
    nested: list[tuple[Any, bool]] = []
    for name, part in _walk(node, nested):
        if name in ("BGP", "TriplesBlock"):
            triples += [_pattern(t) for t in part.get("triples") or ()]
    return triples, nested


def _walk(node: Any, nested: list[tuple[Any, bool]]) -> Iterator[tuple[str, Any]]:
    from rdflib.plugins.sparql.parserutils import CompValue

    if isinstance(node, CompValue):
        name = node.name
        if name in _NOT_LOCAL:
            raise _NotLocal(f"it uses {_NOT_LOCAL[name]}")
        yield name, node
        if name == "Union":
            nested += [(node.p1, False), (node.p2, False)]
            return
        if name == "Minus":
            nested.append((node.p2, True))
            yield from _walk(node.p1, nested)
            return
        if name == "LeftJoin":
            nested.append((node.p2, False))
            yield from _walk(node.p1, nested)
            yield from _walk(node.get("expr"), nested)
            return
        if name in ("Builtin_EXISTS", "Builtin_NOTEXISTS"):
            nested.append((_translated(node.graph), False))
            return
        if name not in _SAME_GROUP and not name.startswith(_EXPRESSIONS):
            raise _NotLocal(f"it uses {name}, which this analysis does not know")
        for key, value in node.items():
            if key not in ("_vars", "PV", "datasetClause", "res"):
                yield from _walk(value, nested)
    elif isinstance(node, (list, tuple)) or type(node).__name__ == "ParseResults":
        for value in node:
            yield from _walk(value, nested)


def _translated(graph: Any) -> Any:
    """An EXISTS pattern as algebra (rdflib leaves it as parsed)."""
    from rdflib.plugins.sparql.algebra import translateGroupGraphPattern
    from rdflib.plugins.sparql.parserutils import CompValue

    return translateGroupGraphPattern(graph) if isinstance(graph, CompValue) and graph.name != "BGP" else graph


def _pattern(triple: Iterable[Any]) -> tuple[str, str, str]:
    from rdflib.term import Node, URIRef, Variable

    terms: list[str] = []
    for term in triple:
        if isinstance(term, Variable):
            terms.append(f"?{term}")
        elif isinstance(term, URIRef):
            terms.append(f"<{term}>")
        elif isinstance(term, Node):
            terms.append(term.n3())
        else:  # a property path
            raise _NotLocal(f"it uses the property path {term}")
    s, p, o = terms
    return s, p, o


def _show(term: str) -> str:
    return term if term.startswith("?") else f"the node {term}"
