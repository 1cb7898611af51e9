"""What a SPARQL query must pass before any engine sees it: size, nesting depth, and what it may ask for.

Two stages, cheapest first:

1. :func:`scan` -- a linear pass with SPARQL 1.1's own lexer (its terminals: IRIREF, strings, comments, prefixed
   names, variables, keywords), so no nesting of ``{}``, ``()`` or ``[]`` deeper than :data:`MAX_QUERY_DEPTH` reaches a
   recursive parser (oxigraph's overflowed its stack at ~3,000 levels and took the process down), and ``SERVICE``
   is found as the keyword it is -- not inside an IRI, a string or a prefixed name, and not hidden by a ``<`` that
   only looks like the start of an IRI (``FILTER(?a<2)SERVICE:admin{...}FILTER(?a>0)``).
2. :func:`parse` -- rdflib's SPARQL 1.1 parser (a real one, run where the query may be killed: in the endpoint's
   worker processes), whose tree is walked for ``SERVICE`` and which refuses updates (``LOAD``, ``INSERT``...): a
   query is only ever a query.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

from ..core.errors import OdgError

MAX_QUERY_DEPTH = 64
MAX_LENGTH = 100_000  #: characters
MAX_GRAPHS = 64  #: default-graph-uri and named-graph-uri values, together, in one request

#: SPARQL's terminals. A prefixed name's prefix part (``PN_PREFIX``) is tried only where a run of name characters
#: ends in ``:`` (:func:`scan` knows where, from one pass): tried everywhere, it scanned to the end of every run and
#: back, and a 100,000-character ``a.a.a...`` took 14-20 s (quadratic); now every character is looked at a bounded
#: number of times.
_TEMPLATE = r"""
    (?P<space>\s+)
  | (?P<comment>\#[^\n]*)
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<string>\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"|'''(?:[^'\\]|\\.|'(?!''))*'''|"(?:[^"\\\n\r]|\\.)*"|'(?:[^'\\\n\r]|\\.)*')
  | (?P<var>[?$][A-Za-z0-9_\u00B7\u00C0-\uFFFF]+)
  | (?P<lang>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)
  | (?P<name>PREFIX:(?:[\w:%\-.\\\u00B7\u00C0-\uFFFF]*[\w:%\-\\\u00B7\u00C0-\uFFFF])?)
  | (?P<bnode>_:[\w.\-\u00B7\u00C0-\uFFFF]+)
  | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<number>[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)
  | (?P<open>[{(\[])
  | (?P<close>[})\]])
  | (?P<other>\^\^|\|\||&&|!=|<=|>=|[.,;*=<>!+\-/|^?a])
"""
#: Where a prefix may start, and the characters of a run of them (``PN_CHARS`` and ``.``).
_PREFIX_START = re.compile(r"[A-Za-z\u00C0-\uFFFF]")
_RUN = re.compile(r"[\w.\-\u00B7\u00C0-\uFFFF]+")
#: At a prefix's start inside a run that ends in ``:`` / anywhere else (only ``:local`` names).
_TOKEN = re.compile(_TEMPLATE.replace("PREFIX", r"[A-Za-z\u00C0-\uFFFF][\w.\-\u00B7\u00C0-\uFFFF]*"), re.X)
_PLAIN = re.compile(_TEMPLATE.replace("PREFIX", ""), re.X)

_REFUSED = {"SERVICE": "SERVICE is not allowed: this endpoint sends no requests on a client's behalf"}
_UPDATE = {"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "COPY", "MOVE", "ADD", "WITH"}


class QueryRefused(OdgError):
    """The endpoint will not run this request (too large, too deep, federation, an update...); ``status`` is the
    HTTP status to answer with."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


def scan(query: str) -> list[tuple[str, str]]:
    """The query's tokens (kind, text), or :class:`QueryRefused` for what no query may be or contain."""
    if len(query) > MAX_LENGTH:
        raise QueryRefused(f"the query is {len(query):,} characters long; the limit is {MAX_LENGTH:,}", 413)
    tokens: list[tuple[str, str]] = []
    depth = 0
    pos = 0
    # Every position inside a run of name characters that a ':' follows: a prefix may start there.
    prefixed = bytearray(len(query) + 1)
    for run in _RUN.finditer(query):
        if query.startswith(":", run.end()):
            prefixed[run.start():run.end()] = b"\x01" * (run.end() - run.start())
    while pos < len(query):
        full = prefixed[pos] and _PREFIX_START.match(query, pos)
        found = (_TOKEN if full else _PLAIN).match(query, pos)
        if found is None:
            line = query.count("\n", 0, pos) + 1
            raise QueryRefused(f"SPARQL syntax error at line {line}: unexpected {query[pos]!r}", 400)
        kind = found.lastgroup or "other"
        text = found.group()
        pos = found.end()
        if kind in ("space", "comment"):
            continue
        if kind == "open":
            depth += 1
            if depth > MAX_QUERY_DEPTH:
                raise QueryRefused(f"the query nests more than {MAX_QUERY_DEPTH} levels deep", 400)
        elif kind == "close":
            depth -= 1
        elif kind == "word":
            upper = text.upper()
            if upper in _REFUSED:
                raise QueryRefused(_REFUSED[upper], 403)
        tokens.append((kind, text))
    return tokens


def check(query: str) -> None:
    """:func:`scan`, and updates refused (they never run here: this endpoint is read-only)."""
    words = {text.upper() for kind, text in scan(query) if kind == "word"}
    if words & _UPDATE and not words & {"SELECT", "ASK", "CONSTRUCT", "DESCRIBE"}:
        raise QueryRefused("updates are not allowed: this endpoint is read-only", 403)


def check_graphs(default_graphs: Sequence[str], named_graphs: Sequence[str]) -> None:
    """A request's ``default-graph-uri`` and ``named-graph-uri`` values: at most :data:`MAX_GRAPHS`, each an
    absolute IRI (pyoxigraph's own IRI parser, linear); :class:`QueryRefused` (400) otherwise."""
    from pyoxigraph import NamedNode

    count = len(default_graphs) + len(named_graphs)
    if count > MAX_GRAPHS:
        raise QueryRefused(f"{count:,} default-graph-uri/named-graph-uri values; the limit is {MAX_GRAPHS}", 400)
    for name, values in (("default-graph-uri", default_graphs), ("named-graph-uri", named_graphs)):
        for value in values:
            try:
                NamedNode(value)
            except ValueError:
                raise QueryRefused(f"{name} {value[:80]!r} is not an absolute IRI", 400) from None


class Verdicts:
    """:func:`check`, remembered: the verdict depends on the text alone, and dashboards send the same text again
    and again (the scan costs 0.3-0.5 ms of a request thread's CPU for a query file). Keyed by the text's SHA-256;
    the last ``size`` texts; safe to call from many threads."""

    def __init__(self, size: int = 4096) -> None:
        self.size = size
        self._known: OrderedDict[bytes, tuple[int, str] | None] = OrderedDict()
        self._lock = threading.Lock()

    def check(self, query: str) -> None:
        key = hashlib.sha256(query.encode("utf-8", "surrogatepass")).digest()
        with self._lock:
            known = key in self._known
            verdict = self._known.get(key)
            if known:
                self._known.move_to_end(key)
        if not known:
            try:
                check(query)
                verdict = None
            except QueryRefused as exc:
                verdict = (exc.status, exc.message)
            with self._lock:
                self._known[key] = verdict
                while len(self._known) > self.size:
                    self._known.popitem(last=False)
        if verdict is not None:
            raise QueryRefused(verdict[1], verdict[0])


_AT = re.compile(r"error at (\d+):(\d+): (.*)", re.S)


def syntax_error(message: str, query: str) -> str:
    """A parser's error as one line with its position: pyoxigraph lists every character class it expected (ten
    lines for an undeclared prefix); this says what is wrong where, and for a prefix the project knows, how to
    declare it."""
    from ..core.namespaces import PREFIXES

    found = _AT.search(message)
    if found is None:
        return f"SPARQL syntax error: {message.splitlines()[0] if message else 'cannot parse the query'}"
    line, column, rest = int(found.group(1)), int(found.group(2)), found.group(3)
    lines = query.splitlines() or [""]
    text = lines[line - 1] if 0 < line <= len(lines) else ""
    where = f"SPARQL syntax error at line {line}, column {column}"
    if "Prefix not found" in rest:
        name = re.search(r"([A-Za-z][\w.-]*)?:[\w.-]*$", text[: max(column - 1, 0)])
        prefix = (name.group(1) or "") if name else ""
        iri = PREFIXES.get(prefix)
        hint = f" (add PREFIX {prefix}: <{iri}>)" if iri else " (declare it with PREFIX)"
        return f"{where}: the prefix {prefix + ':'!r} is not declared{hint}"
    rest_of_line = text[max(column - 1, 0):].split()
    if not rest_of_line and line >= len(lines):
        return f"{where}: the query ends too early (a closing brace or a term missing?)"
    return f"{where}: unexpected {rest_of_line[0]!r}" if rest_of_line else f"{where}: unexpected end of line"


def may_call_services(query: str) -> bool:
    """Whether any parser could find ``SERVICE`` in ``query``: its letters in any case (Unicode case folding:
    the long s U+017F is an ``s``), or an escape sequence that could spell them. Linear; False lets the slow second parser
    (:func:`parse`, 10-80 ms a query) be skipped, since no parse tree of the text can hold a SERVICE clause."""
    return "\\" in query or "service" in query.casefold()


def parse(query: str) -> None:
    """The query parsed by rdflib's SPARQL 1.1 parser; :class:`QueryRefused` if it is not a query, does not
    parse, or asks for ``SERVICE`` anywhere in its tree."""
    from rdflib.plugins.sparql.parser import parseQuery
    from rdflib.plugins.sparql.parserutils import CompValue

    try:
        tree = parseQuery(query)
    except RecursionError:
        raise QueryRefused(f"the query nests more than the parser allows (at most {MAX_QUERY_DEPTH} levels)", 400) from None
    except Exception as exc:  # pyparsing's ParseException and friends: a syntax error, or an update
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise QueryRefused(f"SPARQL syntax error: {first}", 400) from None

    def walk(node: Any) -> None:
        if isinstance(node, CompValue):
            if node.name == "ServiceGraphPattern":
                raise QueryRefused(_REFUSED["SERVICE"], 403)
            for value in node.values():
                walk(value)
        elif isinstance(node, (list, tuple)) or type(node).__name__ == "ParseResults":
            for value in node:
                walk(value)

    walk(tree)
