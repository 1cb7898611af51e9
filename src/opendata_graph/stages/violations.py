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
written with an escape, as a subject, an owner, a predicate or a cited source (a node's text must be the one
the store and the other rows use).
"""

from __future__ import annotations

import bisect
import contextlib
import zlib
from array import array
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from pyoxigraph import RdfFormat, Store

from ..core.terms import Row
from .locality import ABOUT, DERIVED, TYPE, why_not_local

if TYPE_CHECKING:
    from ..stores.query import QueryFile

Found = list[tuple["QueryFile", list[Any]]]

#: Parts of the graph: at 1M triples, ~30 MB of store each.
PARTS = 16


def whole(paths: Path | Sequence[Path], queries: Sequence[QueryFile], lenient: bool) -> Found:
    """Every query's rows over the graph in ``paths`` (N-Triples, their union), in one store."""
    store = Store()
    for path in [paths] if isinstance(paths, Path) else paths:
        store.load(path=str(path), format=RdfFormat.N_TRIPLES, lenient=lenient)
    return [(qf, list(row)) for qf in queries for row in store.query(qf.text)]  # type: ignore[union-attr]


def partable(queries: Sequence[QueryFile]) -> bool:
    """Whether the queries can run part by part: each is local (and so projects ``?subject``)."""
    return all(why_not_local(qf.text) is None for qf in queries)


class Parts:
    """The graph written part by part as it arrives (:meth:`add`, rows in any order, more than once), then
    queried part by part (:meth:`query`).

    What it keeps on the side is small (at 1M triples, ~10 MB rather than the ~75 MB of dictionaries of strings
    it took first): 64-bit hashes of the statements, of what they are about and of the nodes written to their own
    part, in arrays; for each source cited, the parts citing it; the types go to a file of their own, from which
    each part takes its sources' at the end. Two nodes with the same hash could only send the run to one store
    of the whole graph, or (a node taken for a statement) file an answer under the wrong part: at 2^-64 a pair.
    """

    def __init__(self, folder: Path, parts: int = PARTS) -> None:
        assert 0 < parts <= 127  # a part's number is a signed byte
        self.paths = [folder / f"odg-violations-{i}.nt" for i in range(parts)]
        self._types_path = folder / "odg-violations-types.nt"
        self._files: list[BinaryIO] = []
        for path in [*self.paths, self._types_path]:
            self._files.append(path.open("xb", buffering=1 << 16))
        self._types = self._files.pop()  #: every rdf:type triple, for the parts that cite its subject
        self._statements = array("q")  #: hash of each statement (a node with an rdf:subject) met...
        self._statement_parts = array("b")  #: ...the part its triples went to (that of what it is about)...
        self._abouts = array("q")  #: ...and the hash of what it is about
        self._unowned = array("q")  #: hashes of the nodes with no rdf:subject (their triples went to their part)
        self._cited: dict[int, set[int]] = {}  #: hash of a node some triple derives from -> the parts citing it
        self._held: list[Row] = []  #: the last subject's rows: the next piece may go on with them
        self._part_of: dict[int, int] = {}  #: once closed: hash of a statement -> its part
        self.tangled: str | None = None  #: why the parts cannot be queried alone

    def part(self, node: str) -> int:
        """The part that owns ``node`` (once closed)."""
        mine = self._part_of.get(hash(node))
        return mine if mine is not None else zlib.crc32(node.encode("utf-8")) % len(self.paths)

    def add(self, rows: Sequence[Row]) -> None:
        if self.tangled is None and (any("\\" in p for p in {p for _, p, _ in rows})
                                     or any("\\" in o for _, p, o in rows if p == DERIVED)):
            self._tangle("a predicate or a cited source written with an escape", self._held)
            self._held = []
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
            if self.tangled is not None:
                self._write_all(group)
            else:
                self._add_group(subject, group)

    def _add_group(self, subject: str, group: list[Row]) -> None:
        about = {o for _, p, o in group if p == ABOUT}
        if not subject.startswith("<") or "\\" in subject:
            return self._tangle(f"{subject} is not an IRI written plainly", group)
        if len(about) > 1:
            return self._tangle(f"{subject} is about more than one node", group)
        owner = next(iter(about)) if about else subject
        if not owner.startswith("<") or "\\" in owner:
            return self._tangle(f"{subject} is about {owner}, not an IRI written plainly", group)
        i = zlib.crc32(owner.encode("utf-8")) % len(self.paths)
        if about:
            self._statements.append(hash(subject))
            self._statement_parts.append(i)
            self._abouts.append(hash(owner))
        else:
            self._unowned.append(hash(subject))
        self._files[i].write(_lines(group))
        for _, p, o in group:
            if p == DERIVED:
                self._cited.setdefault(hash(o), set()).add(i)
        types = [row for row in group if row[1] == TYPE]
        if types:
            self._types.write(_lines(types))
        return None

    def _tangle(self, why: str, group: Sequence[Row] = ()) -> None:
        """From now on the parts are only pieces of one graph: ``group`` and every row after it go to the first."""
        self.tangled = why
        self._write_all(group)

    def _write_all(self, rows: Iterable[Row]) -> None:
        """Once tangled: the rows go to the first part, which becomes the whole graph with the others."""
        self._files[0].write(_lines(rows))

    def close(self) -> None:
        """The end of the graph: the held rows written, every part completed with its sources' types."""
        held, self._held = self._held, []
        if held and self.tangled is None:
            self._add_group(held[0][0], held)
        elif held:
            self._write_all(held)
        self._types.close()
        if self.tangled is None:
            self._check()
        if self.tangled is None:
            self._copy_types()
        self._cited.clear()
        self._unowned, self._abouts, self._statements, self._statement_parts = (array("q"), array("q"), array("q"),
                                                                                  array("b"))
        self.discard()

    def _check(self) -> None:
        """A statement whose triples went to two parts (about two nodes, or some of them without their
        rdf:subject), or a statement about a statement: tangled. Else :attr:`_part_of` is filled."""
        part_of = self._part_of
        for statement, i in zip(self._statements, self._statement_parts, strict=True):
            if part_of.setdefault(statement, i) != i:
                return self._tangle("a statement is about two nodes")
        unowned = sorted(self._unowned)
        for statement in part_of:
            at = bisect.bisect_left(unowned, statement)
            if at < len(unowned) and unowned[at] == statement:
                return self._tangle("a statement's triples came in part without its rdf:subject")
        if any(about in part_of for about in self._abouts):
            return self._tangle("a statement is about a statement")
        return None

    def _copy_types(self) -> None:
        """The rdf:type triples of each cited node, into every part citing it."""
        cited = self._cited
        with self._types_path.open("rb") as types:
            for line in types:
                parts = cited.get(hash(line[:line.index(b" ")].decode("utf-8")))
                for i in parts or ():
                    self._files[i].write(line)

    def discard(self) -> None:
        for file in [*self._files, self._types]:
            with contextlib.suppress(OSError):
                file.close()
        self._files = []

    def query(self, queries: Sequence[QueryFile], lenient: bool) -> Found:
        """Every query's rows: each part's own (when :attr:`tangled`, the whole graph's, in one store)."""
        if self.tangled is not None:
            return whole(self.paths, queries, lenient)
        from pyoxigraph import Literal, NamedNode

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


def _lines(rows: Iterable[Row]) -> bytes:
    """Rows as N-Triples lines, in the order given."""
    return "".join([f"{s} {p} {o} .\n" for s, p, o in rows]).encode("utf-8")
