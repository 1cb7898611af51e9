"""Publish step: write the release to ``dist/`` -- dumps, gzip copies, VoID/DCAT description, SHA256SUMS.

The dumps are cut into blocks of whole subjects, with content-defined boundaries: a block ends after a subject
whose CRC-32 has its low six bits zero (about 64 subjects a block), so adding or removing a subject moves no
boundary but its own. Each block is rendered into the three formats at once, and each gzip copy is a
concatenation of one gzip member per block (RFC 1952 section 2.2; every gzip reader decompresses it whole), so
a rebuild (:class:`Rerender`) re-renders and re-compresses the blocks an edit touched and copies
the others from the previous release -- the same bytes a full build writes.

The release is written into a fresh sibling directory and swapped in with two renames, so ``dist/`` is always a
whole release: the new one, or (if anything fails before the swap) the previous one untouched. Nothing in the
files depends on the clock or on hash order, so two builds of the same data are byte-identical.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import shutil
import signal
import tempfile
import zlib
from bisect import bisect_left
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Union

from pyoxigraph import NamedNode, Store

from ..core import jsonld, mint, outputs, serialize
from ..core.errors import ConfigError, Location
from ..core.formats import DUMPS, STEM, TURTLE, media_type_of
from ..core.namespaces import (
    ADMS,
    DCAT,
    DCTERMS,
    FOAF,
    IANA_MEDIA,
    PROV,
    RDF,
    RDFS,
    SPDX,
    SPDX_LICENSE,
    STANDARD_NAMESPACES,
    TEXT_LANGUAGE,
    VCARD,
    VOID,
    XSD,
)
from ..core.terms import Row, Term, external_iri, iri, literal, literal_parts
from ..core.terms import rows as quad_rows
from ..releases import releases
from .convert import digest, en

#: A block ends after a subject whose CRC-32 has these bits zero: about 64 subjects a block.
BLOCK_MASK = 63


def boundary(subject: Term) -> bool:
    """Whether a block ends after ``subject`` (a property of the subject alone: content-defined)."""
    return zlib.crc32(subject.encode("utf-8")) & BLOCK_MASK == 0


@dataclass(frozen=True)
class Range:
    """Bytes of a file already written (the previous release), copied by the kernel, not through Python."""

    path: str
    offset: int
    length: int


Piece = Union[bytes, Range, "Future[bytes]"]


@dataclass
class Stats:
    """What the release description counts, for a block or a whole release."""

    triples: int = 0
    subjects: int = 0
    classes: Counter[str] = field(default_factory=Counter)
    predicates: set[str] = field(default_factory=set)
    prefixes: set[str] = field(default_factory=set)

    @classmethod
    def total(cls, parts: Iterable[Stats]) -> Stats:
        out = cls()
        for s in parts:
            out.triples += s.triples
            out.subjects += s.subjects
            out.classes.update(s.classes)
            out.predicates |= s.predicates
            out.prefixes |= s.prefixes
        return out

    def to_json(self) -> str:
        return json.dumps([self.triples, self.subjects, dict(sorted(self.classes.items())), sorted(self.predicates),
                           sorted(self.prefixes)])

    @classmethod
    def from_json(cls, text: str) -> Stats:
        triples, subjects, classes, predicates, prefixes = json.loads(text)
        return cls(triples, subjects, Counter(classes), set(predicates), set(prefixes))


@dataclass
class Block:
    """A run of whole subjects in every dump: each format's bytes and its gzip member."""

    last: Term  #: its last subject: the block holds the subjects after the previous block's last, up to this
    is_last: bool  #: the last block of the release (its JSON-LD ends the array instead of continuing it)
    stats: Stats
    pieces: dict[str, Piece]  #: by format ("nt", "ttl", "jsonld") and gzip member ("nt.gz", ...)
    subjects: list[Term] | None = None  #: None: not read (a block copied from the previous release)


def spans(rows: Sequence[Row]) -> list[tuple[int, int]]:
    """Rows sorted as tuples, cut into blocks of whole subjects at the content-defined boundaries."""
    out = []
    start = 0
    previous = None
    for i, (s, _, _) in enumerate(rows):
        if s != previous:
            if previous is not None and boundary(previous):
                out.append((start, i))
                start = i
            previous = s
    if start < len(rows):
        out.append((start, len(rows)))
    return out


def block_of(rendered: serialize.Rendered, is_last: bool, compress: Callable[[bytes], Piece],
             park: Callable[[str, bytes], Piece] | None = None) -> Block:
    """A block's pieces in every dump format and their gzip members; ``park`` (a :class:`Spool`'s ``put``) moves
    the plain pieces out of memory until the release is written."""
    pieces: dict[str, Piece] = {}
    for fmt in DUMPS:
        assert fmt.writer is not None
        plain = fmt.writer.piece(rendered, is_last)
        pieces[fmt.key + ".gz"] = compress(plain)
        pieces[fmt.key] = park(fmt.key, plain) if park is not None else plain
    stats = Stats(rendered.triples, len(rendered.subjects), rendered.classes, rendered.predicates,
                  rendered.prefixes)
    return Block(rendered.subjects[-1], is_last, stats, pieces, rendered.subjects)


