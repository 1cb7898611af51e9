"""Validate step: SHACL shapes, data-quality queries and quotes, reported at the YAML line that caused them.

SHACL runs with no inference (the dumps state every type explicitly), by the engine of
:mod:`opendata_graph.stages.shapes`. Each result's focus node and path are looked up in the converter's source map, so
a result prints as
``data/organisations/gbif.yaml:14:5: error: <sh:message> [shape, path, value]``. Queries named
``*-violation.rq`` must return no rows. Quotes are checked against the local copies of the source documents.

Everything (:class:`Checking`, fed the whole graph) or what changed (:func:`recheck`: the nodes a change can
affect, read from an :class:`Index` of the graph after it).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import tempfile
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, Protocol

from pyoxigraph import RdfFormat, Store

from ..core.errors import CacheUnusable, Location
from ..core.formats import REGISTRY, by_extension
from ..core.namespaces import SH, curie
from ..core.terms import Row, Term, is_literal, literal_parts, rows
from ..source.load import Dataset, local_copies, located_sources, walk
from .convert import Graph
from .locality import why_not_local
from .shapes import DEFAULT_ENGINE, ShapesGraph, subject_lines
from .violations import Parts, partable, whole

if TYPE_CHECKING:
    from ..stores.query import QueryFile
    from .shapes import Violation

SEVERITIES = {SH.Violation: "error", SH.Warning: "warning", SH.Info: "info"}


@dataclass(frozen=True, order=True)
class Result:
    """One problem found by validation, where a curator can fix it."""

    location: Location
    severity: str
    message: str
    shape: str = ""
    path: str = ""
    value: str = ""
    focus: str = ""
    component: str = ""
    source: str = ""  #: the source shape by name: ``shapes:Dataset`` or ``shapes:Dataset / dcterms:license``
    result_path: str = ""  #: the result path in SPARQL syntax, IRIs in full
    language: str = ""  #: the message's language tag

    def __str__(self) -> str:
        # In an RDF file the line alone can be ambiguous: name the focus node too.
        focus = f"<{self.focus}>" if self.focus and not self.location.path.endswith((".yaml", ".yml")) else ""
        detail = ", ".join(x for x in (focus, self.shape, self.path, self.value) if x)
        return f"{self.location}: {self.severity}: {self.message}" + (f" [{detail}]" if detail else "")


@dataclass
class Report:
    results: list[Result]

    @property
    def errors(self) -> list[Result]:
        return [r for r in self.results if r.severity == "error"]

    @property
    def warnings(self) -> list[Result]:
        return [r for r in self.results if r.severity == "warning"]

    def conforms(self, strict: bool = False) -> bool:
        return not self.errors and not (strict and self.warnings)

    @classmethod
    def of(cls, parts: Mapping[str, Iterable[Result]]) -> Report:
        """The report of :meth:`Checking.finish`'s results."""
        return cls(sorted({r for found in parts.values() for r in found}))

    def summary(self) -> str:
        if not self.results:
            return "conforms: no problems found"
        return f"{len(self.errors)} error(s), {len(self.warnings)} warning(s)"


def load_turtle_dir(directory: Path, what: str = "ontology") -> bytes:
    """Every ``*.ttl`` file of a directory, concatenated in name order (each file declares its prefixes).

    Fails closed: a missing or empty directory is a :class:`~opendata_graph.core.errors.ConfigError`, never nothing.
    """
    from .shapes import turtle_files

    return b"\n".join(f.read_bytes() for f in turtle_files(directory, what))


def load_ontology_document(directory: Path) -> bytes:
    """The ontology as a release publishes it (``ontology.ttl``): the files of ``directory`` that declare an
    ``owl:Ontology``, concatenated in name order; the others (the concept schemes, whose concepts the dumps
    carry) left out, so that a tool reading the document finds one ontology, not a scheme's IRI and title.
    A directory where no file declares one: every file. A file that does not parse: a located ConfigError."""
    from ..core.namespaces import OWL, RDF
    from .shapes import parse_turtle, turtle_files

    files = turtle_files(directory, "ontology")
    declaring = [f for f in files if any(p == f"<{RDF.type}>" and o == f"<{OWL.Ontology}>"
                                         for _, p, o in parse_turtle(f))]
    return b"\n".join(f.read_bytes() for f in declaring or files)


def shacl(graph: Located, triples: Sequence[Row], shapes_dir: Path, engine: str = DEFAULT_ENGINE) -> list[Result]:
    """Run the shapes of ``shapes_dir`` over ``triples``; results located via ``graph``'s source map.

    ``engine`` is one of :data:`opendata_graph.stages.shapes.ENGINES`.
    """
    from .shapes import Engine, read

    shapes = read(shapes_dir)
    return sorted(r for _, r in shacl_results(graph, Engine(shapes, engine).validate(triples), shapes))


