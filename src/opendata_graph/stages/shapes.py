"""SHACL: the shapes graph read file by file, checked before anything is validated, and run by an engine.

Reading (:func:`read`) fails closed: a missing or empty shapes directory, a file that does not parse, a graph with
no shapes or a shape SHACL forbids is a :class:`~opendata_graph.core.errors.ConfigError` (exit 2) at the shapes file
and line, naming the shape by its IRI or, for an anonymous property shape, by its enclosing shape and path
(``shapes:Dataset / dcterms:license``) -- every problem at once, never "conforms".

Engines (:data:`ENGINES`):

* ``shacl`` (default) -- the PyPI package ``shacl`` (Rust, pinned in pyproject.toml): the W3C SHACL Core and
  SHACL-SPARQL suites pass (``tests/test_w3c_shacl.py``), and it is the fastest and leanest engine measured
  (docs/libraries.md: the performance baseline). Two gaps are closed here: SPARQL queries SHACL forbids are refused
  before validation (:func:`forbidden_sparql`), and the lexical space of every XSD datatype is decided by
  :mod:`opendata_graph.stages.xsd` -- a literal outside it is handed to the engine with a datatype of its own, so
  ``sh:datatype`` reports it exactly as a wrong datatype, and the results name the original literal.
* ``pyshacl`` -- the independent reference, compared with the default on the W3C suite and on generated data.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from pyoxigraph import RdfFormat, parse

from ..core.errors import ConfigError, ErrorList, Location, OdgError
from ..core.namespaces import OWL, RDF, RDFS, SH, XSD, curie
from ..core.terms import Row, is_blank, is_iri, is_literal, literal_parts
from .options import DEFAULT_ENGINE, ENGINES
from .xsd import CHECKS

#: Where a literal outside its datatype's lexical space goes for the engine (the original IRI follows).
ILL_FORMED = "urn:odg:ill-formed:"
_PRE_BOUND = {"this", "shapesGraph", "currentShape"}
_SHAPE_TYPES = {f"<{SH.NodeShape}>", f"<{SH.PropertyShape}>"}
_TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)
#: The predicates of SHACL 1.0 (Core, SHACL-SPARQL, non-validating properties, the report vocabulary). Anything
#: else in the sh: namespace -- a typo such as sh:minCont, or SHACL Advanced Features such as sh:rule -- would be
#: ignored by an engine, so it is refused.
_SHACL_NAMES = (
    "targetClass targetNode targetObjectsOf targetSubjectsOf property path inversePath alternativePath zeroOrMorePath "
    "oneOrMorePath zeroOrOnePath class datatype nodeKind minCount maxCount minExclusive minInclusive maxExclusive "
    "maxInclusive minLength maxLength pattern flags languageIn uniqueLang equals disjoint lessThan lessThanOrEquals "
    "not and or xone node qualifiedValueShape qualifiedMinCount qualifiedMaxCount qualifiedValueShapesDisjoint closed "
    "ignoredProperties hasValue in severity message deactivated name description order group defaultValue sparql "
    "select ask prefixes declare prefix namespace parameter optional validator nodeValidator propertyValidator "
    "labelTemplate shapesGraph suggestedShapesGraph entailment conforms result focusNode resultPath value sourceShape "
    "sourceConstraintComponent sourceConstraint resultSeverity resultMessage detail shapesGraphWellFormed"
)
SHACL_PREDICATES = frozenset(SH[x] for x in _SHACL_NAMES.split())
_BACKWARDS = re.compile(r"[?$]\w+\s+(?![Aa][Ss]\b)\S+\s+[?$](this|value)\b|\^")


def _backwards(query: str) -> bool:
    """Whether a SPARQL constraint may read links pointing at ``$this`` (``?x ?p $this``, an inverse path ``^p``):
    then it reads beyond the triples of ``$this`` and of its objects."""
    return _BACKWARDS.search(re.sub(r'"[^"]*"|\'[^\']*\'|#[^\n]*', "", query)) is not None


_POSITION = re.compile(r"line (\d+)(?: between columns (\d+)|,? column (\d+))?")


@dataclass(frozen=True)
class Violation:
    """One validation result; terms in N-Triples form, ``shape``/``path`` terms of the shapes graph."""

    focus: str
    component: str  #: the constraint component's IRI
    shape: str  #: the source shape (a blank node of the shapes graph for an anonymous property shape)
    severity: str  #: sh:Violation, sh:Warning or sh:Info (IRI)
    messages: tuple[str, ...] = ()  #: literal terms, with their language
    path: str | None = None  #: the result path in SPARQL property-path syntax (IRIs in full: ``<p>``, ``^<p>``...)
    value: str | None = None


@dataclass
class ShapesGraph:
    """The union of the shapes files, with where each subject was written."""

    triples: list[Row] = field(default_factory=list)
    lines: dict[str, Location] = field(default_factory=dict)

    @cached_property
    def g(self) -> dict[str, dict[str, list[str]]]:
        out: dict[str, dict[str, list[str]]] = {}
        for s, p, o in self.triples:
            out.setdefault(s, {}).setdefault(p[1:-1], []).append(o)
        return out

    def values(self, node: str, p: str) -> list[str]:
        return self.g.get(node, {}).get(p, [])

    @cached_property
    def parent(self) -> dict[str, str]:
        """Each property shape -> the shape holding it with ``sh:property``."""
        return {o: s for s, p, o in self.triples if p == f"<{SH.property}>"}

    @cached_property
    def shapes(self) -> list[str]:
        """Every node that is a shape: typed, targeted, or the value of sh:property/sh:node/... ."""
        found = set()
        for s, props in self.g.items():
            if _SHAPE_TYPES & set(props.get(RDF.type, [])) or any(t in props for t in _TARGETS):
                found.add(s)
        for _, p, o in self.triples:
            if p[1:-1] in (SH.property, SH.node, SH["not"], SH.qualifiedValueShape):
                found.add(o)
        return sorted(found)

    def named(self, node: str) -> str:
        """The nearest IRI at or above a shape (walking ``sh:property`` up)."""
        seen = set()
        while is_blank(node) and node in self.parent and node not in seen:
            seen.add(node)
            node = self.parent[node]
        return node

    def name(self, node: str) -> str:
        """A shape as a curator reads it: ``shapes:Dataset``, or ``shapes:Dataset / dcterms:license``."""
        if is_iri(node):
            return curie(node[1:-1])
        root = self.named(node)
        path = self.values(node, SH.path)
        where = curie(root[1:-1]) if is_iri(root) else "an anonymous shape"
        return f"{where} / {path_text(self, path[0], curies=True)}" if path else where

    def location(self, node: str) -> Location:
        return self.lines.get(node) or self.lines.get(self.named(node)) or Location("<shapes>")

    def rdf_list(self, head: str) -> list[str]:
        items, seen = [], set()
        while head != f"<{RDF.nil}>" and head not in seen:
            seen.add(head)
            first = self.values(head, RDF.first)
            if not first:
                break
            items.append(first[0])
            head = (self.values(head, RDF.rest) or [f"<{RDF.nil}>"])[0]
        return items

    def describe(self, node: str) -> Iterator[Row]:
        """The triples of ``node`` and, recursively, of the blank nodes it reaches (its concise description)."""
        todo, seen = [node], set()
        while todo:
            n = todo.pop()
            if n in seen:
                continue
            seen.add(n)
            for p, objects in self.g.get(n, {}).items():
                for o in objects:
                    yield n, f"<{p}>", o
                    if is_blank(o):
                        todo.append(o)

    def ntriples(self, rewrite: dict[str, str] | None = None) -> str:
        rewrite = rewrite or {}
        return "".join(f"{s} {p} {rewrite.get(o, o)} .\n" for s, p, o in self.triples)


def reach(shapes: ShapesGraph) -> int:
    """How many links from a focus node lie, at most, the subjects of the triples its validation reads.

    A path of length L reads triples up to L links away (an inverse path's triples have the value node as
    subject); a shape applied to the value nodes adds its own reach; SPARQL-based constraints and components
    are taken to follow one link from ``$this`` (as ours do). ``*`` and ``+`` paths and recursion: unbounded.
    Incremental validation (:mod:`opendata_graph.incremental`) is sound for shapes of reach 1.
    """
    unbounded = 99

    def length(node: str, depth: int = 0) -> int:
        if is_iri(node) or depth > 20:
            return 1 if is_iri(node) else unbounded
        if shapes.values(node, RDF.first):
            return sum(length(x, depth + 1) for x in shapes.rdf_list(node))
        if shapes.values(node, SH.inversePath):
            return length(shapes.values(node, SH.inversePath)[0], depth + 1)
        if shapes.values(node, SH.alternativePath):
            return max((length(x, depth + 1) for x in shapes.rdf_list(shapes.values(node, SH.alternativePath)[0])),
                       default=0)
        if shapes.values(node, SH.zeroOrOnePath):
            return length(shapes.values(node, SH.zeroOrOnePath)[0], depth + 1)
        return unbounded

    def nested(node: str) -> list[str]:
        found = list(shapes.values(node, SH.property))
        for p in (SH.node, SH["not"], SH.qualifiedValueShape):
            found += shapes.values(node, p)
        for p in (SH["and"], SH["or"], SH.xone):
            for head in shapes.values(node, p):
                found += shapes.rdf_list(head)
        return found

    components = {s for s, p, o in shapes.triples if p == f"<{RDF.type}>" and o == f"<{SH.ConstraintComponent}>"}
    custom = {f"<{p}>" for c in components for param in shapes.values(c, SH.parameter)
              for p in (x[1:-1] for x in shapes.values(param, SH.path))}

    def depth(node: str, seen: frozenset[str]) -> int:
        if node in seen:
            return unbounded
        seen = seen | {node}
        hops = max((length(p) for p in shapes.values(node, SH.path)), default=0)
        props = shapes.g.get(node, {})
        local = 1 if SH.sparql in props or custom & {f"<{p}>" for p in props} else 0
        if local and any(_backwards(q) for q in _queries_of(node)):
            return unbounded
        return max([hops, local, *(hops + depth(n, seen) for n in nested(node))])

    def _queries_of(node: str) -> list[str]:
        holders = list(shapes.values(node, SH.sparql))
        holders += [v for c in components for k in (SH.validator, SH.nodeValidator, SH.propertyValidator)
                    for v in shapes.values(c, k)]
        return [literal_parts(q)[0] for h in holders for k in (SH.select, SH.ask) for q in shapes.values(h, k)]

    top = [s for s in shapes.shapes if any(t in shapes.g.get(s, {}) for t in _TARGETS)
           or f"<{RDFS.Class}>" in shapes.values(s, RDF.type)]
    return max((depth(s, frozenset()) for s in top), default=0)


def inverse_predicates(shapes: ShapesGraph) -> set[str] | None:
    """The predicates a validation follows backwards (inverse paths, ``sh:targetObjectsOf``), as IRIs; None when
    an inverse path is complex (an inverse of a sequence...), which incremental validation does not follow."""
    found = {o[1:-1] for s, p, o in shapes.triples if p[1:-1] == SH.targetObjectsOf and is_iri(o)}
    for _, p, o in shapes.triples:
        if p[1:-1] == SH.inversePath:
            if not is_iri(o):
                return None
            found.add(o[1:-1])
    return found


def path_text(shapes: ShapesGraph, node: str, curies: bool = False) -> str:
    """A SHACL path in SPARQL property-path syntax."""
    def term(t: str) -> str:
        return curie(t[1:-1]) if curies else t

    def text(n: str, depth: int = 0) -> str:
        if depth > 50:
            return "…"
        if is_iri(n):
            return term(n)
        if shapes.values(n, RDF.first):
            return "(" + "/".join(text(x, depth + 1) for x in shapes.rdf_list(n)) + ")"
        for key, fmt in ((SH.inversePath, "^{}"), (SH.zeroOrMorePath, "({})*"), (SH.oneOrMorePath, "({})+"),
                         (SH.zeroOrOnePath, "({})?")):
            inner = shapes.values(n, key)
            if inner:
                return fmt.format(text(inner[0], depth + 1))
        alternatives = shapes.values(n, SH.alternativePath)
        if alternatives:
            return "(" + "|".join(text(x, depth + 1) for x in shapes.rdf_list(alternatives[0])) + ")"
        return n
    return text(node)


# -- reading --------------------------------------------------------------------------------------------------

def turtle_files(directory: Path, what: str) -> list[Path]:
    """The ``*.ttl`` files of a directory that must have some, else a :class:`ConfigError` naming it."""
    if not directory.is_dir():
        raise ConfigError(f"{what} directory {directory} not found", Location.of(directory),
                          f"pass --{what} DIR, or reinstall opendata-graph if its own {what} are missing")
    files = sorted(p for p in directory.glob("*.ttl") if p.is_file())
    if not files:
        raise ConfigError(f"no {what} (*.ttl) in {directory}", Location.of(directory),
                          f"a {what} directory holds Turtle files")
    return files


def parse_turtle(path: Path) -> list[Row]:
    """One Turtle file's triples, or a :class:`ConfigError` at the parser's line and column."""
    try:
        data = path.read_bytes()
        return [(str(t.subject), str(t.predicate), str(t.object))
                for t in parse(data, format=RdfFormat.TURTLE, base_iri=path.resolve().as_uri())]
    except OSError as exc:
        raise ConfigError(f"cannot read: {exc.strerror}", Location.of(path)) from None
    except (SyntaxError, ValueError) as exc:
        found = _POSITION.search(str(exc))
        line = int(found.group(1)) if found else 0
        col = int(found.group(2) or found.group(3) or 0) + (1 if found and found.group(2) else 0) if found else 0
        raise ConfigError(f"Turtle syntax: {str(exc).split(': ', 1)[-1]}", Location.of(path, line, col)) from None


def subject_lines(path: Path, triples: Sequence[Row]) -> dict[str, int]:
    """The first line on which each subject IRI is written (full, prefixed or relative form) -- best effort."""
    text = path.read_text(encoding="utf-8").splitlines()
    subjects = {s[1:-1] for s, _, _ in triples if s.startswith("<")}
    prefixes: dict[str, str] = {}
    base = ""
    for line in text[:200]:
        words = line.split()
        if len(words) >= 3 and words[0] in ("@prefix", "PREFIX"):
            prefixes[words[1].rstrip(":")] = words[2].strip("<>")
        elif len(words) >= 2 and words[0] in ("@base", "BASE"):
            base = words[1].strip("<>")
    if path.suffix == ".jsonld":
        import json

        context = json.loads("\n".join(text)).get("@context", {}) if text and text[0].startswith("{") else {}
        prefixes.update({k: v for k, v in context.items() if isinstance(v, str)} if isinstance(context, dict) else {})
    forms: dict[str, str] = {}
    for iri in subjects:
        forms[f"<{iri}>"] = iri
        forms[f'"{iri}"'] = iri  # JSON-LD "@id"
        if base and iri.startswith(base):
            forms[f"<{iri[len(base):]}>"] = iri
        for prefix, ns in prefixes.items():
            if iri.startswith(ns):
                forms[f"{prefix}:{iri[len(ns):]}"] = iri
                forms[f'"{prefix}:{iri[len(ns):]}"'] = iri
    found: dict[str, int] = {}
    for number, line in enumerate(text, 1):
        head = line.split(" ", 1)[0].strip(",:")
        written = forms.get(head) or forms.get(line.strip().split(" ", 1)[-1].strip(" ,") if '"@id"' in line else "")
        if written and written not in found:
            found[written] = number
    return found


def read(directory: Path, checked: bool = False) -> ShapesGraph:
    """Read and check the shapes of ``directory``; raises :class:`ErrorList` with every problem found.

    ``checked``: these exact files passed the checks before (the incremental cache's fingerprint says so), so
    the SPARQL check -- half a second for rdflib's parser -- is not run again.
    """
    return read_files(turtle_files(directory, "shapes"), directory, checked)


def read_files(files: Sequence[Path], where: Path, checked: bool = False) -> ShapesGraph:
    """Read and check the shapes graph made of ``files`` (each parsed on its own, so errors name their file)."""
    errors: list[OdgError] = []
    graph = ShapesGraph()
    for path in files:
        try:
            rows = parse_turtle(path)
        except ConfigError as exc:
            errors.append(exc)
            continue
        graph.triples += rows
        for subject, line in subject_lines(path, rows).items():
            graph.lines.setdefault(f"<{subject}>", Location.of(path, line))
    if not errors and not checked:
        errors += check(graph, where)
    if errors:
        raise ErrorList(errors)
    return graph


def check(graph: ShapesGraph, where: Path) -> list[OdgError]:
    """What SHACL forbids in a shapes graph, before any validation: no shapes, forbidden SPARQL."""
    if not graph.shapes:
        return [ConfigError(f"no SHACL shapes in {where}: nothing would be checked", Location.of(where),
                            "a shapes graph declares sh:NodeShape or sh:PropertyShape resources")]
    errors: list[OdgError] = []
    shapes = set(graph.shapes)
    for s, p, _ in graph.triples:  # on shapes only: a data graph given as the shapes graph may use sh: terms
        term = p[1:-1]
        if s in shapes and term.startswith(SH.iri) and term not in SHACL_PREDICATES:
            advanced = term.removeprefix(SH.iri) in {"rule", "target", "condition", "expression", "values", "this",
                                                    "filterShape", "nodes", "intersection", "union", "construct"}
            errors.append(ConfigError(
                f"{graph.name(s) if s in graph.g else s}: {curie(term)} is "
                + ("from SHACL Advanced Features, which the engine does not implement" if advanced
                   else "not a SHACL term (a typo?); an engine would ignore it"),
                graph.location(s), "use SHACL 1.0 Core and SHACL-SPARQL terms only"))
    for node, query, pre_bound in sparql_queries(graph):
        for problem in forbidden_sparql(query, pre_bound):
            errors.append(ConfigError(f"{graph.name(node)}: {problem}", graph.location(node),
                                      "SHACL 5.3.1.1 forbids it in SPARQL-based constraints"))
    return errors


def sparql_queries(graph: ShapesGraph) -> Iterator[tuple[str, str, set[str]]]:
    """Each SPARQL query of the shapes graph (constraints and component validators) with its shape, its text
    (prefixes declared) and its potentially pre-bound variables."""
    holders = {o: s for s, p, o in reversed(graph.triples)
               if p[1:-1] in (SH.sparql, SH.validator, SH.nodeValidator, SH.propertyValidator)}
    for s, p, o in graph.triples:
        key = p[1:-1]
        if key not in (SH.select, SH.ask) or not is_literal(o):
            continue
        owner = holders.get(s, s)
        params = {literal_parts(n)[0] if is_literal(n) else n.rsplit("#", 1)[-1].rsplit("/", 1)[-1].rstrip(">")
                  for param in graph.values(owner, SH.parameter) for n in graph.values(param, SH.path)}
        asked = {"value"} if key == SH.ask else set()  # an ASK validator's $value is pre-bound (SHACL 6.3.2)
        yield owner, prefixes(graph, s) + literal_parts(o)[0], _PRE_BOUND | params | asked


def prefixes(graph: ShapesGraph, node: str) -> str:
    out, seen = [], set()
    todo = list(graph.values(node, SH.prefixes))
    while todo:
        ontology = todo.pop()
        if ontology in seen:
            continue
        seen.add(ontology)
        todo += graph.values(ontology, OWL.imports)
        for decl in graph.values(ontology, SH.declare):
            prefix, ns = graph.values(decl, SH.prefix), graph.values(decl, SH.namespace)
            if prefix and ns:
                out.append(f"PREFIX {literal_parts(prefix[0])[0]}: <{literal_parts(ns[0])[0]}>\n")
    return "".join(sorted(set(out)))


def forbidden_sparql(query: str, pre_bound: set[str]) -> list[str]:
    """What a SPARQL-based constraint's query must not contain (SHACL 5.3.1.1), or why it does not parse."""
    from rdflib.plugins.sparql.parser import parseQuery

    try:
        tree = parseQuery(query.replace("$PATH", "<urn:odg:path>"))
    except Exception as exc:  # pyparsing's errors have no common base worth naming
        return [f"SPARQL syntax: {str(exc).splitlines()[0]}"]
    check = _SparqlCheck(pre_bound)
    check.walk(tree)
    return sorted(set(check.problems))


def _children(node: Any) -> list[Any]:
    """The children of a node of rdflib's SPARQL parse tree (CompValue: its values; lists and ParseResults)."""
    from rdflib.plugins.sparql.parserutils import CompValue

    if isinstance(node, CompValue):
        return list(node.values())
    if isinstance(node, (list, tuple)) or type(node).__name__ == "ParseResults":
        return list(node)
    return []


def _get(node: Any, key: str) -> Any:
    return node[key] if key in node else None  # noqa: SIM401 -- CompValue.get answers the key when missing


def _variables(node: Any) -> set[str]:
    """The variables in scope of a pattern (not looking inside FILTERs)."""
    if type(node).__name__ == "Variable":
        return {str(node)}
    if getattr(node, "name", None) == "Filter":
        return set()
    return set().union(*(_variables(v) for v in _children(node)))


class _SparqlCheck:
    """A walk of the parse tree collecting what SHACL 5.3.1.1 forbids, one method per kind of node."""

    def __init__(self, pre_bound: set[str]) -> None:
        self.pre_bound = pre_bound
        self.problems: list[str] = []

    def walk(self, node: Any) -> None:
        name = getattr(node, "name", None)
        if isinstance(name, str):
            self.visit(name, node)
        for child in _children(node):
            self.walk(child)

    def visit(self, name: str, node: Any) -> None:
        fixed = {"MinusGraphPattern": "MINUS is not allowed",
                 "ServiceGraphPattern": "SERVICE (a federated query) is not allowed",
                 "InlineData": "VALUES is not allowed"}
        if name in fixed:
            self.problems.append(fixed[name])
        elif name in ("SelectQuery", "AskQuery", "SubSelect") and _get(node, "valuesClause") is not None:
            self.problems.append("VALUES is not allowed")
        if name == "Bind" and str(_get(node, "var")) in self.pre_bound:
            self.problems.append(f"BIND(... AS ?{_get(node, 'var')}) assigns a pre-bound variable")
        elif name == "vars" and str(_get(node, "evar")) in self.pre_bound:
            self.problems.append(f"(... AS ?{_get(node, 'evar')}) assigns a pre-bound variable")
        elif name == "SubSelect":
            projection = _get(node, "projection")
            projected = {str(_get(v, "var") or _get(v, "evar")) for v in projection or []}
            in_scope = _variables(_get(node, "where")) if not projection else projected
            if "this" not in in_scope:
                self.problems.append("a nested SELECT must return ?this")


# -- running --------------------------------------------------------------------------------------------------

_TYPED = re.compile(r'\^\^<(' + re.escape(XSD.iri) + r'\w+)>$')


def ill_formed(terms: Iterable[str]) -> dict[str, str]:
    """Literals outside their XSD datatype's lexical space -> the same lexical form with :data:`ILL_FORMED`."""
    out: dict[str, str] = {}
    for o in terms:
        if o[-1] != ">" or o[0] != '"' or o in out:
            continue
        found = _TYPED.search(o)
        if found is None or found.group(1) not in CHECKS:
            continue
        lexical, _, datatype = literal_parts(o)
        if not CHECKS[datatype](lexical):
            out[o] = o[:found.start()] + f"^^<{ILL_FORMED}{datatype}>"
    return out


def _restore(term: str | None) -> str | None:
    return term.replace(f"^^<{ILL_FORMED}", "^^<") if term and ILL_FORMED in term else term


class Engine:
    """The shapes graph compiled by one engine, ready to validate data graphs given as rows."""

    def __init__(self, shapes: ShapesGraph, engine: str = DEFAULT_ENGINE) -> None:
        if engine not in ENGINES:
            raise ConfigError(f"unknown SHACL engine {engine!r}", hint=f"one of {', '.join(ENGINES)}")
        self.shapes, self.engine = shapes, engine
        self._compiled: dict[frozenset[str], Any] = {}

    def validate(self, rows: Sequence[Row]) -> list[Violation]:
        """Every result of the shapes over the data graph ``rows`` (a graph in memory; a graph arriving in
        pieces is read from a pipe: :meth:`read_graph`)."""
        if self.engine == "pyshacl":  # the reference judges lexical forms itself
            return self._pyshacl(_nt(rows))
        rewrite = self.rewriting(rows)
        data = "".join(f"{rewrite.get(s, s)} {p} {rewrite.get(o, o)} .\n" for s, p, o in rows)
        try:
            report = self._compile(self._shape_rewrite).validate_text(data, format="ntriples", allow_warnings=True)
        except ValueError as exc:
            raise _refused(exc) from None
        return [self._violation(r) for r in report.results]

    def rewriting(self, rows: Sequence[Row]) -> dict[str, str]:
        """The terms of ``rows`` to write otherwise for this engine (:func:`ill_formed`, and the terms the shapes
        graph has ill-formed): what :meth:`read_graph` expects of each chunk of a graph given in pieces."""
        if self.engine == "pyshacl":  # the reference judges lexical forms itself
            return {}
        rewrite = ill_formed(o for _, _, o in rows)
        rewrite.update(self._shape_rewrite)
        return rewrite

    @cached_property
    def _shape_rewrite(self) -> dict[str, str]:
        """The shapes graph's ill-formed literals (a value compared with the data's is rewritten alike)."""
        return ill_formed(o for _, _, o in self.shapes.triples)

    def read_graph(self, path: Path) -> list[Violation]:
        """Every result of the shapes over the N-Triples read from ``path`` (a pipe, a file named ``odg-data-...``)
        with its terms written as :meth:`rewriting` says."""
        if self.engine == "pyshacl":
            return self._pyshacl(path.read_text(encoding="utf-8"))
        compiled = self._compile(self._shape_rewrite)
        try:
            report = compiled.validate_file(str(path), allow_warnings=True)
        except ValueError as exc:
            raise _refused(exc) from None
        return [self._violation(r) for r in report.results]

    def compile(self) -> None:
        """Compile the shapes now (a shapes graph the engine refuses: :class:`ConfigError`, before any data)."""
        if self.engine != "pyshacl":
            self._compile(self._shape_rewrite)

    def _compile(self, rewrite: dict[str, str]) -> Any:
        import shacl

        key = frozenset(rewrite)
        if key not in self._compiled:
            try:
                self._compiled[key] = shacl.Shapes.from_text(self.shapes.ntriples(rewrite), format="ntriples")
            except ValueError as exc:
                raise ConfigError(f"the shapes graph is not valid SHACL: {exc}", Location("<shapes>")) from None
        return self._compiled[key]

    def _violation(self, r: Any) -> Violation:
        shape = r.source_shape or ""
        if is_blank(shape):
            shape = self._resolve(r.root_shape or "", r.path or "", r.component_iri) or shape
        return Violation(
            focus=_restore(r.focus_node) or "", component=r.component_iri, shape=shape, severity=r.severity_iri,
            messages=self._messages(shape, list(r.messages)), path=r.path or None, value=_restore(r.value))

    def _resolve(self, root: str, path: str, component: str) -> str | None:
        """The anonymous shape of the shapes graph a result came from (the engine labels blank nodes its way):
        under the same named shape, with the same path, holding the component's parameter."""
        param = _parameter(component)
        wanted = re.sub(r"[()\s]", "", path)
        candidates = [s for s in self.shapes.shapes if is_blank(s) and self.shapes.named(s) == (root or s)
                      and re.sub(r"[()\s]", "", "".join(path_text(self.shapes, p)
                                                         for p in self.shapes.values(s, SH.path))) == wanted]
        best = [s for s in candidates if param is None or self.shapes.values(s, param)] or candidates
        return best[0] if best else None

    def _messages(self, shape: str, texts: list[str]) -> tuple[str, ...]:
        declared = list(self.shapes.values(shape, SH.message))
        for c in self.shapes.values(shape, SH.sparql):
            declared += self.shapes.values(c, SH.message)
        from ..core.terms import literal

        out = set()
        for text in texts:
            term = next((m for m in declared if literal_parts(m)[0] == text), None)
            if term is None:  # filled in from the solution ({$this}, {?value}): keep the template's language
                template = next((m for m in declared if re.fullmatch(_template(literal_parts(m)[0]), text, re.S)),
                                None)
                if template is None:
                    continue  # an engine's own wording, not the shapes': engines word them differently
                term = literal(text, literal_parts(template)[1])
            out.add(term)
        # English first, then by language: the message a report shows first is the same whichever engine ran
        return tuple(sorted(out, key=lambda m: (literal_parts(m)[1] != "en", literal_parts(m)[1], m)))

    def _pyshacl(self, data_nt: str) -> list[Violation]:
        import rdflib
        from pyshacl import validate as pyshacl_validate

        data = rdflib.Graph()
        data.parse(data=data_nt, format="nt")
        shapes = rdflib.Graph()
        shapes.parse(data=self.shapes.ntriples(), format="nt")
        _, report, _ = pyshacl_validate(data, shacl_graph=shapes, inference="none", allow_warnings=True,
                                        advanced=True)
        sh = rdflib.Namespace(SH.iri)
        described = ShapesGraph([(_spelled(a), _spelled(b), _spelled(c)) for a, b, c in report])
        out = []
        top = [r for root in report.subjects(rdflib.RDF.type, sh.ValidationReport)
               for r in report.objects(root, sh.result)]
        for r in top:  # not the results nested under sh:detail
            def one(p: Any) -> Any:
                return report.value(r, p)  # noqa: B023
            shape = _spelled(one(sh.sourceShape))
            path = one(sh.resultPath)
            out.append(Violation(
                focus=_spelled(one(sh.focusNode)), component=str(one(sh.sourceConstraintComponent)),
                shape=self._resolve_rdflib(shape, shapes, one(sh.sourceShape)),
                severity=str(one(sh.resultSeverity)),
                messages=self._messages(self._resolve_rdflib(shape, shapes, one(sh.sourceShape)),
                                        [str(m) for m in report.objects(r, sh.resultMessage)]),
                path=path_text(described, _spelled(path)) if path is not None else None,
                value=_spelled(one(sh.value)) if one(sh.value) is not None else None))
        return out

    def _resolve_rdflib(self, shape: str, graph: Any, node: Any) -> str:
        """pyshacl's blank source shape (a node of its own parse) -> ours, by its named shape and path."""
        if not is_blank(shape):
            return shape
        theirs = getattr(graph, "_odg_shapes", None)
        if theirs is None:
            theirs = ShapesGraph([(_spelled(a), _spelled(b), _spelled(c)) for a, b, c in graph])
            graph._odg_shapes = theirs
        path = theirs.values(shape, SH.path)
        text = path_text(theirs, path[0]) if path else ""
        return self._resolve(theirs.named(shape) if is_iri(theirs.named(shape)) else "", text, "") or shape


def _refused(exc: ValueError) -> ConfigError:
    """What the engine refused: the data graph, read from a file named ``odg-data-...`` (terms minted from a bad
    ``--base``...), or else the shapes graph (a SPARQL query it rejects only when it meets it)."""
    if "odg-data-" in str(exc):
        return ConfigError(f"the data graph cannot be validated: {exc}", Location("<data>"))
    return ConfigError(f"the shapes graph is not valid SHACL: {exc}", Location("<shapes>"))


def _template(message: str) -> str:
    """A message with ``{$this}``/``{?var}`` placeholders as a regular expression matching its filled-in forms."""
    return ".*".join(re.escape(part) for part in re.split(r"\{[$?]\w+\}", message))


def _parameter(component: str) -> str | None:
    local = component.rsplit("#", 1)[-1]
    if not component.startswith(SH.iri) or not local.endswith("ConstraintComponent"):
        return None
    name = local[: -len("ConstraintComponent")]
    return SH.sparql if name == "SPARQL" else SH[name[0].lower() + name[1:]]


def _spelled(term: Any) -> str:
    """An rdflib term in N-Triples form, as :mod:`opendata_graph.core.terms` spells it."""
    import rdflib

    from ..core.terms import literal

    if isinstance(term, rdflib.Literal):
        return literal(str(term), term.language or "", str(term.datatype or ""))
    if isinstance(term, rdflib.URIRef):
        return f"<{term}>"
    return f"_:{term}" if term is not None else ""


def report_rows(violations: Sequence[Violation], shapes: ShapesGraph) -> list[Row]:
    """The ``sh:ValidationReport`` of ``violations`` as rows: conforms iff there is no result (SHACL 3.6.1);
    anonymous source shapes and complex paths described with their triples from the shapes graph."""
    from ..core.terms import literal

    t, root = f"<{RDF.type}>", "_:report"
    out: list[Row] = [(root, t, f"<{SH.ValidationReport}>"),
                      (root, f"<{SH.conforms}>", literal(str(not violations).lower(), datatype=XSD.boolean))]
    described: set[str] = set()
    for i, v in enumerate(violations, 1):
        r = f"_:result{i}"
        out += [(root, f"<{SH.result}>", r), (r, t, f"<{SH.ValidationResult}>"), (r, f"<{SH.focusNode}>", v.focus),
                (r, f"<{SH.resultSeverity}>", f"<{v.severity}>"),
                (r, f"<{SH.sourceConstraintComponent}>", f"<{v.component}>")]
        if v.shape:
            out.append((r, f"<{SH.sourceShape}>", v.shape))
        if v.path:
            node, described_path = path_rows(v.path, f"{r}_path")
            out.append((r, f"<{SH.resultPath}>", node))
            out += described_path
        if v.value is not None:
            out.append((r, f"<{SH.value}>", v.value))
        out += [(r, f"<{SH.resultMessage}>", m) for m in v.messages]
        for node in (v.shape,):
            if is_blank(node) and node not in described:
                described.add(node)
                out += list(shapes.describe(node))
    return list(dict.fromkeys(out))


_PATH_TOKEN = re.compile(r"<[^<>]*>|[()/|^*+?]")


def path_rows(text: str, label: str) -> tuple[str, list[Row]]:
    """A path in SPARQL property-path syntax (as the engine reports it) as a SHACL path: its node and triples."""
    parser = _PathParser(text, label)
    node = parser.alternative()
    if parser.pos != len(parser.tokens):
        raise ValueError(f"trailing {parser.tokens[parser.pos]!r} in path {text!r}")
    return node, parser.rows


_MODIFIERS = {"*": SH.zeroOrMorePath, "+": SH.oneOrMorePath, "?": SH.zeroOrOnePath}


class _PathParser:
    """Recursive descent over the tokens of a property path, writing the SHACL path's triples as it goes."""

    def __init__(self, text: str, label: str) -> None:
        self.text, self.label = text, label
        self.tokens: list[str] = _PATH_TOKEN.findall(text)
        self.pos = 0
        self.rows: list[Row] = []
        self.count = 0

    def fresh(self) -> str:
        self.count += 1
        return f"{self.label}{self.count}"

    def peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def rdf_list(self, items: list[str]) -> str:
        head = f"<{RDF.nil}>"
        for item in reversed(items):
            node = self.fresh()
            self.rows.extend([(node, f"<{RDF.first}>", item), (node, f"<{RDF.rest}>", head)])
            head = node
        return head

    def joined(self, separator: str, item: Callable[[], str]) -> list[str]:
        parts = [item()]
        while self.peek() == separator:
            self.pos += 1
            parts.append(item())
        return parts

    def alternative(self) -> str:
        parts = self.joined("|", self.sequence)
        if len(parts) == 1:
            return parts[0]
        node = self.fresh()
        self.rows.append((node, f"<{SH.alternativePath}>", self.rdf_list(parts)))
        return node

    def sequence(self) -> str:
        parts = self.joined("/", self.element)
        return parts[0] if len(parts) == 1 else self.rdf_list(parts)

    def element(self) -> str:
        token = self.peek()
        if token is None:
            raise ValueError(f"unexpected end of path {self.text!r}")
        self.pos += 1
        if token == "^":
            node = self.fresh()
            self.rows.append((node, f"<{SH.inversePath}>", self.element()))
            return node
        if token == "(":
            inner = self.alternative()
            if self.peek() != ")":
                raise ValueError(f"unbalanced parentheses in path {self.text!r}")
            self.pos += 1
        elif token.startswith("<"):
            inner = token
        else:
            raise ValueError(f"unexpected {token!r} in path {self.text!r}")
        while (modifier := self.peek()) is not None and modifier in _MODIFIERS:
            self.pos += 1
            node = self.fresh()
            self.rows.append((node, f"<{_MODIFIERS[modifier]}>", inner))
            inner = node
        return inner


def _nt(rows: Sequence[Row]) -> str:
    return "".join(f"{s} {p} {o} .\n" for s, p, o in rows)


__all__ = ["DEFAULT_ENGINE", "ENGINES", "XSD", "Engine", "ShapesGraph", "Violation", "forbidden_sparql",
           "path_text", "read"]