def fact_sources(rows: Sequence[Row], base: str) -> serialize.Sources:
    """Each fact's sources, read off the statements among ``rows`` (sorted: a statement's sources in order)."""
    prefix, derived = f"<{mint.statements(base)}", f"<{PROV.wasDerivedFrom}>"
    index: dict[Term, list[Term]] = {}
    for s, p, o in rows:
        if p == derived and s.startswith(prefix):
            index.setdefault(s, []).append(o)
    return lambda row: index.get(serialize.statement_iri(base, row), ())


def render_blocks(rows: Sequence[Row], base: str, compress: Callable[[bytes], Piece],
                  park: Callable[[str, bytes], Piece] | None = None,
                  terms: serialize.Terms = serialize.NO_TERMS) -> list[Block]:
    """Every block of the dumps of ``rows`` (sorted as tuples); ``compress`` makes each gzip member (a thread
    pool's ``submit(serialize.gzipped, ...)``: zlib runs without the GIL, on the second core); ``park`` keeps the
    plain pieces on disk (:class:`Spool`); ``terms``: the JSON-LD dump's (:attr:`Release.terms`)."""
    return list(iter_blocks(rows, base, compress, park, terms))


def iter_blocks(rows: Sequence[Row], base: str, compress: Callable[[bytes], Piece],
                park: Callable[[str, bytes], Piece] | None = None,
                terms: serialize.Terms = serialize.NO_TERMS) -> Iterator[Block]:
    """:func:`render_blocks` one block at a time, for :func:`publish_stream`: each block is written before the
    next is rendered, so the release's renderings never sit in memory together."""
    renderer = serialize.Renderer(base, fact_sources(rows, base), terms)
    cuts = spans(rows)
    for i, (a, b) in enumerate(cuts):
        yield block_of(renderer.render(rows[a:b]), i == len(cuts) - 1, compress, park)


class Spool:
    """Rendered pieces parked in files beside ``dist`` until the release is written (then copied by the kernel,
    as :class:`Range` s): the five dump formats of a whole release never sit in memory together (~600 MB of
    plain text at 1M triples; the gzip members, a tenth of that, stay in memory).

    One spool per build, under the release lock, so a spool left by a killed build is stale and removed here."""

    def __init__(self, dist: Path) -> None:
        dist = dist.resolve()
        dist.parent.mkdir(parents=True, exist_ok=True)
        for leftover in dist.parent.glob(f".{dist.name}.spool-*"):
            shutil.rmtree(leftover, ignore_errors=True)
        self.directory = Path(tempfile.mkdtemp(prefix=f".{dist.name}.spool-", dir=dist.parent))
        self._files: dict[str, BinaryIO] = {}
        self._sizes: dict[str, int] = {}

    def put(self, key: str, data: bytes) -> Piece:
        f = self._files.get(key)
        if f is None:
            # unbuffered: a parked piece is readable by its path as soon as it is parked
            f = self._files[key] = open(self.directory / key, "wb", buffering=0)  # noqa: SIM115 (closed in close())
        offset = self._sizes.get(key, 0)
        with outputs.naming(self.directory / key), memoryview(data) as view:  # a full disk names the spool file
            done = 0
            while done < len(view):
                done += f.write(view[done:]) or 0
        self._sizes[key] = offset + len(data)
        return Range(str(self.directory / key), offset, len(data))

    def deferred(self, key: str, data: bytes) -> Piece:
        """A ``park`` for :func:`iter_blocks` that parks only the pieces of the dumps written last (the Turtle
        dump, whose head names the prefixes every block uses); the others are written as they are rendered."""
        return self.put(key, data) if key in DEFERRED else data

    def flush(self) -> None:
        """Make every parked piece readable by path (before the release is written)."""
        for key, f in self._files.items():
            with outputs.naming(self.directory / key):
                f.flush()

    def __enter__(self) -> Spool:
        return self

    def __exit__(self, *_: object) -> None:
        for f in self._files.values():
            f.close()
        shutil.rmtree(self.directory, ignore_errors=True)


def _store_sources(store: Store, base: str) -> serialize.Sources:
    """A fact's sources, from its statement's triples in the store (the quad dumps' graphs)."""
    derived = NamedNode(PROV.wasDerivedFrom)

    def sources(row: Row) -> list[Term]:
        st = NamedNode(serialize.statement_iri(base, row)[1:-1])
        return sorted({str(q.object) for q in store.quads_for_pattern(st, derived, None)})

    return sources


