"""The ``*-violation.rq`` queries over a whole graph, in parts when every query is local.

A store of the whole graph is the simple way, and the heaviest part of a validation: pyoxigraph holds a
1M-triple graph in ~480 MB. When every violation query is *local* (:mod:`.locality`: its answer for a
``?subject`` reads only that node's triples, those of the statements reifying its facts, and the types of the
sources they cite), the graph is split as it arrives into parts that each hold, for the subjects they own, all
of that: a node's triples go to the part of their *owner* -- the node itself, or for a statement (a node with
an ``rdf:subject``) the node it is about -- and the ``rdf:type`` triples of the sources a part's statements cite
are copied into it. Each part is then loaded and queried alone, one after the other, and a part keeps only the
answers whose ``?subject`` it owns. The parts wait on disk, in the checks' private temporary folder.

What would make a part miss something sends the run back to one store of the whole graph (never a guess): a
query that is not local or does not project ``?subject``; a node with two ``rdf:subject`` values, a statement
about a statement, or a statement whose triples came without its ``rdf:subject``; a blank node, or an IRI
written with an escape, where an owner is worked out (the answer's text of a node must be the one the rows
use).
"""

from __future__ import annotations

import contextlib
import zlib
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from pyoxigraph import RdfFormat, Store

from ..core.namespaces import PROV, RDF
from ..core.terms import Row
from .locality import why_not_local

if TYPE_CHECKING:
    from ..stores.query import QueryFile

Found = list[tuple["QueryFile", list[Any]]]

#: Parts of the graph: at 1M triples, ~30 MB of store each.
PARTS = 16

_TYPE, _ABOUT, _DERIVED = f"<{RDF.type}>", f"<{RDF.subject}>", f"<{PROV.wasDerivedFrom}>"


def whole(path: Path, queries: Sequence[QueryFile], lenient: bool) -> Found:
    """Every query's rows over the graph in ``path`` (N-Triples), in one store."""
    store = Store()
    store.load(path=str(path), format=RdfFormat.N_TRIPLES, lenient=lenient)
    return [(qf, list(row)) for qf in queries for row in store.query(qf.text)]  # type: ignore[union-attr]


def partable(queries: Sequence[QueryFile]) -> bool:
    """Whether the queries can run part by part: each is local and projects ``?subject``."""
    return all("subject" in _projected(qf.text) and why_not_local(qf.text) is None for qf in queries)


def _projected(text: str) -> set[str]:
    from rdflib.plugins.sparql.algebra import translateQuery
    from rdflib.plugins.sparql.parser import parseQuery

    try:
        return {str(v) for v in translateQuery(parseQuery(text)).algebra.get("PV") or ()}
    except Exception:  # not a query rdflib reads: why_not_local says so too
        return set()