def shacl_results(graph: Located, violations: Iterable[Violation], shapes: ShapesGraph) -> list[tuple[str, Result]]:
    """An engine's results as located :class:`Result` s, each with its focus node's N-Triples term."""
    out = []
    for v in violations:
        simple = v.path[1:-1] if v.path and v.path.startswith("<") and v.path.endswith(">") \
            and v.path.count("<") == 1 else ""
        named = shapes.named(v.shape)
        focus = v.focus[1:-1] if v.focus.startswith("<") else v.focus
        message = v.messages[0] if v.messages else ""
        text, language = (literal_parts(message)[:2] if message else (default_message(v.component), ""))
        out.append((v.focus, Result(
            location=locate(graph, focus, simple),
            severity=SEVERITIES.get(v.severity, "error"),
            message=text,
            shape=curie(named[1:-1]) if named.startswith("<") else "",
            path=_curies(v.path or ""),
            value=v.value or "",
            focus=focus,
            component=curie(v.component),
            source=shapes.name(v.shape) if v.shape else "",
            result_path=v.path or "",
            language=language,
        )))
    return out


def _curies(path: str) -> str:
    """A SPARQL path with its IRIs as CURIEs where a prefix is known."""
    return re.sub(r"<([^<>]*)>", lambda m: curie(m.group(1)), path)


def default_message(component: str) -> str:
    """The message of a result whose shape has no ``sh:message`` (the same whichever engine found it)."""
    return f"constraint violated ({curie(component)})"


class Located(Protocol):
    """What locates a result: a converted :class:`Graph`'s source map, or the cache's."""

    @property
    def origins(self) -> Any: ...

    @property
    def first_origins(self) -> Any: ...

    @property
    def key_origins(self) -> Any: ...


def locate(graph: Located, focus: str, path: str = "") -> Location:
    """The YAML location that produced ``focus`` (and the key that produced ``path`` on it, if known)."""
    return (graph.key_origins.get((focus, path)) or graph.origins.get(focus) or graph.first_origins.get(focus)
            or Location(focus or "<graph>"))


def violation_result(graph: Located, qf: QueryFile, row: Sequence[Any], base: str) -> Result:
    """A row of a violation query as an error located at its first bound minted IRI."""
    terms = [t for t in row if t is not None]
    focus = next((t.value for t in terms if getattr(t, "value", "").startswith(base)), "")
    return Result(locate(graph, focus), "error", f"{qf.title} ({qf.path.name})",
                  value=" ".join(str(t) for t in terms), focus=focus)


def check_quotes(dataset: Dataset, seeds_dir: Path) -> list[Result]:
    """Every quote is an exact substring of its document's local copy (whitespace included)."""
    texts = local_copies(dataset, seeds_dir)
    results = [Result(doc.loc("local_copy"), "error", f"local copy {path} not found", value=str(path))
               for doc in dataset.of_kind("document") if doc.id not in texts
               for path in [seeds_dir / str(doc.data["local_copy"])]]
    # A quote that is a whole line of its document is found by a set lookup; the others by a substring search.
    lines = {doc_id: set(text.splitlines()) for doc_id, text in texts.items()}
    for record in dataset.records.values():
        for key, _, value in walk(record.kind.spec, record.data, ()):
            if key and key[-1] == "source":
                for quote_key, doc_id, quote in located_sources(value, key):
                    if doc_id in texts and quote not in lines[doc_id] and quote not in texts[doc_id]:
                        results.append(Result(record.loc(*quote_key), "error", _not_found(doc_id, quote, texts),
                                              value=repr(quote[:80])))
    return sorted(results)


def _not_found(doc_id: str, quote: str, texts: dict[str, str]) -> str:
    """The message for a quote not in its document: with the closest passage and what differs, when one is close."""
    from ..source.nearest import closest

    passage = closest(quote, texts[doc_id])
    where = f"; {passage.describe()}" if passage else ""
    return f"quote not found in {doc_id}: copy it exactly from the document{where}"