class Rerender:
    """Blocks rendered again from the store, for the subjects that changed."""

    def __init__(self, store: Store, base: str, compress: Callable[[bytes], Piece],
                 terms: serialize.Terms = serialize.NO_TERMS) -> None:
        self.store = store
        self.base = base
        # a closure, not a bound method: the renderer must not hold this object (a cycle would keep the on-disk
        # store open until a garbage collection, which a build pauses)
        self.renderer = serialize.Renderer(base, _store_sources(store, base), terms)
        self.compress = compress

    def facts_of(self, subjects: set[Term]) -> set[Term]:
        """The subjects of the facts that pending statements reify: a fact's graphs (in the quad dumps) change with
        its statement's sources, so its block is rendered again too."""
        prefix, about = f"<{mint.statements(self.base)}", NamedNode(RDF.subject)
        return {str(q.object) for s in subjects if s.startswith(prefix)
                for q in self.store.quads_for_pattern(NamedNode(s[1:-1]), about, None)}

    def rows(self, subjects: Sequence[Term]) -> list[Row]:
        out: set[Row] = set()
        for s in subjects:
            out.update(quad_rows(self.store.quads_for_pattern(NamedNode(s[1:-1]), None, None, None)))
        return sorted(out)

    def blocks(self, rs: Sequence[Row], ends_release: bool) -> list[Block]:
        cuts = spans(rs)
        return [block_of(self.renderer.render(rs[a:b]), ends_release and i == len(cuts) - 1, self.compress)
                for i, (a, b) in enumerate(cuts)]

    def apply(self, blocks: list[Block], pending: set[Term]) -> tuple[list[Block], int]:
        """The new list of blocks, and how many were rendered again."""
        pending = pending | self.facts_of(pending)
        n = len(blocks)
        lasts = [b.last for b in blocks]
        by_block: dict[int, set[Term]] = {}  # pending subjects by the block whose range holds them
        for s in pending:
            by_block.setdefault(min(bisect_left(lasts, s), n - 1), set()).add(s)
        touched = by_block.keys()
        out: list[Block] = []
        rendered = 0
        i = 0
        while i < n:
            if i not in touched:
                out.append(blocks[i])
                i += 1
                continue
            subjects: set[Term] = set()
            j = i
            while True:  # take in blocks until the run ends at a boundary subject (or at the end)
                subjects |= set(blocks[j].subjects or ()) | by_block.get(j, set())
                j += 1
                if j < n and j in touched:
                    continue
                rs = self.rows(sorted(subjects))
                if j == n or (rs and boundary(rs[-1][0])):
                    break
            new = self.blocks(rs, j == n)
            out += new
            rendered += len(new)
            i = j
        for k, b in enumerate(out):  # the JSON-LD of the last block closes the array: fix blocks that moved
            if b.is_last != (k == len(out) - 1):
                (out[k],) = self.blocks(self.rows(b.subjects or ()), k == len(out) - 1)
                rendered += 1
        return out, rendered


#: What the description of a release built with --no-quote-check says (and the positions of quotes it lacks).
QUOTES_NOT_CHECKED = ("The quotes were not checked against the source documents (built with --no-quote-check), "
                      "and their positions in the documents are not given.")


def void_description(stats: Stats, files: Mapping[str, tuple[int, str]], base: str,
                     release: Mapping[str, Any], documents: Sequence[str], examples: Sequence[str] = ()) -> list[Row]:
    """VoID + DCAT description of the build (``dist/void.ttl``): the catalog, the dataset with its counts, class
    partitions and distributions (``files``: name -> (byte size, SHA-256 hex)) at ``<base>dist/<file>``, in the
    shape DCAT-AP 3.0.1 asks for as harvested (every class a shape checks stated: media types, the checksum
    algorithm, the shapes as a standard, the landing page as a document)."""
    ds = iri(mint.dataset(base))
    out: list[Row] = []

    def add(s: Term, p: str, o: Term) -> None:
        out.append((s, iri(p), o))

    def integer(n: int) -> Term:
        return literal(str(n), datatype=XSD.integer)

    classes = stats.classes
    predicates = stats.predicates
    for t in (VOID.Dataset, DCAT.Dataset):
        add(ds, RDF.type, iri(t))
    out += _about(ds, base, release)
    if release.get("version"):
        add(ds, DCAT.version, literal(str(release["version"])))
    if release.get("rights"):
        add(ds, DCTERMS.rights, en(str(release["rights"])))
    if release.get("contact"):  # DCAT's contact point: a vCard with the address to write to
        contact, address = iri(mint.dataset(base, mint.CONTACT)), str(release["contact"])
        add(ds, DCAT.contactPoint, contact)
        add(contact, RDF.type, iri(VCARD.Kind))
        add(contact, VCARD.fn, literal(str(release.get("publisher") or release.get("title") or "opendata-graph")))
        add(contact, VCARD.hasEmail if address.startswith("mailto:") else VCARD.hasURL, external_iri(address))
    add(ds, DCTERMS.conformsTo, iri(base + "shapes"))
    add(iri(base + "shapes"), RDF.type, iri(DCTERMS.Standard))
    add(iri(base + "shapes"), DCTERMS.title, en("The SHACL shapes the release was checked against"))
    add(ds, VOID.uriSpace, literal(base))
    for doc in documents:  # provenance: what the facts were quoted from (DCAT-AP reads dct:source as a dataset)
        add(ds, PROV.wasDerivedFrom, iri(doc))
    for example in examples:
        add(ds, VOID.exampleResource, iri(example))
    for ns in sorted(ns for ns in STANDARD_NAMESPACES if any(p.startswith(ns) for p in predicates | set(classes))):
        add(ds, VOID.vocabulary, iri(ns))
    add(ds, VOID.vocabulary, iri(base + "ontology#"))
    add(ds, VOID.triples, integer(stats.triples))
    add(ds, VOID.entities, integer(stats.subjects))
    add(ds, VOID.distinctSubjects, integer(stats.subjects))
    add(ds, VOID.properties, integer(len(predicates)))
    add(ds, VOID.classes, integer(len(classes)))
    for cls, n in sorted(classes.items()):
        part = iri(mint.dataset(base, mint.CLASS, digest(cls, 12)))
        add(ds, VOID.classPartition, part)
        add(part, VOID["class"], iri(cls))
        add(part, VOID.entities, integer(n))
    out += catalog(base, release, [ds])
    out += distributions(ds, files, base, "dist/", release)
    return out


