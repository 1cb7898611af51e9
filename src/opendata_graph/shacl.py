"""The native SHACL engine: the shapes graph compiled into Python checks over an index of the data triples.

Why a second engine: pyshacl walks an rdflib graph -- about 115 µs per triple here, two minutes and 3.4 GB for a
million-triple registry. This engine indexes only the predicates the shapes read (``predicate -> subject ->
objects``, plus the inverse where an inverse path needs it) and answers each constraint with dictionary lookups;
SHACL-SPARQL constraints run once on pyoxigraph with ``$this`` left free and the solutions joined to the focus
nodes, which gives the same results as pre-binding because the SHACL spec (5.3.1.1) forbids the constructs
where the two differ.

Its results are pyshacl's (focus node, path, value, source shape, component, severity, message):
``tests/test_engines.py`` compares the two on the release, on a fixture that breaks every shape and on a
synthetic registry with violations injected at 1% of the nodes. pyshacl stays available (``--engine pyshacl``).
A shapes graph using a feature this engine does not implement is refused with a :class:`ConfigError` naming the
feature -- nothing is ever skipped silently.

Implemented: targets (``sh:targetClass`` with ``rdfs:subClassOf*`` of the data graph, implicit class targets,
``sh:targetNode``, ``sh:targetSubjectsOf``, ``sh:targetObjectsOf``); paths (predicate, inverse, alternative,
sequence, zero-or-more, one-or-more, zero-or-one); the components ``class``, ``datatype`` (XSD lexical spaces),
``nodeKind``, ``minCount``, ``maxCount``, ``minLength``, ``maxLength``, ``pattern`` (+ ``flags``),
``languageIn``, ``uniqueLang``, ``in``, ``hasValue``, ``equals``, ``disjoint``, ``not``, ``and``, ``or``,
``xone``, ``node``, ``property``, ``qualifiedValueShape`` (min/max, disjoint) and ``sparql`` (SELECT);
``sh:severity``, ``sh:message`` (with ``{$this}``/``{?var}`` substitution), ``sh:deactivated``.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from pyoxigraph import BlankNode, Literal, NamedNode, RdfFormat, Store, Triple, Variable, parse

from .errors import ConfigError
from .namespaces import OWL, RDF, RDFS, SH, XSD
from .terms import Row, Term, is_blank, is_iri, is_literal, literal_parts, to_oxigraph
from .terms import iri as nt

Path = tuple[Any, ...]  # ("p", iri) | ("inv", Path) | ("alt"|"seq", [Path]) | ("zom"|"oom"|"zoo", Path)

#: Parameters this engine understands; any other sh: term on a shape is refused rather than ignored.
_KNOWN = {SH[x] for x in (
    "targetClass", "targetNode", "targetSubjectsOf", "targetObjectsOf", "path", "property", "severity", "message",
    "deactivated", "name", "description", "order", "group", "defaultValue", "class", "datatype", "nodeKind",
    "minCount", "maxCount", "minLength", "maxLength", "pattern", "flags", "languageIn", "uniqueLang", "in",
    "hasValue", "equals", "disjoint", "not", "and", "or", "xone", "node", "qualifiedValueShape",
    "qualifiedMinCount", "qualifiedMaxCount", "qualifiedValueShapesDisjoint", "sparql")}
_SHAPE_TYPES = {SH.NodeShape, SH.PropertyShape}

_TZ = r"(Z|[+-](0\d|1[0-4]):[0-5]\d)?"
_LEXICAL: dict[str, re.Pattern[str]] = {
    XSD.integer: re.compile(r"[+-]?\d+"),
    XSD.decimal: re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)"),
    XSD.boolean: re.compile(r"true|false|1|0"),
    XSD.date: re.compile(r"(-?\d{4,})-(\d\d)-(\d\d)" + _TZ),
    XSD.gYear: re.compile(r"-?\d{4,}" + _TZ),
    XSD.gYearMonth: re.compile(r"-?\d{4,}-(0[1-9]|1[0-2])" + _TZ),
    XSD.duration: re.compile(r"-?P(?=\d|T\d)(\d+Y)?(\d+M)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?"),
    XSD.dateTime: re.compile(r"-?\d{4,}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:[0-5]\d"
                             r"(\.\d+)?" + _TZ),
}
def string_value(term: Term) -> str:
    """What ``sh:pattern`` and the length constraints read: an IRI's text or a literal's lexical form."""
    return term[1:-1] if is_iri(term) else literal_parts(term)[0]


def well_formed(lexical: str, datatype: str) -> bool:
    """Whether a lexical form belongs to its XSD datatype (datatypes not listed here are accepted)."""
    pattern = _LEXICAL.get(datatype)
    if pattern is None:
        return True
    found = pattern.fullmatch(lexical)
    if found is None:
        return False
    if datatype == XSD.date:
        year, month, day = (int(x) for x in found.group(1, 2, 3))
        return 1 <= month <= 12 and 1 <= day <= calendar.monthrange(year if year > 0 else 2000, month)[1]
    return True


@dataclass(frozen=True)
class Violation:
    """One validation result, with the fields of ``sh:ValidationResult`` (terms in N-Triples form)."""

    focus: Term
    component: str
    shape: Term
    severity: str
    messages: tuple[str, ...]
    path: Term | None = None
    value: Term | None = None


# -- the data ---------------------------------------------------------------------------------------------------

TYPE, SUBCLASS = nt(RDF.type), nt(RDFS.subClassOf)


class Index:
    """``predicate -> subject -> [objects]`` for the predicates the shapes read, built in one pass over rows."""

    def __init__(self, rows: Iterable[Row], predicates: set[Term] | None = None) -> None:
        out: dict[Term, dict[Term, list[Term]]] = {}
        for s, p, o in rows:
            if predicates is not None and p not in predicates:
                continue
            by_subject = out.get(p)
            if by_subject is None:
                by_subject = out[p] = {}
            objects = by_subject.get(s)
            if objects is None:
                by_subject[s] = [o]
            else:
                objects.append(o)
        self.out = out
        self._inverse: dict[Term, dict[Term, list[Term]]] = {}
        self._subclasses: dict[Term, frozenset[Term]] = {}
        self._instances: dict[Term, list[Term]] | None = None

    def objects(self, s: Term, p: Term) -> list[Term]:
        return self.out.get(p, {}).get(s, [])

    def subjects(self, p: Term, o: Term) -> list[Term]:
        inverse = self._inverse.get(p)
        if inverse is None:
            inverse = self._inverse[p] = {}
            for s, objects in self.out.get(p, {}).items():
                for obj in objects:
                    inverse.setdefault(obj, []).append(s)
        return inverse.get(o, [])

    def subclasses(self, cls: Term) -> frozenset[Term]:
        """``cls`` and every class below it by ``rdfs:subClassOf*`` in the data graph."""
        found = self._subclasses.get(cls)
        if found is None:
            seen: set[Term] = {cls}
            todo = [cls]
            while todo:
                for sub in self.subjects(SUBCLASS, todo.pop()):
                    if sub not in seen:
                        seen.add(sub)
                        todo.append(sub)
            found = self._subclasses[cls] = frozenset(seen)
        return found

    def is_instance(self, node: Term, cls: Term) -> bool:
        types = self.out.get(TYPE, {}).get(node)
        if not types:
            return False
        subs = self.subclasses(cls)
        return any(t in subs for t in types)

    def instances(self, cls: Term) -> list[Term]:
        if self._instances is None:
            self._instances = {}
            for s, types in self.out.get(TYPE, {}).items():
                for t in types:
                    self._instances.setdefault(t, []).append(s)
        out: list[Term] = []
        for sub in sorted(self.subclasses(cls)):
            out += self._instances.get(sub, [])
        return list(dict.fromkeys(out))


# -- the shapes -------------------------------------------------------------------------------------------------

@dataclass(eq=False)
class Shape:
    """A node or property shape, compiled."""

    node: Term
    path: Path | None = None
    path_term: Term | None = None
    severity: str = SH.Violation
    messages: tuple[str, ...] = ()
    deactivated: bool = False
    targets: list[tuple[str, Term]] = field(default_factory=list)
    checks: list[Callable[[Term, list[Term], list[Violation] | None], bool]] = field(default_factory=list)
    properties: list[Shape] = field(default_factory=list)
    sparql: list[SparqlConstraint] = field(default_factory=list)


@dataclass
class SparqlConstraint:
    node: Term
    query: str
    messages: tuple[str, ...]
    projects_this: bool


NIL, TRUE = nt(RDF.nil), f'"true"^^<{XSD.boolean}>'


class ShapesGraph:
    """The shapes graph, compiled; :meth:`validate` runs it over an :class:`Index`."""

    def __init__(self, shapes_ttl: bytes) -> None:
        self.g: dict[Term, dict[str, list[Term]]] = {}
        for t in parse(shapes_ttl, format=RdfFormat.TURTLE):
            self.g.setdefault(str(t.subject), {}).setdefault(t.predicate.value, []).append(str(t.object))
        self.shapes: dict[Term, Shape] = {}
        self.parent: dict[Term, Term] = {}  # anonymous property shape -> the node shape holding it
        self.predicates: set[Term] = {TYPE, SUBCLASS}
        self.inverse_predicates: set[str] = set()
        for node in self._top_shapes():
            self.shape(node)
        self.top = [s for s in self.shapes.values() if s.targets and not s.deactivated]
        self.data: Index | None = None
        self.store: Store | None = None
        self.union = False  # query the union of the store's named graphs (the incremental cache's store)

    # -- reading the shapes graph --------------------------------------------------------------------------------
    def values(self, node: Term, p: str) -> list[Term]:
        return self.g.get(node, {}).get(p, [])

    def one(self, node: Term, p: str) -> Term | None:
        found = self.values(node, p)
        if len(found) > 1:
            raise ConfigError(f"shape {node} has {len(found)} values of {p}; SHACL allows one")
        return found[0] if found else None

    def messages(self, node: Term) -> tuple[str, ...]:
        return tuple(literal_parts(m)[0] for m in self.values(node, SH.message) if is_literal(m))

    def rdf_list(self, head: Term) -> list[Term]:
        items: list[Term] = []
        while head != NIL:
            first = self.one(head, RDF.first)
            if first is None:
                raise ConfigError(f"malformed RDF list at {head} in the shapes graph")
            items.append(first)
            head = self.one(head, RDF.rest) or NIL
        return items

    def _top_shapes(self) -> list[Term]:
        target_keys = {SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf}
        found = []
        for node, props in self.g.items():
            types = {t[1:-1] for t in props.get(RDF.type, []) if is_iri(t)}
            if target_keys & props.keys() or types & _SHAPE_TYPES:
                found.append(node)
        return sorted(found, key=str)

    def shape(self, node: Term) -> Shape:
        """Compile the shape at ``node`` (memoised: shapes may be shared and recursive)."""
        if node in self.shapes:
            return self.shapes[node]
        props = self.g.get(node, {})
        unknown = sorted(p for p in props if p.startswith(SH.iri) and p not in _KNOWN)
        if unknown:
            raise ConfigError(f"shape {node} uses {', '.join(unknown)}, which the native engine does not implement",
                              hint="validate with --engine pyshacl")
        shape = Shape(node)
        self.shapes[node] = shape
        path = self.one(node, SH.path)
        if path is not None:
            shape.path, shape.path_term = self.compile_path(path), path
        severity = self.one(node, SH.severity)
        shape.severity = severity[1:-1] if severity is not None and is_iri(severity) else SH.Violation
        shape.messages = self.messages(node)
        shape.deactivated = self.one(node, SH.deactivated) == TRUE
        types = {t[1:-1] for t in self.values(node, RDF.type) if is_iri(t)}
        if types & {RDFS.Class, OWL.Class} and is_iri(node):
            shape.targets.append(("class", node))
        for key, kind in ((SH.targetClass, "class"), (SH.targetNode, "node"), (SH.targetSubjectsOf, "subjectsOf"),
                          (SH.targetObjectsOf, "objectsOf")):
            shape.targets += [(kind, t) for t in self.values(node, key)]
            if kind in ("subjectsOf", "objectsOf"):
                self.predicates.update(t for t in self.values(node, key) if is_iri(t))
        self.compile_constraints(shape, props)
        return shape

    def compile_path(self, term: Term) -> Path:
        if is_iri(term):
            self.predicates.add(term)
            return ("p", term)
        if self.one(term, RDF.first) is not None:
            return ("seq", [self.compile_path(t) for t in self.rdf_list(term)])
        for key, kind in ((SH.alternativePath, "alt"), (SH.inversePath, "inv"), (SH.zeroOrMorePath, "zom"),
                          (SH.oneOrMorePath, "oom"), (SH.zeroOrOnePath, "zoo")):
            inner = self.one(term, key)
            if inner is None:
                continue
            if kind == "alt":
                return ("alt", [self.compile_path(t) for t in self.rdf_list(inner)])
            compiled = self.compile_path(inner)
            if kind == "inv":
                if compiled[0] != "p":
                    raise ConfigError(f"inverse of a complex path at {term}: not implemented by the native engine",
                                      hint="validate with --engine pyshacl")
                self.inverse_predicates.add(compiled[1])
            return (kind, compiled)
        raise ConfigError(f"malformed SHACL path at {term}")

    # -- constraints ---------------------------------------------------------------------------------------------
    def compile_constraints(self, shape: Shape, props: dict[str, list[Term]]) -> None:
        one = props.get  # every parameter below is single-valued unless SHACL says otherwise

        def single(p: str) -> Term | None:
            return self.one(shape.node, p) if p in props else None

        def integer(p: str) -> int | None:
            v = single(p)
            return int(literal_parts(v)[0]) if v is not None and is_literal(v) else None

        def each(component: str, ok: Callable[[Term], bool]) -> None:
            """A constraint checked value node by value node, reported with the failing value."""
            iri = SH[component]

            def check(focus: Term, values: list[Term], out: list[Violation] | None) -> bool:
                good = True
                for v in values:
                    if not ok(v):
                        good = False
                        if out is None:
                            return False
                        out.append(self.violation(shape, focus, iri, v))
                return good
            shape.checks.append(check)

        def whole(component: str, ok: Callable[[Term, list[Term]], bool]) -> None:
            """A constraint on the set of value nodes, reported without a value."""
            iri = SH[component]

            def check(focus: Term, values: list[Term], out: list[Violation] | None) -> bool:
                if ok(focus, values):
                    return True
                if out is not None:
                    out.append(self.violation(shape, focus, iri))
                return False
            shape.checks.append(check)

        def count_at_least(n: int, _: Term, vs: list[Term]) -> bool:
            return len(vs) >= n

        def count_at_most(n: int, _: Term, vs: list[Term]) -> bool:
            return len(vs) <= n

        def has_value(h: Term, _: Term, vs: list[Term]) -> bool:
            return h in vs

        def instance_of(c: Term, v: Term) -> bool:
            return not is_literal(v) and self.index().is_instance(v, c)

        def shape_test(test: Callable[[Iterable[bool]], bool | int], parts: list[Shape], v: Term) -> bool:
            return bool(test(self.conforms(s, v) for s in parts))

        if (n := integer(SH.minCount)) is not None:
            whole("MinCountConstraintComponent", partial(count_at_least, n))
        if (n := integer(SH.maxCount)) is not None:
            whole("MaxCountConstraintComponent", partial(count_at_most, n))
        for cls in one(SH["class"], []):
            each("ClassConstraintComponent", partial(instance_of, cls))
        if (dt := single(SH.datatype)) is not None:
            each("DatatypeConstraintComponent", partial(_has_datatype, datatype=dt[1:-1]))
        if (kind := single(SH.nodeKind)) is not None:
            if kind[1:-1] not in _NODE_KINDS:
                raise ConfigError(f"unknown sh:nodeKind {kind} on shape {shape.node}")
            each("NodeKindConstraintComponent", partial(_kind_in, allowed=_NODE_KINDS[kind[1:-1]]))
        if (n := integer(SH.minLength)) is not None:
            each("MinLengthConstraintComponent", partial(_length_in, least=n, most=None))
        if (n := integer(SH.maxLength)) is not None:
            each("MaxLengthConstraintComponent", partial(_length_in, least=None, most=n))
        for pattern in one(SH.pattern, []):
            flags = single(SH.flags)
            regex = re.compile(literal_parts(pattern)[0], _regex_flags(literal_parts(flags)[0] if flags else ""))
            each("PatternConstraintComponent", partial(_matches, regex=regex))
        if (langs := single(SH.languageIn)) is not None:
            ranges = [literal_parts(r)[0].lower() for r in self.rdf_list(langs)]
            each("LanguageInConstraintComponent", partial(_lang_in, ranges=ranges))
        if single(SH.uniqueLang) == TRUE:
            shape.checks.append(self.unique_lang(shape))
        if (members := single(SH["in"])) is not None:
            each("InConstraintComponent", frozenset(self.rdf_list(members)).__contains__)
        for has in one(SH.hasValue, []):
            whole("HasValueConstraintComponent", partial(has_value, has))
        for p in one(SH.equals, []):
            shape.checks.append(self.pair(shape, "EqualsConstraintComponent", p, equal=True))
        for p in one(SH.disjoint, []):
            shape.checks.append(self.pair(shape, "DisjointConstraintComponent", p, equal=False))
        for other in one(SH["not"], []):
            each("NotConstraintComponent", partial(shape_test, lambda found: not any(found), [self.shape(other)]))
        for head in one(SH["and"], []):
            each("AndConstraintComponent", partial(shape_test, all, [self.shape(t) for t in self.rdf_list(head)]))
        for head in one(SH["or"], []):
            each("OrConstraintComponent", partial(shape_test, any, [self.shape(t) for t in self.rdf_list(head)]))
        for head in one(SH.xone, []):
            each("XoneConstraintComponent", partial(shape_test, lambda found: sum(found) == 1,
                                                    [self.shape(t) for t in self.rdf_list(head)]))
        for other in one(SH.node, []):
            each("NodeConstraintComponent", partial(shape_test, all, [self.shape(other)]))
        for qualified in one(SH.qualifiedValueShape, []):
            shape.checks.append(self.qualified(shape, qualified, integer(SH.qualifiedMinCount),
                                               integer(SH.qualifiedMaxCount)))
        for prop in one(SH.property, []):
            compiled = self.shape(prop)
            if not is_iri(prop):
                self.parent.setdefault(prop, shape.node)
            shape.properties.append(compiled)
        for constraint in one(SH.sparql, []):
            shape.sparql.append(self.sparql_constraint(shape, constraint))

    def violation(self, shape: Shape, focus: Term, component: str, value: Term | None = None) -> Violation:
        path = shape.path_term if shape.path_term is not None and is_iri(shape.path_term) else None
        return Violation(focus, component, shape.node, shape.severity, shape.messages, path, value)

    def unique_lang(self, shape: Shape) -> Callable[[Term, list[Term], list[Violation] | None], bool]:
        def check(focus: Term, values: list[Term], out: list[Violation] | None) -> bool:
            seen: dict[str, int] = {}
            for v in values:
                lang = literal_parts(v)[1].lower() if is_literal(v) else ""
                if lang:
                    seen[lang] = seen.get(lang, 0) + 1
            duplicated = [lang for lang, n in seen.items() if n > 1]
            if out is not None:
                out += [self.violation(shape, focus, SH.UniqueLangConstraintComponent) for _ in duplicated]
            return not duplicated
        return check

    def pair(self, shape: Shape, component: str, other: str,
             equal: bool) -> Callable[[Term, list[Term], list[Violation] | None], bool]:
        self.predicates.add(other)

        def check(focus: Term, values: list[Term], out: list[Violation] | None) -> bool:
            theirs = self.index().objects(focus, other)
            bad = ([v for v in values if v not in theirs] + [v for v in theirs if v not in values]) if equal \
                else [v for v in values if v in theirs]
            if out is not None:
                out += [self.violation(shape, focus, SH[component], v) for v in bad]
            return not bad
        return check

    def qualified(self, shape: Shape, qualified: Term, least: int | None,
                  most: int | None) -> Callable[[Term, list[Term], list[Violation] | None], bool]:
        target = self.shape(qualified)
        disjoint_flag = self.one(shape.node, SH.qualifiedValueShapesDisjoint)
        siblings: list[Shape] = []
        if disjoint_flag == TRUE:
            for props in self.g.values():
                if shape.node in props.get(SH.property, []):
                    for sib in props[SH.property]:
                        for q in self.values(sib, SH.qualifiedValueShape):
                            if q != qualified:
                                siblings.append(self.shape(q))

        def check(focus: Term, values: list[Term], out: list[Violation] | None) -> bool:
            n = sum(1 for v in values if self.conforms(target, v) and not any(self.conforms(s, v) for s in siblings))
            problems = []
            if least is not None and n < least:
                problems.append(SH.QualifiedMinCountConstraintComponent)
            if most is not None and n > most:
                problems.append(SH.QualifiedMaxCountConstraintComponent)
            if out is not None:
                out += [self.violation(shape, focus, c) for c in problems]
            return not problems
        return check

    def sparql_constraint(self, shape: Shape, node: Term) -> SparqlConstraint:
        unknown = sorted(p for p in self.g.get(node, {}) if p.startswith(SH.iri)
                         and p not in {SH.select, SH.message, SH.prefixes, SH.deactivated})
        select = self.one(node, SH.select)
        if unknown or select is None or not is_literal(select):
            raise ConfigError(f"SPARQL constraint {node}: only sh:select (+ sh:message, sh:prefixes) is implemented"
                              " by the native engine", hint="validate with --engine pyshacl")
        text = literal_parts(select)[0]
        for var in ("$PATH", "$shapesGraph", "$currentShape"):
            if var in text:
                raise ConfigError(f"SPARQL constraint {node} uses {var}: not implemented by the native engine",
                                  hint="validate with --engine pyshacl")
        prefixes = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in self.declared_prefixes(node))
        head = text.split("{", 1)[0]
        projects_this = bool(re.search(r"[?$]this\b", head)) or re.search(r"SELECT\s+(DISTINCT\s+)?\*", head,
                                                                           re.I) is not None
        messages = self.messages(node) or shape.messages
        return SparqlConstraint(node, prefixes + text, messages, projects_this)

    def declared_prefixes(self, node: Term) -> list[tuple[str, str]]:
        out = []
        for ontology in self.values(node, SH.prefixes):
            for decl in self.values(ontology, SH.declare):
                prefix, ns = self.one(decl, SH.prefix), self.one(decl, SH.namespace)
                if prefix is not None and ns is not None:
                    out.append((literal_parts(prefix)[0], literal_parts(ns)[0]))
        return out

    # -- evaluation -----------------------------------------------------------------------------------------------
    def index(self) -> Index:
        if self.data is None:
            raise RuntimeError("no data graph: call validate() first")
        return self.data

    def value_nodes(self, path: Path, focus: Term) -> list[Term]:
        kind, arg = path
        data = self.index()
        if kind == "p":
            return data.objects(focus, arg)
        if kind == "inv":
            return data.subjects(arg[1], focus)
        if kind == "alt":
            return list(dict.fromkeys(v for p in arg for v in self.value_nodes(p, focus)))
        if kind == "seq":
            current = [focus]
            for p in arg:
                current = list(dict.fromkeys(v for node in current for v in self.value_nodes(p, node)))
            return current
        if kind == "zoo":
            return list(dict.fromkeys([focus, *self.value_nodes(arg, focus)]))
        seen: dict[Term, None] = {focus: None} if kind == "zom" else {}
        todo = [focus]
        while todo:
            for v in self.value_nodes(arg, todo.pop()):
                if v not in seen:
                    seen[v] = None
                    todo.append(v)
        return list(seen)

    def check(self, shape: Shape, focus: Term, out: list[Violation] | None, with_sparql: bool = True) -> bool:
        """Validate ``focus`` against ``shape``; collect results into ``out``, or stop at the first if None.

        ``with_sparql=False`` leaves the shape's own SPARQL constraints to the caller (run once for all nodes).
        """
        if shape.deactivated:
            return True
        values = [focus] if shape.path is None else self.value_nodes(shape.path, focus)
        good = True
        for check in shape.checks:
            if not check(focus, values, out):
                good = False
                if out is None:
                    return False
        for prop in shape.properties:
            for v in values:
                if not self.check(prop, v, out):
                    good = False
                    if out is None:
                        return False
        for constraint in shape.sparql if with_sparql else ():
            found = self.run_sparql(shape, constraint, [focus])
            if found:
                good = False
                if out is None:
                    return False
                out += found
        return good

    def conforms(self, shape: Shape, node: Term) -> bool:
        return self.check(shape, node, None)

    def focus_nodes(self, shape: Shape) -> list[Term]:
        data = self.index()
        found: list[Term] = []
        for kind, t in shape.targets:
            if kind == "class":
                found += data.instances(t)
            elif kind == "node":
                found.append(t)
            elif kind == "subjectsOf":
                found += list(data.out.get(t, {}))
            else:
                found += [o for objects in data.out.get(t, {}).values() for o in objects]
        return list(dict.fromkeys(found))

    def run_sparql(self, shape: Shape, constraint: SparqlConstraint, focus_nodes: Sequence[Term]) -> list[Violation]:
        """The results of a SPARQL-based constraint for ``focus_nodes``, pyshacl's way (deduplicated per focus)."""
        store = self.store
        if store is None:
            raise RuntimeError("no SPARQL store: call validate() first")
        rows: list[dict[str, Term]] = []
        if constraint.projects_this and len(focus_nodes) > 1:  # once, joined to the focus nodes
            wanted = set(focus_nodes)
            rows = [row for row in _solutions(store, constraint.query, None, self.union) if row.get("this") in wanted]
        else:  # pre-bound, one query per focus node
            for f in focus_nodes:
                rows += [{**row, "this": f}
                         for row in _solutions(store, constraint.query, {Variable("this"): to_oxigraph(f)}, self.union)]
        out: list[Violation] = []
        seen: set[tuple[tuple[str, Term], ...]] = set()
        for bound in rows:
            key = tuple(sorted(bound.items()))
            if key in seen:
                continue
            seen.add(key)
            f = bound["this"]
            path = bound.get("path") if is_iri(bound.get("path", "")) else (
                shape.path_term if shape.path_term is not None and is_iri(shape.path_term) else None)
            value = bound.get("value", f if shape.path is None else None)
            messages = tuple(_fill(m, bound) for m in constraint.messages)
            out.append(Violation(f, SH.SPARQLConstraintComponent, shape.node, shape.severity, messages, path, value))
        return out

    def validate(self, rows: Sequence[Row], store: Callable[[], Store] | None = None,
                 focus: set[Term] | None = None) -> list[Violation]:
        """Every result of the shapes over the data graph (only for the focus nodes in ``focus``, when given).

        ``rows`` are the data graph's triples. ``store`` returns a pyoxigraph store of the same triples for the
        SPARQL-based constraints, asked for only after the core constraints ran (so it can be loading on the
        other core meanwhile); without it one is loaded from ``rows`` when needed.
        """
        self.data = Index(rows, self.predicates | self.inverse_predicates)
        out: list[Violation] = []
        pending: list[tuple[Shape, list[Term]]] = []
        try:
            for shape in self.top:
                nodes = self.focus_nodes(shape)
                if focus is not None:
                    nodes = [n for n in nodes if n in focus]
                for node in nodes:
                    self.check(shape, node, out, with_sparql=False)
                if shape.sparql:
                    pending.append((shape, nodes))
            if pending:
                if store is not None:
                    self.store = store()
                else:
                    self.store = Store()
                    self.store.load("".join(f"{s} {p} {o} .\n" for s, p, o in rows).encode("utf-8"),
                                    format=RdfFormat.N_TRIPLES)
                for shape, nodes in pending:
                    for constraint in shape.sparql:  # once for all focus nodes
                        out += self.run_sparql(shape, constraint, nodes)
            return out
        finally:
            self.release()

    def release(self) -> None:
        """Let go of the data graph (its index is the size of the data) once the results are out."""
        self.data = self.store = None

    def validate_nodes(self, index: Index, nodes: Iterable[Term], store: Store) -> list[Violation]:
        """Every result whose focus node is one of ``nodes`` (their targets decided node by node), over
        ``index``; SPARQL-based constraints are pre-bound per focus node and query ``store``'s union graph."""
        self.data, self.store, self.union = index, store, True
        out: list[Violation] = []
        try:
            for node in nodes:
                for shape in self.top:
                    if self.targets(shape, node):
                        self.check(shape, node, out)
            return out
        finally:
            self.release()

    def targets(self, shape: Shape, node: Term) -> bool:
        index = self.index()
        for kind, t in shape.targets:
            if kind == "class" and not is_literal(node) and index.is_instance(node, t):
                return True
            if (kind == "node" and node == t) or (kind == "subjectsOf" and index.objects(node, t)) or (
                    kind == "objectsOf" and index.subjects(t, node)):
                return True
        return False

    def reach(self) -> int:
        """How many links away from a focus node lie the subjects of the triples its validation reads, at most.

        A path of length L reads triples up to L links away (an inverse path's triples have the value node as
        subject); a constraint reading a value node's triples (``sh:class``, a shape applied to it) adds the
        value's own reach; SHACL-SPARQL constraints are taken to follow one link from ``$this`` (as ours do).
        """
        def depth(shape: Shape, seen: frozenset[int]) -> int:
            if id(shape) in seen:
                return 99  # recursive shapes: unbounded
            seen = seen | {id(shape)}
            hops = self._path_length(shape.path) if shape.path is not None else 0
            inner = [hops + depth(s, seen) for s in self._nested(shape)]
            return max([hops, hops if self._reads_values(shape) else 0, 1 if shape.sparql else 0, *inner])
        return max((depth(s, frozenset()) for s in self.top), default=0)

    def _path_length(self, path: Path) -> int:
        kind, arg = path
        if kind in ("p", "inv"):
            return 1
        if kind == "alt":
            return max(self._path_length(p) for p in arg)
        if kind == "seq":
            return sum(self._path_length(p) for p in arg)
        return 99  # zero/one-or-more: unbounded

    def _nested(self, shape: Shape) -> list[Shape]:
        found = list(shape.properties)
        for p in (SH["not"], SH["and"], SH["or"], SH.xone, SH.node, SH.qualifiedValueShape):
            for v in self.values(shape.node, p):
                found += [self.shape(t) for t in (self.rdf_list(v) if p in (SH["and"], SH["or"], SH.xone) else [v])]
        return found

    def _reads_values(self, shape: Shape) -> bool:
        """Whether a constraint of ``shape`` reads its value nodes' triples (sh:class, equals/disjoint)."""
        props = self.g.get(shape.node, {})
        return any(p in props for p in (SH["class"], SH.equals, SH.disjoint))

    def source_shape(self, node: Term) -> Term:
        """The IRI that names a result's source shape: its own, or its node shape's for an anonymous one."""
        return node if is_iri(node) else self.parent.get(node, node)