class Checking:
    """Every check of a data graph that arrives in pieces, run while it arrives.

    Started before the conversion, fed each file's rows as they are converted (:meth:`feed`), and answered once
    the graph is complete (:meth:`finish`). The SHACL engine and the store of the ``*-violation.rq`` queries read
    the graph as N-Triples from a pipe each (``odg-data-graph.nt`` in a private temporary folder): they parse on
    the second core while Python converts (pyoxigraph and the engine read without holding the GIL), and neither
    the graph's text nor a copy of its rows is held in memory. Without violation queries no store is loaded.

    :meth:`abort` (a failed or interrupted conversion) ends both pipes with a line no parser accepts, so both
    readers stop at once instead of validating half a graph. Rows may come more than once (two files stating the
    same triple): both readers hold a set of triples.
    """

    def __init__(self, shapes_dir: Path, queries_dir: Path, engine: str = DEFAULT_ENGINE, base: str = "") -> None:
        from concurrent.futures import ThreadPoolExecutor

        from ..stores.query import query_files
        from .shapes import Engine, read

        self.shapes = read(shapes_dir)
        self.engine = Engine(self.shapes, engine)
        self.engine.compile()  # a shapes graph the engine refuses is refused before any data is converted
        self.queries = query_files(queries_dir, violations=True)
        self.base = base
        self._tmp = tempfile.TemporaryDirectory(prefix="odg-data-")
        folder = Path(self._tmp.name)
        self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="odg-check")
        self._pipes: list[_Pipe] = []
        self._store_pipe: _Pipe | None = None
        self._parts: Parts | None = None  #: the violation queries' graph in parts (all of them local)
        # the store reads leniently with the Rust engine, which reads the same lines strictly (a term it cannot
        # parse fails the validation); pyshacl's parser is laxer, so then the store parses strictly
        self._lenient = self.engine.engine != "pyshacl"
        self._stop = threading.Event()
        try:
            engine_pipe = _Pipe(folder / "odg-data-graph.nt")
            self._pipes.append(engine_pipe)  # before its reader: an interrupted start still ends it
            engine_pipe.reader = self._pool.submit(self.engine.read_graph, engine_pipe.path)
            if self.queries and partable(self.queries):
                self._parts = Parts(folder)
            elif self.queries:
                store_pipe = self._store_pipe = _Pipe(folder / "odg-data-store.nt")
                self._pipes.append(store_pipe)
                store_pipe.reader = self._pool.submit(whole, store_pipe.path, self.queries, self._lenient)
        except BaseException:
            self.abort()
            raise

    def feed(self, rows: Sequence[Row]) -> None:
        """A piece of the graph (rows in any order); :class:`Stopped` once :meth:`stop` was called."""
        if self._stop.is_set():
            raise Stopped("the checks were stopped")
        if not rows:
            return
        text = "".join([f"{s} {p} {o} .\n" for s, p, o in rows]).encode("utf-8")
        rewrite = self.engine.rewriting(rows)
        self._pipes[0].write(text if not rewrite else "".join(
            [f"{rewrite.get(s, s)} {p} {rewrite.get(o, o)} .\n" for s, p, o in rows]).encode("utf-8"))
        if self._store_pipe is not None:
            self._store_pipe.write(text)
        if self._parts is not None:
            self._parts.add(rows)

    def finish(self, graph: Located, dataset: Dataset | None, seeds_dir: Path | None) -> dict[str, list[Result]]:
        """The results by kind (``shacl``, ``violation``, ``quote``), located with ``graph``'s source map, once
        every piece was fed (``seeds_dir=None``: no quote check)."""
        try:
            for pipe in self._pipes:
                pipe.close()
            parts = self._parts
            queried = None
            if parts is not None:  # queried on the second thread while the engine validates
                parts.close()
                queried = self._pool.submit(parts.query, self.queries, self._lenient)
            quotes = check_quotes(dataset, seeds_dir) if dataset is not None and seeds_dir is not None else []
            found = sorted(r for _, r in shacl_results(graph, self._pipes[0].result(), self.shapes))
            rows = (self._store_pipe.result() if self._store_pipe is not None
                    else queried.result() if queried is not None else [])
            violations = sorted(violation_result(graph, qf, row, self.base) for qf, row in rows)
            return {"shacl": found, "violation": violations, "quote": quotes}
        finally:
            self._end()

    def stop(self) -> None:
        """Ask the thread feeding the graph to stop (any thread may ask): its next :meth:`feed` raises
        :class:`Stopped`, and it :meth:`abort` s."""
        self._stop.set()

    def abort(self) -> None:
        """Stop both readers (what they found is dropped): a conversion failed or was interrupted. Called by the
        thread that feeds the graph."""
        self._end()

    def _end(self) -> None:
        """Every pipe ended (spoiled if not ended yet), the readers joined, the folder removed: whatever fails."""
        try:
            if self._parts is not None:
                self._parts.discard()
            for pipe in self._pipes:
                with contextlib.suppress(Exception):  # a reader's own error is its result, not this one's
                    pipe.close(spoiled=True)
        finally:
            try:
                self._pool.shutdown(wait=True)
            finally:
                self._tmp.cleanup()