class Parts:
    """The graph written part by part as it arrives (:meth:`add`, rows in any order, more than once), then
    queried part by part (:meth:`query`)."""

    def __init__(self, folder: Path, parts: int = PARTS) -> None:
        self.paths = [folder / f"odg-violations-{i}.nt" for i in range(parts)]
        self._files: list[BinaryIO] = []
        for path in self.paths:
            self._files.append(path.open("xb", buffering=1 << 16))
        self._about: dict[str, str] = {}  #: statement -> the node it is about
        self._unowned: set[int] = set()  #: hashes of the nodes whose triples went to their own part
        self._types: dict[str, list[str]] = {}  #: node -> its types
        self._cited: list[set[str]] = [set() for _ in self.paths]  #: part -> what its triples derive from
        self._held: list[Row] = []  #: the last subject's rows: the next piece may go on with them
        self.tangled: str | None = None  #: why the parts cannot be queried alone

    def part(self, node: str) -> int:
        return zlib.crc32(self._about.get(node, node).encode("utf-8")) % len(self.paths)

    def add(self, rows: Sequence[Row]) -> None:
        if self.tangled is not None:
            self._write_all(rows)
            return
        groups: dict[str, list[Row]] = {}
        for row in self._held:
            groups.setdefault(row[0], []).append(row)
        for row in rows:
            groups.setdefault(row[0], []).append(row)
        last = rows[-1][0] if rows else None
        self._held = groups.pop(last, []) if last is not None else []
        for subject, group in groups.items():
            self._add_group(subject, group)

    def _add_group(self, subject: str, group: list[Row]) -> None:
        about = {o for _, p, o in group if p == _ABOUT}
        owner = subject
        if about:
            if len(about) > 1 or (subject in self._about and self._about[subject] not in about):
                return self._tangle(f"{subject} is about more than one node", group)
            owner = self._about[subject] = next(iter(about))
            if not owner.startswith("<") or "\\" in owner:
                return self._tangle(f"{subject} is about {owner}, not an IRI written plainly", group)
        else:
            self._unowned.add(hash(subject))
        if not subject.startswith("<") or "\\" in subject:
            return self._tangle(f"{subject} is not an IRI written plainly", group)
        i = zlib.crc32(owner.encode("utf-8")) % len(self.paths)
        cited = self._cited[i]
        for _, p, o in group:
            if p == _TYPE:
                self._types.setdefault(subject, []).append(o)
            elif p == _DERIVED:
                cited.add(o)
        self._files[i].write("".join([f"{s} {p} {o} .\n" for s, p, o in group]).encode("utf-8"))
        return None

    def _tangle(self, why: str, group: Sequence[Row] = ()) -> None:
        """From now on the parts are only pieces of one graph: ``group`` and every row after it go to the first."""
        self.tangled = why
        self._write_all(group)

    def _write_all(self, rows: Iterable[Row]) -> None:
        """Once tangled: the rows go to the first part, which becomes the whole graph with the others."""
        self._files[0].write("".join([f"{s} {p} {o} .\n" for s, p, o in rows]).encode("utf-8"))

    def close(self) -> None:
        """The end of the graph: the held rows written, every part completed with its sources' types."""
        held, self._held = self._held, []
        if held and self.tangled is None:
            self._add_group(held[0][0], held)
        elif held:
            self._write_all(held)
        if self.tangled is None:
            self._check()
        if self.tangled is None:
            for i, file in enumerate(self._files):
                file.write("".join([f"{s} {_TYPE} {t} .\n" for s in sorted(self._cited[i])
                                    for t in self._types.get(s, ())]).encode("utf-8"))
        self._types.clear()
        self._cited = []
        self.discard()

    def _check(self) -> None:
        """Statements whose triples went to two parts, or statements about statements: tangled."""
        for statement, node in self._about.items():
            if hash(statement) in self._unowned:
                return self._tangle(f"{statement}'s triples came in part without its rdf:subject")
            if node in self._about:
                return self._tangle(f"{statement} is about a statement, {node}")
        return None

    def discard(self) -> None:
        for file in self._files:
            with contextlib.suppress(OSError):
                file.close()
        self._files = []

    def query(self, queries: Sequence[QueryFile], lenient: bool) -> Found:
        """Every query's rows: each part's own (when :attr:`tangled`, the whole graph's, in one store)."""
        if self.tangled is not None:
            store = Store()
            for path in self.paths:
                store.load(path=str(path), format=RdfFormat.N_TRIPLES, lenient=lenient)
            return [(qf, list(row)) for qf in queries for row in store.query(qf.text)]  # type: ignore[union-attr]
        from pyoxigraph import Literal, NamedNode

        self._unowned.clear()
        found: Found = []
        for i, path in enumerate(self.paths):
            store = Store()
            store.load(path=str(path), format=RdfFormat.N_TRIPLES, lenient=lenient)
            for qf in queries:
                for row in store.query(qf.text):  # type: ignore[union-attr]
                    subject = row["subject"]
                    if isinstance(subject, NamedNode):
                        mine = self.part(str(subject)) == i
                    elif isinstance(subject, Literal):  # no triple is about it: every part answers alike
                        mine = i == 0
                    else:  # unbound, or a blank node the query made: which part owns it is not known
                        self.tangled = f"{qf.path.name} answered a ?subject no part owns ({subject})"
                        return self.query(queries, lenient)
                    if mine:
                        found.append((qf, list(row)))
            del store
        return found