_NODE_KINDS: dict[str, tuple[str, ...]] = {
    SH.IRI: ("iri",), SH.BlankNode: ("blank",), SH.Literal: ("literal",),
    SH.BlankNodeOrIRI: ("blank", "iri"), SH.BlankNodeOrLiteral: ("blank", "literal"),
    SH.IRIOrLiteral: ("iri", "literal"),
}


def _kind(term: Term) -> str:
    return "iri" if is_iri(term) else "literal" if is_literal(term) else "blank"


def _has_datatype(v: Term, datatype: str) -> bool:
    if not is_literal(v):
        return False
    lexical, language, actual = literal_parts(v)
    if datatype == RDF.langString:
        return bool(language)
    return actual == datatype and well_formed(lexical, datatype)


def _kind_in(v: Term, allowed: tuple[str, ...]) -> bool:
    return _kind(v) in allowed


def _length_in(v: Term, least: int | None, most: int | None) -> bool:
    if is_blank(v):
        return False
    n = len(string_value(v))
    return (least is None or n >= least) and (most is None or n <= most)


def _matches(v: Term, regex: re.Pattern[str]) -> bool:
    return not is_blank(v) and regex.search(string_value(v)) is not None


def _lang_in(v: Term, ranges: list[str]) -> bool:
    tag = literal_parts(v)[1].lower() if is_literal(v) else ""
    return bool(tag) and any(r == "*" or tag == r or tag.startswith(r + "-") for r in ranges)


def _regex_flags(flags: str) -> int:
    out = 0
    for f, bit in (("i", re.I), ("m", re.M), ("s", re.S), ("x", re.X)):
        if f in flags:
            out |= bit
    return out


Bindable = NamedNode | BlankNode | Literal | Triple


def _solutions(store: Store, query: str, substitutions: dict[Variable, Bindable] | None = None,
               union: bool = False) -> list[dict[str, Term]]:
    solutions = store.query(query, substitutions=substitutions, use_default_graph_as_union=union)
    names = [v.value for v in solutions.variables]  # type: ignore[union-attr]
    return [{n: str(t) for n, t in zip(names, row, strict=True) if t is not None} for row in solutions]  # type: ignore[union-attr]


def _fill(message: str, bound: dict[str, Term]) -> str:
    """``{$this}`` / ``{?var}`` in a SPARQL constraint's message, replaced by the solution's bindings."""
    return re.sub(r"\{[$?](\w+)\}", lambda m: bound.get(m.group(1), m.group(0)), message)
