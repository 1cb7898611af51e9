"""Whether a violation query's answer for a ``?subject`` can be re-computed from that subject's files alone.

An incremental validation (:func:`validate.recheck`) re-runs each ``*-violation.rq`` only for the subjects a change
can affect, over the graphs of the files that state something about them. That gives the full run's answer only
when every triple the query reads about a subject ``s`` is in those files. What the conversion guarantees:

* every triple whose subject is ``s`` is in a file that states something about ``s`` (by definition);
* a fact ``s p o`` is reified in the file that states it: a node ``?statement`` with ``rdf:subject s`` and its
  ``rdf:predicate``, ``rdf:object`` and ``prov:wasDerivedFrom`` triples is stated by that same file;
* the excerpt or evidence a statement is derived from is typed in every file that cites it.

So a query is *local* when each of its triple patterns has as its subject ``?subject`` itself, a variable
``?statement`` bound for certain by ``?statement rdf:subject ?subject``, or -- only to read its ``rdf:type`` -- a
variable bound by ``?statement prov:wasDerivedFrom ?source``; and when what SPARQL evaluates on its own before
joining it (an OPTIONAL, a MINUS, an EXISTS) sees those bindings: OPTIONAL, MINUS and FILTER (NOT) EXISTS only
on the query's main line, with nothing non-monotonic inside them (an OPTIONAL that finds nothing in one part of
the graph, evaluated before ?subject is bound, would change the answer). Anything the analysis does not know (a
property path, a sub-query, an aggregate, LIMIT, a named graph, a pattern about a constant or about a node linking
to the subject, a text rdflib's parser refuses) is not local, and the validation runs in full: the answer is never
guessed (tests/test_incremental.py has queries the per-subject re-run got wrong; tests/test_locality.py the shapes
a review found the first version of this analysis wrong about).

The same definition lets :mod:`.violations` query the graph in parts.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterable, Mapping
from typing import Any

from ..core.namespaces import PROV, RDF

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
        _main(_where(algebra))
    except _NotLocal as exc:
        return str(exc)
    except Exception as exc:  # an algebra this analysis did not expect: never a guess
        return f"the analysis cannot read it ({type(exc).__name__})"
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


# SPARQL evaluates a group's parts on their own and then joins them, so what binds ?subject somewhere in a group
# does not bind it inside an OPTIONAL, MINUS or EXISTS evaluated before the join: an OPTIONAL that found nothing in
# one part of the graph, or a MINUS that removed something, changes the answer. The analysis therefore allows
# these operators only on the query's main line (FILTER, BIND, OPTIONAL and MINUS applied to what the main line has
# bound for certain), and requires what they contain to be *monotonic* (no OPTIONAL, MINUS or EXISTS inside).

Anchors = tuple[frozenset[str], frozenset[str]]  #: variables bound for certain to statements, and to sources
_NONE: Anchors = (frozenset(), frozenset())


def _main(node: Any) -> tuple[Anchors, bool]:
    """Check the query's main line; returns what it binds for certain (besides ``?subject``), and whether it binds
    ``?subject`` for certain: an OPTIONAL, a MINUS or an EXISTS applied before it is would test the whole graph
    (what one part of the graph lacks would change the answer)."""
    name = node.name
    if name in ("OrderBy", "Extend"):
        _plain(node.expr)
        return _main(node.p)
    if name == "Filter":  # EXISTS is evaluated with each solution's bindings: it sees the main line's anchors
        anchors, bound = _main(node.p)
        graphs = _expression(node.expr)
        if graphs and not bound:
            raise _NotLocal("it tests EXISTS before ?subject is bound for certain")
        for graph in graphs:
            _monotonic(graph, anchors)
        return anchors, bound
    if name in ("LeftJoin", "Minus"):  # the right part is evaluated on its own, then joined or compared
        anchors, bound = _main(node.p1)
        if not bound:
            raise _NotLocal(f"it uses {'OPTIONAL' if name == 'LeftJoin' else 'MINUS'} before ?subject is bound "
                            "for certain")
        _plain(node.get("expr"))
        _monotonic(node.p2, anchors if name == "LeftJoin" else _NONE)  # what MINUS removes anchors itself
        return anchors, bound
    return _monotonic(node, _NONE)


def _monotonic(node: Any, inherited: Anchors) -> tuple[Anchors, bool]:
    """Check a group with no OPTIONAL, MINUS or EXISTS (joins, UNIONs, VALUES, BIND and FILTER without EXISTS):
    each triple pattern about ``?subject``, a statement of its facts or (its type only) their source, anchored by
    ``inherited`` (what the solutions it is joined with bind for certain) or by the group's own required patterns.
    Returns what it binds for certain (each UNION branch is checked with that), and whether a required pattern
    binds ``?subject``."""
    triples: list[tuple[str, str, str]] = []
    branches: list[Any] = []
    _required(node, triples, branches)
    statements = inherited[0] | {s for s, p, o in triples if p == ABOUT and o == _THE_SUBJECT and s.startswith("?")}
    sources = inherited[1] | {o for s, p, o in triples if p == DERIVED and s in statements and o.startswith("?")}
    for s, p, _ in triples:
        if not (s == _THE_SUBJECT or s in statements or (s in sources and p == TYPE)):
            raise _NotLocal(f"it reads the triples of {_show(s)}, not only those of ?subject and its facts' "
                            "statements")
    anchors = (statements, sources)
    for branch in branches:
        _monotonic(branch, anchors)
    return anchors, any(_THE_SUBJECT in triple for triple in triples)


def _required(node: Any, triples: list[tuple[str, str, str]], branches: list[Any]) -> None:
    """The triple patterns a monotonic group requires, and its UNION branches; anything else is not local."""
    name = node.name
    if name in _NOT_LOCAL:
        raise _NotLocal(f"it uses {_NOT_LOCAL[name]}")
    if name in ("BGP", "TriplesBlock"):
        triples += [_pattern(t) for t in node.get("triples") or ()]
    elif name == "Join":
        _required(node.p1, triples, branches)
        _required(node.p2, triples, branches)
    elif name in ("Filter", "Extend"):
        _plain(node.expr)
        _required(node.p, triples, branches)
    elif name == "Union":
        branches += [node.p1, node.p2]
    elif name == "ToMultiSet" and node.p.name == "values":
        pass  # VALUES: no triples
    elif name in ("LeftJoin", "Minus"):
        raise _NotLocal(f"it uses {'OPTIONAL' if name == 'LeftJoin' else 'MINUS'} inside a part SPARQL evaluates "
                        "on its own (where ?subject is not yet bound)")
    else:
        raise _NotLocal(f"it uses {name}, which this analysis does not know")


#: Functions whose value differs from one evaluation to the next: each part would make its own.
_RANDOM = {"Builtin_RAND", "Builtin_UUID", "Builtin_STRUUID", "Builtin_BNODE", "Builtin_NOW"}


def _expression(expr: Any) -> list[Any]:
    """The patterns of the EXISTS and NOT EXISTS in an expression (as algebra); a function whose value differs
    from one evaluation to the next is not local."""
    from rdflib.plugins.sparql.parserutils import CompValue

    found: list[Any] = []
    todo = [expr]
    while todo:
        node = todo.pop()
        if isinstance(node, CompValue):
            if node.name in _RANDOM:
                raise _NotLocal(f"it calls {node.name.removeprefix('Builtin_')}(), new in every evaluation")
            if node.name in ("Builtin_EXISTS", "Builtin_NOTEXISTS"):
                found.append(node.graph)
            else:
                todo += [v for k, v in node.items() if k != "_vars"]
        elif isinstance(node, (list, tuple)):
            todo += list(node)
    for graph in found:
        if not isinstance(graph, CompValue) or graph.name in ("GroupGraphPatternSub", "TriplesBlock"):
            raise _NotLocal("it uses EXISTS where rdflib leaves its pattern untranslated")
    return found


def _plain(expr: Any) -> None:
    """An expression without EXISTS (a BIND, ORDER BY, OPTIONAL's condition, or a FILTER off the main line)."""
    if expr is not None and _expression(expr):
        raise _NotLocal("it uses EXISTS outside a FILTER of the main pattern")


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