def _about(s: Term, base: str, release: Mapping[str, Any], suffix: str = "") -> list[Row]:
    """What the catalog, the series, the build and each version all say: title, description, licence, landing
    page, publisher (an agent with a name)."""
    out: list[Row] = []

    def add(p: str, o: Term) -> None:
        out.append((s, iri(p), o))

    add(DCTERMS.title, en(str(release.get("title", "opendata-graph release")) + suffix))
    add(DCTERMS.description, en(str(release.get("description") or release.get("title", "opendata-graph release"))))
    if release.get("licence"):
        add(DCTERMS.license, iri(SPDX_LICENSE[str(release["licence"])]))
        out.append((iri(SPDX_LICENSE[str(release["licence"])]), iri(RDF.type), iri(DCTERMS.LicenseDocument)))
    if release.get("homepage"):
        page = external_iri(str(release["homepage"]))
        add(FOAF.homepage if s == iri(mint.path(base, mint.CATALOG)) else DCAT.landingPage, page)
        out.append((page, iri(RDF.type), iri(FOAF.Document)))
    agent = iri(mint.dataset(base, mint.PUBLISHER))
    add(DCTERMS.publisher, agent)
    out.append((agent, iri(RDF.type), iri(FOAF.Agent)))
    out.append((agent, iri(FOAF.name), literal(str(release.get("publisher") or "The opendata-graph project"))))
    return out


def catalog(base: str, release: Mapping[str, Any], datasets: Sequence[Term]) -> list[Row]:
    """The ``dcat:Catalog`` a portal harvests: ``<base>catalog``, listing ``datasets``."""
    cat = iri(mint.path(base, mint.CATALOG))
    out: list[Row] = [(cat, iri(RDF.type), iri(DCAT.Catalog)), *_about(cat, base, release)]
    out += [(cat, iri(DCAT.dataset), d) for d in datasets]
    return out


