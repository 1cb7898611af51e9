"""Every RDF format the project reads or writes, declared once, on top of :class:`pyoxigraph.RdfFormat`.

pyoxigraph knows each format's file extension, media type and W3C IRI; this registry adds what the project does
with it: whether the release has a dump in it (with a gzip copy), whether resources are served and exported in
it (content negotiation, the static site's files and redirect rules), and how a dump is framed around its
blocks. Adding a dump format is one :class:`DumpWriter` (its head, tail and the block's piece) and one entry
here; the publisher, the rebuild's record, the server, the static site and the VoID description read the list.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from pyoxigraph import RdfFormat, parse
from pyoxigraph import serialize as write

from . import serialize
from .namespaces import PREFIXES
from .serialize import NO_TERMS, Terms
from .terms import Row

#: The dumps' file name stem: ``opendata-graph.ttl``, ``opendata-graph.ttl.gz``...
STEM = "opendata-graph"


class DumpWriter:
    """How a dump is framed: a head before the first block, each block's piece, a tail after the last."""

    #: The head depends on every block (Turtle's prefixes): the dump is written once all blocks are rendered.
    head_needs_blocks = False

    def head(self, base: str, prefixes: Iterable[str], empty: bool, terms: Terms = NO_TERMS) -> bytes:
        return b""

    def piece(self, rendered: serialize.Rendered, is_last: bool) -> bytes:
        raise NotImplementedError

    def tail(self, empty: bool) -> bytes:
        return b""

    def document(self, triples: Sequence[Row], base: str) -> bytes:
        """A whole document of ``triples`` (a resource's description): head, one block, tail."""
        return self.framed(serialize.Renderer(base).render(sorted(set(triples))), base, not triples)

    def framed(self, rendered: serialize.Rendered, base: str, empty: bool,
               terms: Terms = NO_TERMS) -> bytes:
        """The document of a rendered block (every format is rendered at once: frame each from the same one);
        ``terms``: the renderer's JSON-LD terms."""
        return self.head(base, rendered.prefixes, empty, terms) + (b"" if empty else self.piece(rendered, True)) + \
            self.tail(empty)


class NTriplesWriter(DumpWriter):
    def piece(self, rendered: serialize.Rendered, is_last: bool) -> bytes:
        return rendered.nt

    def tail(self, empty: bool) -> bytes:
        return b"\n" if empty else b""


class NQuadsWriter(DumpWriter):
    """Each fact in the named graph of each of its sources (an excerpt, an evidence entry), the rest in the
    default graph: "facts a document states" is one ``GRAPH ?g { } ?g prov:wasDerivedFrom/oa:hasSource`` away."""

    def piece(self, rendered: serialize.Rendered, is_last: bool) -> bytes:
        return rendered.nq

    def tail(self, empty: bool) -> bytes:
        return b"\n" if empty else b""


class TriGWriter(NQuadsWriter):
    def piece(self, rendered: serialize.Rendered, is_last: bool) -> bytes:
        return rendered.trig


class TurtleWriter(DumpWriter):
    head_needs_blocks = True

    def head(self, base: str, prefixes: Iterable[str], empty: bool, terms: Terms = NO_TERMS) -> bytes:
        return serialize.turtle_head(base, prefixes)

    def piece(self, rendered: serialize.Rendered, is_last: bool) -> bytes:
        return rendered.ttl

    def tail(self, empty: bool) -> bytes:
        return b"\n"


class JsonLdWriter(DumpWriter):
    """Flattened JSON-LD: one node object per subject in ``@graph``; the last block closes the array."""

    def head(self, base: str, prefixes: Iterable[str], empty: bool, terms: Terms = NO_TERMS) -> bytes:
        return serialize.jsonld_head(base, terms) + (b"" if empty else b"\n")

    def piece(self, rendered: serialize.Rendered, is_last: bool) -> bytes:
        return rendered.jsonld + (b"\n" if is_last else b",\n")

    def tail(self, empty: bool) -> bytes:
        return b"]}\n"