class Stopped(Exception):
    """The checks were asked to stop (:meth:`Checking.stop`): the run is being abandoned."""


#: Seconds a pipe's reader has to open it (it opens at once: a thread of the checks' own pool).
OPEN_WAIT = 60


class _Pipe:
    """A named pipe one reader (a thread) reads a graph from, written a piece at a time."""

    def __init__(self, path: Path) -> None:
        os.mkfifo(path, 0o600)
        self.path = path
        self.reader: Future[Any] | None = None
        self._file: BinaryIO | None = None
        self._closed = False
        self._broken = False  #: the reader stopped reading before the end of the graph

    def write(self, data: bytes) -> None:
        if self._closed:
            return
        try:
            if self._file is None:
                self._file = self._open()
            self._file.write(data)
        except BrokenPipeError:  # the reader stopped (its error is its result)
            self._closed = self._broken = True
            self._release()

    def _release(self) -> None:
        if self._file is not None:
            with contextlib.suppress(OSError):
                self._file.close()
            self._file = None

    def _open(self) -> BinaryIO:
        """The writing end, once the reader has opened the other (a reader that fails before: its error; one that
        has not opened it within :data:`OPEN_WAIT` seconds: an internal error)."""
        import errno
        import time

        deadline = time.monotonic() + OPEN_WAIT
        while True:
            try:
                fd = os.open(self.path, os.O_WRONLY | os.O_NONBLOCK)
                break
            except OSError as exc:
                if exc.errno != errno.ENXIO:
                    raise
                if self.reader is not None and self.reader.done():
                    self.reader.result()  # its error
                    raise BrokenPipeError(f"{self.path.name}: the reader ended without reading") from None
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{self.path.name}: no reader opened the pipe in {OPEN_WAIT} s") from None
                time.sleep(0.001)
        os.set_blocking(fd, True)
        with contextlib.suppress(OSError, AttributeError):  # a larger pipe buffer: fewer switches between threads
            fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, 1 << 20)
        return os.fdopen(fd, "wb", buffering=1 << 16)

    def close(self, spoiled: bool = False) -> None:
        """The end of the graph; ``spoiled``: a last line no N-Triples parser accepts (the reader fails at once)."""
        if self._closed:
            return
        self._closed = True
        try:
            if self.reader is not None and self.reader.done() and not spoiled:
                self._broken = True  # it answered before the end of the graph was written: it did not read it
            if self._file is None:
                if self.reader is None or self.reader.done():
                    return
                self._file = self._open()
            if spoiled:
                self._file.write(b"\n<odg:aborted\n")
            self._file.close()
        except OSError:  # the reader stopped (a broken pipe): its error is its result
            self._broken = not spoiled
        finally:
            self._release()

    def result(self) -> Any:
        """What the reader found; fails closed: a reader that stopped before the end of the graph and says
        nothing of why has not checked it (an internal error, exit 3). Seen when the pipe broke or the reader
        had answered before the end was written; a reader stopping within the last pipe buffer (~1 MB) and
        then waiting for the end is not seen (the engine and pyoxigraph read to the end)."""
        assert self.reader is not None
        found = self.reader.result()
        if self._broken:
            raise RuntimeError(f"{self.path.name}: the check stopped reading before the end of the graph")
        return found


# -- what a change affects ----------------------------------------------------------------------------------------

class Index(Protocol):
    """The whole graph after a change, as a run that checks only the change reads it (the build cache's store)."""

    def neighbours_out(self, node: Term) -> set[Term]: ...

    def neighbours_in(self, node: Term) -> set[Term]: ...

    def neighbourhood(self, nodes: set[Term], inverse: set[str]) -> list[Row]:
        """Every triple a validation of ``nodes`` can read with shapes of reach 1 (:func:`~opendata_graph.stages.
        shapes.reach`): the nodes' own, their objects' own, those pointing at the nodes by an ``inverse``
        predicate (an inverse path's or a ``sh:targetObjectsOf``) with their subjects' own, and the vocabulary."""
        ...

    def stated_with(self, subjects: set[Term]) -> bytes:
        """N-Triples of every source file that states something about one of ``subjects``."""
        ...


@dataclass(frozen=True)
class LocalShapes:
    """Shapes whose results for a node depend only on what lies one link from it (:func:`local_shapes`)."""

    shapes: ShapesGraph
    inverse: set[str]  #: the predicates they follow backwards