def version_description(build: Sequence[Row], base: str, release: Mapping[str, Any], version: str, date: str,
                        previous: str | None, older: Sequence[tuple[str, str | None]], notes: str,
                        files: Mapping[str, tuple[int, str]]) -> list[Row]:
    """A release's own ``void.ttl``, from the build's description (``build``): the version
    ``<base>dataset/VERSION`` is the dataset -- its counts, partitions and distributions of its own, whose
    download URLs name this version's files (``<base>releases/VERSION/<file>``, with ``files``' checksums: true
    for as long as the release stands) -- ``dcat:inSeries``/``dcat:isVersionOf`` the series ``<base>dataset``
    (a ``dcat:DatasetSeries`` with every version so far, ``older``: (version, date)); the catalog lists the series
    and every version."""
    series, this = iri(mint.dataset(base)), iri(mint.dataset(base, version))
    own = mint.dataset(base, mint.DISTRIBUTION, "")
    moved = {iri(DCAT.distribution), iri(VOID.dataDump), iri(RDF.type), iri(DCAT.version), iri(DCTERMS.title)}
    out: list[Row] = []
    for s, p, o in build:
        if s.startswith(f"<{own}") or s == iri(mint.path(base, mint.CATALOG)):
            continue  # the build's distributions and catalog: this release has its own
        if s == series:
            if p not in moved:
                out.append((this, p, o))
            continue
        out.append((s, p, o))

    def add(s: Term, p: str, o: Term) -> None:
        out.append((s, iri(p), o))

    for t in (VOID.Dataset, DCAT.Dataset):
        add(this, RDF.type, iri(t))
    add(this, DCTERMS.title, en(f"{release.get('title', 'opendata-graph release')} {version}"))
    add(this, DCAT.version, literal(version))
    add(this, DCTERMS.issued, literal(date, datatype=XSD.date))
    add(this, ADMS.versionNotes, literal(notes, language=TEXT_LANGUAGE))
    add(this, DCAT.inSeries, series)
    add(this, DCAT.isVersionOf, series)
    if previous is not None:
        add(this, DCAT.previousVersion, iri(mint.dataset(base, previous)))
    # the series: issued with its first release, modified with this one, every version so far
    for t in (DCAT.DatasetSeries, DCAT.Dataset):
        add(series, RDF.type, iri(t))
    out += [r for r in _about(series, base, release) if r[0] == series]
    dates = [d for _, d in older if d] + [date]
    add(series, DCTERMS.issued, literal(min(dates), datatype=XSD.date))
    add(series, DCTERMS.modified, literal(date, datatype=XSD.date))
    add(series, DCAT.hasCurrentVersion, this)
    versions: list[Term] = []
    for v, when in older:
        node = iri(mint.dataset(base, v))
        versions.append(node)
        add(node, RDF.type, iri(DCAT.Dataset))
        out += [r for r in _about(node, base, release, f" {v}") if r[0] == node]
        add(node, DCAT.version, literal(v))
        if when:
            add(node, DCTERMS.issued, literal(when, datatype=XSD.date))
        add(node, DCAT.inSeries, series)
    versions.append(this)
    out += [(series, iri(DCAT.hasVersion), v) for v in versions]
    out += catalog(base, release, [series, *versions])
    out += distributions(this, files, base, f"releases/{version}/", release)
    return out


def described_base(release: Path) -> str | None:
    """The base IRI a release was built with (its ``void.ttl``'s ``void:uriSpace``, read through its checksums),
    or None without one."""
    if not release.is_dir() or not (release / "void.ttl").is_file():
        return None
    from pyoxigraph import RdfFormat, parse

    from ..releases.releasedir import ReleaseDir

    described = quad_rows(parse(ReleaseDir(release).read_bytes("void.ttl"), format=RdfFormat.TURTLE))
    spaces = sorted({literal_parts(o)[0] for _, p, o in described if p == f"<{VOID.uriSpace}>"})
    return spaces[0] if len(spaces) == 1 else None


def void_rows(path: Path) -> list[Row]:
    """The triples of a written ``void.ttl``."""
    from pyoxigraph import RdfFormat, parse

    return quad_rows(parse(path=str(path), format=RdfFormat.TURTLE))


def distributions(ds: Term, files: Mapping[str, tuple[int, str]], base: str, folder: str,
                  release: Mapping[str, Any]) -> list[Row]:
    """Each dump (and the JSON-LD context) of ``files`` as a ``dcat:Distribution`` of ``ds`` downloaded from
    ``<base><folder><file>``: title, description, licence, format and media type (IANA, typed
    ``dct:MediaType``), gzip as its compression format, byte size and SHA-256 (``spdx:Checksum``)."""
    out: list[Row] = []

    def add(s: Term, p: str, o: Term) -> None:
        out.append((s, iri(p), o))

    prefix = mint.below(ds[1:-1], mint.DISTRIBUTION, "")
    for name, (size, sha256) in sorted(files.items()):
        if not (name.startswith(f"{STEM}.") or name == "context.jsonld"):
            continue
        dist = iri(prefix + name)
        checksum = iri(f"{prefix}{name}/sha256")
        url = iri(f"{base}{folder}{name}")
        add(ds, DCAT.distribution, dist)
        if name.startswith(STEM):
            add(ds, VOID.dataDump, url)
        media = iri(IANA_MEDIA[media_type_of(name.removesuffix(".gz"))])
        add(dist, RDF.type, iri(DCAT.Distribution))
        add(dist, DCTERMS.title, literal(name))
        packed = " (gzip)" if name.endswith(".gz") else ""
        add(dist, DCTERMS.description, en(f"{media_type_of(name.removesuffix('.gz'))}{packed}: "
                                          + ("the JSON-LD context of the dumps" if name == "context.jsonld"
                                             else "every triple of the release")))
        add(dist, DCAT.downloadURL, url)
        add(dist, DCAT.accessURL, url)  # DCAT: every distribution has an access URL
        if release.get("licence"):
            add(dist, DCTERMS.license, iri(SPDX_LICENSE[str(release["licence"])]))
        add(dist, DCTERMS.format, media)
        add(dist, DCAT.mediaType, media)
        add(media, RDF.type, iri(DCTERMS.MediaType))
        add(media, RDF.type, iri(DCTERMS.MediaTypeOrExtent))
        if name.endswith(".gz"):
            gz = iri(IANA_MEDIA["application/gzip"])
            add(dist, DCAT.compressFormat, gz)
            add(gz, RDF.type, iri(DCTERMS.MediaType))
            add(gz, RDF.type, iri(DCTERMS.MediaTypeOrExtent))
        add(dist, DCAT.byteSize, literal(str(size), datatype=XSD.nonNegativeInteger))
        add(dist, SPDX.checksum, checksum)
        add(checksum, RDF.type, iri(SPDX.Checksum))
        add(checksum, SPDX.algorithm, iri(SPDX.checksumAlgorithm_sha256))
        add(iri(SPDX.checksumAlgorithm_sha256), RDF.type, iri(SPDX.ChecksumAlgorithm))
        add(checksum, SPDX.checksumValue, literal(sha256, datatype=XSD.hexBinary))
    return out