class RdfXmlWriter(DumpWriter):
    """RDF/XML by pyoxigraph's writer, for a whole document only (a resource's description): a block of it is not
    a piece of a dump, whose namespace declarations would have to precede every block."""

    def piece(self, rendered: serialize.Rendered, is_last: bool) -> bytes:
        raise NotImplementedError("RDF/XML is written whole (framed), not in pieces")

    def framed(self, rendered: serialize.Rendered, base: str, empty: bool,
               terms: Terms = NO_TERMS) -> bytes:
        """The block's triples (its sorted N-Triples) in that order, with the prefixes the Turtle uses."""
        prefixes = {p: PREFIXES[p] for p in sorted(rendered.prefixes) if p in PREFIXES}
        return write(parse(rendered.nt, format=RdfFormat.N_TRIPLES), format=RdfFormat.RDF_XML, prefixes=prefixes) \
            or b""


@dataclass(frozen=True)
class Format:
    rdf: RdfFormat
    writer: DumpWriter | None = None  #: how the format is written: the release's dump, a resource's description
    resource: bool = False  #: each resource is served and exported in this format
    dumped: bool = True  #: with a writer: the release has a dump in this format (and its gzip copy)
    #: a resource format: the static site has a file of it per page (and its rules offer it), besides odg serve
    exported: bool = True

    @property
    def key(self) -> str:
        """The file extension without its dot: ``ttl``."""
        return self.rdf.file_extension

    @property
    def extension(self) -> str:
        return "." + self.rdf.file_extension

    @property
    def media_type(self) -> str:
        return self.rdf.media_type

    @property
    def name(self) -> str:
        """For people: ``Turtle``, ``N-Triples``, ``JSON-LD``."""
        return self.rdf.name

    @property
    def dump(self) -> str:
        """The dump's file name (``opendata-graph.ttl``)."""
        return f"{STEM}.{self.key}"


#: The Turtle writer, for documents the release describes itself in (void.ttl).
TURTLE = TurtleWriter()

#: In the order of preference for content negotiation (after HTML) and of the links on pages.
REGISTRY: tuple[Format, ...] = (
    Format(RdfFormat.TURTLE, TURTLE, resource=True),
    Format(RdfFormat.N_TRIPLES, NTriplesWriter(), resource=True),
    Format(RdfFormat.JSON_LD, JsonLdWriter(), resource=True),
    Format(RdfFormat.N_QUADS, NQuadsWriter()),
    Format(RdfFormat.TRIG, TriGWriter()),
    # what linked-data crawlers ask for: served by odg serve, not a sixth file per page of the static site (whose
    # target is at most 10 files per entity, issue 16; the site answers it with the page, Vary: Accept)
    Format(RdfFormat.RDF_XML, RdfXmlWriter(), resource=True, dumped=False, exported=False),
)

#: The dump formats, in the order their files are written (by key: the release's file list is sorted).
DUMPS: tuple[Format, ...] = tuple(sorted((f for f in REGISTRY if f.writer is not None and f.dumped),
                                         key=lambda f: f.key))
#: The formats of each resource's representations besides its HTML page (odg serve).
RESOURCE: tuple[Format, ...] = tuple(f for f in REGISTRY if f.resource)
#: Those the static site writes a file of for each page, and the pages link to.
EXPORTED: tuple[Format, ...] = tuple(f for f in RESOURCE if f.exported)

HTML = "text/html"
GZIP = "application/gzip"


def by_extension(suffix: str) -> Format | None:
    """The format of a file suffix (``.ttl`` or ``ttl``), if the project reads it."""
    key = suffix.lstrip(".")
    return next((f for f in REGISTRY if f.key == key), None)


def by_media_type(media: str) -> Format | None:
    return next((f for f in REGISTRY if f.media_type == media), None)


def media_type_of(name: str) -> str:
    """The media type a file is served with: its RDF format's, ``application/gzip`` for ``.gz``, else text."""
    if name.endswith(".gz"):
        return GZIP
    fmt = by_extension(name.rsplit(".", 1)[-1]) if "." in name else None
    return fmt.media_type if fmt else "text/plain"


def dump_names() -> tuple[str, ...]:
    """The dump files of a release: each dump format and its gzip copy."""
    return tuple(name for f in DUMPS for name in (f.dump, f.dump + ".gz"))


__all__ = ["DUMPS", "EXPORTED", "REGISTRY", "RESOURCE", "STEM", "TURTLE", "DumpWriter", "Format", "RdfXmlWriter",
           "by_extension", "by_media_type", "dump_names", "media_type_of"]