def local_shapes(shapes_dir: Path) -> LocalShapes:
    """The shapes of ``shapes_dir`` (already checked by a full run), if a change can be checked locally with them;
    else :class:`CacheUnusable`."""
    from .shapes import inverse_predicates, reach, read

    shapes = read(shapes_dir, checked=True)
    inverse = inverse_predicates(shapes)
    if reach(shapes) > 1 or inverse is None:
        raise CacheUnusable("shapes read further than one link from the focus node")
    return LocalShapes(shapes, inverse)


#: The results a change replaces, per kind of check: the keys (focus or subject terms) whose earlier results go,
#: and the results found for them (each with its key).
Rechecked = dict[str, tuple[set[str], list[tuple[str, "Result"]]]]


def recheck(index: Index, located: Located, changed: set[Term], old_objects: set[Term], shapes: LocalShapes,
            queries: Sequence[QueryFile], base: str,
            verdict: Callable[[str], str | None] = why_not_local) -> Rechecked:
    """The SHACL and violation-query results of every node a change can affect: ``changed``, the subjects of the
    triples added or removed, and ``old_objects``, the objects the removed ones had.

    SHACL re-validates the changed subjects and their neighbours in both directions (no other focus node's
    results can change with shapes of reach 1), against their neighbourhood. The violation queries are re-run for
    the changed subjects, the nodes they link to and the nodes linked from the nodes that link to them, over the
    source files that state something about those subjects (each file states its facts with their reification,
    sources and types, so a query's answer for a ``?subject`` is decided by those files, when the query reads only
    what :mod:`.locality` allows): the queries must be local (which includes projecting ``?subject``), else
    :class:`CacheUnusable`.
    """
    from .shapes import Engine

    for qf in queries:
        reason = verdict(qf.text)
        if reason is not None:
            raise CacheUnusable(f"{qf.path.name} is not local: {reason}")
    out_x = old_objects.union(*(index.neighbours_out(n) for n in changed))
    in_x: set[Term] = set().union(*(index.neighbours_in(n) for n in changed))
    affected = changed | out_x | in_x
    found = Engine(shapes.shapes).validate(index.neighbourhood(affected, shapes.inverse))
    shacl_found = shacl_results(located, [v for v in found if v.focus in affected], shapes.shapes)
    subjects = changed | out_x | set().union(*(index.neighbours_out(n) for n in in_x))
    wanted = {s for s in subjects if not is_literal(s)}
    violations: list[tuple[str, Result]] = []
    local = Store()  # the files' graphs, copied by pyoxigraph itself (querying them in place is far slower)
    local.load(index.stated_with(wanted), format=RdfFormat.N_TRIPLES)
    for qf in queries:
        solutions = local.query(qf.text)
        names = [v.value for v in solutions.variables]  # type: ignore[union-attr]
        for row in solutions:  # type: ignore[union-attr]
            subject = str(row[names.index("subject")])
            if subject in wanted:
                violations.append((subject, violation_result(located, qf, list(row), base)))
    return {"shacl": (affected, shacl_found), "violation": (subjects, violations)}


def validate_rdf(files: Sequence[Path], shapes_dir: Path, engine: str = DEFAULT_ENGINE) -> Report:
    """Validate plain RDF files (their union) against the shapes; results point at the subject's first line.

    A file that does not parse is an input error at the parser's line and column.
    """
    from pyoxigraph import parse

    from ..core.errors import DataError

    graph = Graph(base="")
    triples: list[Row] = []
    for path in files:
        try:
            fmt = by_extension(path.suffix)
            if fmt is None:
                raise DataError("not an RDF file the project reads", Location.of(path),
                                f"give one of: {', '.join(f.extension for f in REGISTRY)}")
            parsed = rows(parse(path=str(path), format=fmt.rdf))
        except SyntaxError as exc:
            line, col = _parser_position(str(exc))
            raise DataError(f"RDF syntax: {exc}", Location.of(path, line, col),
                            "check the file with a strict parser") from None
        triples += parsed
        for subject, line in subject_lines(path, parsed).items():
            graph.origins.setdefault(subject, Location.of(path, line))
        for s, _, _ in parsed:
            graph.origins.setdefault(s.strip("<>"), Location.of(path))
    return Report(shacl(graph, triples, shapes_dir, engine))


def _parser_position(message: str) -> tuple[int, int]:
    found = re.search(r"line (\d+)(?:,? column (\d+))?", message)
    return (int(found.group(1)), int(found.group(2) or 0)) if found else (0, 0)