@dataclass
class Written:
    """A file written into the release: its size, SHA-256 and where each of its pieces landed."""

    size: int
    sha256: str
    spans: list[tuple[int, int]]
    lead: int = 0  #: pieces before the first block (a dump's head): block k is ``spans[lead + k]``


@dataclass
class Release:
    """What a release is made of besides its blocks."""

    base: str
    meta: Mapping[str, Any]  #: release.yaml (title, licence, version...)
    documents: Sequence[str]  #: the source documents' IRIs
    ontology: bytes
    shapes: bytes
    examples: Sequence[str] = ()  #: the featured records' IRIs (release.yaml's ``featured``), in its order
    pictures: Mapping[str, bytes] = field(default_factory=dict)  #: file name -> SVG (pictures.release_files)
    quotes_checked: bool = True  #: False: built with --no-quote-check, and the description says so

    @functools.cached_property
    def terms(self) -> serialize.Terms:
        """The JSON-LD dump's terms: the properties the ontology declares (:func:`jsonld.dump_terms`)."""
        return jsonld.dump_terms(self.ontology)


def publish(blocks: Iterable[Block], release: Release, dist: Path) -> dict[str, Written]:
    """Write a whole release into ``dist`` (atomically): the dumps from ``blocks``, their gzip copies, the
    JSON-LD context, ontology, shapes, the pictures (network.svg, timeline.svg), ``void.ttl`` and ``SHA256SUMS``."""
    return publish_stream(blocks, release, dist)[1]


def publish_stream(blocks: Iterable[Block], release: Release, dist: Path,
                   rendered: Callable[[], None] | None = None,
                   gate: Callable[[], None] | None = None) -> tuple[list[Block], dict[str, Written]]:
    """:func:`publish` from blocks as they come (:func:`iter_blocks`): each block's pieces are written into the
    staged release as it arrives, except those of the dumps whose head depends on every block (:data:`DEFERRED`),
    written once the last block is in. ``rendered`` is called when ``blocks`` is exhausted; ``gate`` once every
    file is staged, before the release is swapped in (raising there leaves ``dist`` as it was). Returns the
    blocks without their pieces (what the build cache records) and the files written."""
    base = release.base
    with staged(dist, outputs.RELEASE) as stage:
        written, done = _write_dumps(stage, iter(blocks), release, rendered)
        stats = Stats.total(b.stats for b in done)
        context = (json.dumps(serialize.jsonld_context(base, release.terms), indent=1) + "\n").encode("utf-8")
        for name, data in (("context.jsonld", context), ("ontology.ttl", release.ontology),
                           ("shapes.ttl", release.shapes), *sorted(release.pictures.items())):
            written[name] = stage.write(name, [data])
        described = {k: (w.size, w.sha256) for k, w in written.items() if k.startswith(STEM) or k == "context.jsonld"}
        described_rows = void_description(stats, described, base, release.meta, release.documents, release.examples)
        if not release.quotes_checked:  # a build with --no-quote-check says so
            described_rows.append((iri(mint.dataset(base)), iri(RDFS.comment), en(QUOTES_NOT_CHECKED)))
        void = TURTLE.document(described_rows, base)
        written["void.ttl"] = stage.write("void.ttl", [void])
        mark = outputs.marker_text(outputs.RELEASE, [*written, outputs.MARKER, "SHA256SUMS"])  # odg's directory
        written[outputs.MARKER] = stage.write(outputs.MARKER, [mark.encode("utf-8")])
        # the marker is odg's bookkeeping of dist/, not a file of the release: not in its checksums
        sums = "".join(f"{w.sha256}  {name}\n" for name, w in sorted(written.items())
                       if name != outputs.MARKER).encode("ascii")
        written["SHA256SUMS"] = stage.write("SHA256SUMS", [sums])
        if gate is not None:
            gate()
    return done, dict(sorted(written.items()))


#: Dumps whose head depends on every block (Turtle's ``@prefix`` lines name the prefixes used): their pieces are
#: kept (parked: :meth:`Spool.deferred`) until the last block is rendered, then written.
DEFERRED = frozenset(f.key for f in DUMPS if f.writer is not None and f.writer.head_needs_blocks)


def _write_dumps(stage: Stage, blocks: Iterator[Block], release: Release,
                 rendered: Callable[[], None] | None) -> tuple[dict[str, Written], list[Block]]:
    """Every dump and its gzip copy from ``blocks``: streamed, deferred dumps last (:func:`publish_stream`)."""
    base, terms = release.base, release.terms
    first = next(blocks, None)
    empty = first is None
    sinks: dict[str, Sink] = {}
    leads: dict[str, int] = {}
    for fmt in DUMPS:
        assert fmt.writer is not None
        if fmt.key in DEFERRED:
            continue
        head = fmt.writer.head(base, (), empty, terms)
        for name, piece in ((fmt.dump, head), (fmt.dump + ".gz", serialize.gzipped(head) if head else b"")):
            sinks[name] = stage.open(name)
            leads[name] = 1 if head else 0
            if head:
                sinks[name].append(piece)
    kept: dict[str, list[Piece]] = {key: [] for fmt in DUMPS if fmt.key in DEFERRED
                                    for key in (fmt.key, fmt.key + ".gz")}
    done: list[Block] = []
    prefixes: set[str] = set()
    block = first
    while block is not None:
        for key, part in block.pieces.items():
            if key in kept:
                kept[key].append(part)
            else:
                sinks[f"{STEM}.{key}"].append(part)
        prefixes |= block.stats.prefixes
        done.append(Block(block.last, block.is_last, block.stats, {}, block.subjects))
        block = next(blocks, None)
    if rendered is not None:
        rendered()
    for fmt in DUMPS:  # the tails of the streamed dumps
        assert fmt.writer is not None
        tail = fmt.writer.tail(empty)
        if fmt.key not in DEFERRED and tail:
            sinks[fmt.dump].append(tail)
            sinks[fmt.dump + ".gz"].append(serialize.gzipped(tail))
    written: dict[str, Written] = {}
    for name, sink in sinks.items():
        written[name] = sink.close()
        written[name].lead = leads[name]
    for fmt in DUMPS:
        assert fmt.writer is not None
        if fmt.key not in DEFERRED:
            continue
        head, tail = fmt.writer.head(base, prefixes, empty, terms), fmt.writer.tail(empty)
        for name, pieces, pack in ((fmt.dump, kept[fmt.key], False), (fmt.dump + ".gz", kept[fmt.key + ".gz"], True)):
            framed = ([(serialize.gzipped(head) if pack else head)] if head else []) + pieces \
                + ([(serialize.gzipped(tail) if pack else tail)] if tail else [])
            written[name] = stage.write(name, framed)
            written[name].lead = 1 if head else 0
    return written, done


#: Bytes read at a time to hash a copied range.
HASH_CHUNK = 1 << 20


class Stage:
    """The staging directory of a release being written."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._sources: dict[str, int] = {}
        self._sinks: list[Sink] = []

    def _source(self, path: str) -> int:
        if path not in self._sources:
            self._sources[path] = os.open(path, os.O_RDONLY)
        return self._sources[path]

    def write(self, name: str, pieces: Sequence[Piece]) -> Written:
        """Write ``pieces`` one after the other, hashing as they go; copied ranges never enter Python."""
        sink = self.open(name)
        for piece in pieces:
            sink.append(piece)
        return sink.close()

    def open(self, name: str) -> Sink:
        """A file of the release written piece by piece (:class:`Sink`)."""
        sink = Sink(self, name)
        self._sinks.append(sink)
        return sink

    def copy(self, piece: Range, fd: int, h: Any) -> None:
        """Append ``piece`` to ``fd`` (the kernel copies) and to the hash ``h``, read a chunk at a time: a mapped
        file's touched pages would count as this process's memory (the whole release, in a rebuild)."""
        src = self._source(piece.path)
        done = 0
        while done < piece.length:
            chunk = os.pread(src, min(HASH_CHUNK, piece.length - done), piece.offset + done)
            if not chunk:
                raise OSError(f"{piece.path} is shorter than the release cache says")
            h.update(chunk)
            done += len(chunk)
        done = 0
        while done < piece.length:
            n = os.copy_file_range(src, fd, piece.length - done, piece.offset + done)
            if n == 0:
                raise OSError(f"{piece.path} is shorter than the release cache says")
            done += n

    def close(self) -> None:
        for sink in self._sinks:  # those a failure left open
            sink._abandon()
        self._sinks.clear()
        for fd in self._sources.values():
            os.close(fd)
        self._sources.clear()


class Sink:
    """A file of a staged release, written piece by piece and hashed as it goes. A piece still being made (a
    gzip member compressed on another thread) waits in a queue with those after it, so appending never blocks
    on it; :meth:`close` waits for the rest, then flushes the file to disk."""

    def __init__(self, stage: Stage, name: str) -> None:
        self.stage, self.name = stage, name
        self.path = stage.directory / name
        with outputs.naming(self.path):
            self.fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        self.hash = hashlib.sha256()
        self.spans: list[tuple[int, int]] = []
        self.pos = 0
        self.queue: deque[Piece] = deque()

    def append(self, piece: Piece) -> None:
        self.queue.append(piece)
        self._drain(wait=False)

    def _drain(self, wait: bool) -> None:
        queue = self.queue
        try:
            while queue:
                piece = queue[0]
                if isinstance(piece, Future):
                    if not wait and not piece.done():
                        return
                    piece = piece.result()
                with outputs.naming(self.path):
                    self._put(piece)
                queue.popleft()
        except BaseException:
            self._abandon()
            raise

    def _put(self, piece: bytes | Range) -> None:
        if isinstance(piece, Range):
            self.stage.copy(piece, self.fd, self.hash)
            length = piece.length
        else:
            self.hash.update(piece)
            with memoryview(piece) as view:
                done = 0
                while done < len(view):
                    done += os.write(self.fd, view[done:])
            length = len(piece)
        self.spans.append((self.pos, length))
        self.pos += length

    def _abandon(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1

    def close(self) -> Written:
        """Write what is still queued, flush the file to disk and close it; its size, SHA-256 and spans."""
        self._drain(wait=True)
        try:
            with outputs.naming(self.path):
                os.fsync(self.fd)
        finally:
            self._abandon()
        os.chmod(self.path, 0o644)
        return Written(self.pos, self.hash.hexdigest(), self.spans)


def recover(dist: Path) -> None:
    """Tidy up after a build that was killed outright (SIGKILL, power loss).

    Puts back the previous release if the kill fell between the two renames, and removes staging
    directories left by killed builds.
    """
    olds = sorted(dist.parent.glob(f".{dist.name}.old-*"), key=lambda p: p.stat().st_mtime)
    if olds and not dist.exists():
        os.rename(olds.pop(), dist)
    for leftover in [*olds, *dist.parent.glob(f".{dist.name}.new-*")]:
        releases.rescue(leftover, dist)
        shutil.rmtree(leftover, ignore_errors=True)


def write_release(files: Mapping[str, bytes], dist: Path) -> dict[str, Written]:
    """Write ``files`` into ``dist`` atomically (see :func:`staged`)."""
    with staged(dist) as stage:
        return {name: stage.write(name, [data]) for name, data in files.items()}


@contextlib.contextmanager
def staged(dist: Path, owned: str | None = None) -> Iterator[Stage]:
    """A staging directory beside ``dist``, swapped in by two renames when the block ends without error.
    ``owned``: the kind of output ``dist`` must still be (outputs.foreign) when it is swapped out.

    SIGINT and SIGTERM are held off during the swap, so it cannot be split; before it, an interruption or a write
    error (disk full) removes the staging directory and leaves the previous release as it was.
    """
    dist = dist.resolve()
    dist.parent.mkdir(parents=True, exist_ok=True)
    recover(dist)
    staging = Path(tempfile.mkdtemp(prefix=f".{dist.name}.new-", dir=dist.parent))
    old = dist.parent / f".{dist.name}.old-{os.getpid()}"
    stage = Stage(staging)
    try:
        yield stage
        stage.close()
        os.chmod(staging, 0o755)
        with _signals_held():
            if dist.exists():
                if owned is not None:
                    _still_ours(dist, owned)
                releases.carry(dist, staging)  # the versioned releases stay; only the next build is replaced
                os.rename(dist, old)
            os.rename(staging, dist)
    except BaseException:
        stage.close()
        if old.exists() and not dist.exists():
            os.rename(old, dist)
        shutil.rmtree(staging, ignore_errors=True)
        raise
    shutil.rmtree(old, ignore_errors=True)


def _still_ours(dist: Path, kind: str) -> None:
    """Refuse to swap out a release directory in which something odg did not write appeared since the build
    claimed it (outputs.claim): it would be removed with the previous release."""
    in_the_way = outputs.foreign(dist, kind)
    if in_the_way:
        raise ConfigError(f"{dist} now holds files odg did not write: {', '.join(in_the_way[:3])}",
                          Location.of(dist), "move them out of the release directory, then build again")


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """Defer SIGINT/SIGTERM until the block is done (main thread only; elsewhere a no-op)."""
    held = {signal.SIGINT, signal.SIGTERM}
    try:
        previous = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    except (AttributeError, ValueError):  # pragma: no cover - platforms without pthread_sigmask
        yield
        return
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)
