"""Publish step: write the release to ``dist/`` -- dumps, gzip copies, VoID/DCAT description, SHA256SUMS.

The release is written into a fresh sibling directory and swapped in with two renames, so ``dist/`` is always a
whole release: the new one, or (if anything fails before the swap) the previous one untouched. Nothing in the
files depends on the clock or on hash order, so two builds of the same data are byte-identical.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import signal
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from . import serialize
from .convert import digest, en
from .namespaces import (
    DCAT,
    DCTERMS,
    FOAF,
    IANA_MEDIA,
    OWL,
    RDF,
    SPDX,
    SPDX_LICENSE,
    STANDARD_NAMESPACES,
    VOID,
    XSD,
)
from .terms import Row, Term, external_iri, iri, literal

STEM = "opendata-graph"
MEDIA_TYPES = {
    ".ttl": "text/turtle",
    ".nt": "application/n-triples",
    ".jsonld": "application/ld+json",
}


def dumps(triples: Sequence[Row], base: str, nt: bytes | None = None) -> dict[str, bytes]:
    """The data dumps and their gzip copies, by file name (``nt``: the N-Triples, if already made).

    Each gzip copy is compressed on a worker thread (zlib releases the GIL) while the next dump is written.
    """
    from concurrent.futures import Future, ThreadPoolExecutor

    files: dict[str, bytes] = {}
    compressed: dict[str, Future[bytes]] = {}
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="odg-gzip") as pool:
        writers: tuple[tuple[str, Callable[[], bytes]], ...] = (
            (f"{STEM}.nt", lambda: nt or serialize.ntriples(triples)),
            (f"{STEM}.ttl", lambda: serialize.turtle(triples, base)),
            (f"{STEM}.jsonld", lambda: serialize.jsonld(triples, base)),
        )
        for name, write in writers:
            files[name] = write()
            compressed[name + ".gz"] = pool.submit(serialize.gzipped, files[name])
        files["context.jsonld"] = (json.dumps(serialize.jsonld_context(base), indent=1) + "\n").encode("utf-8")
        files.update({name: future.result() for name, future in compressed.items()})
    return dict(sorted(files.items()))


def void_description(triples: Sequence[Row], files: Mapping[str, bytes], base: str,
                     release: Mapping[str, Any], documents: Sequence[str]) -> list[Row]:
    """VoID + DCAT description of the release: counts, class partitions, distributions with size and SHA-256."""
    ds = iri(base + "dataset")
    out: list[Row] = []

    def add(s: Term, p: str, o: Term) -> None:
        out.append((s, iri(p), o))

    def integer(n: int) -> Term:
        return literal(str(n), datatype=XSD.integer)

    type_ = iri(RDF.type)
    subjects = {s for s, _, _ in triples}
    classes = Counter(o[1:-1] for _, p, o in triples if p == type_)
    predicates = {p[1:-1] for _, p, _ in triples}
    for t in (VOID.Dataset, DCAT.Dataset):
        add(ds, RDF.type, iri(t))
    add(ds, DCTERMS.title, en(str(release.get("title", "opendata-graph release"))))
    if release.get("description"):
        add(ds, DCTERMS.description, en(str(release["description"])))
    if release.get("version"):
        add(ds, DCAT.version, literal(str(release["version"])))
        add(ds, OWL.versionInfo, literal(str(release["version"])))
    if release.get("licence"):
        add(ds, DCTERMS.license, iri(SPDX_LICENSE[str(release["licence"])]))
    if release.get("rights"):
        add(ds, DCTERMS.rights, en(str(release["rights"])))
    if release.get("homepage"):
        add(ds, FOAF.homepage, external_iri(str(release["homepage"])))
    add(ds, DCTERMS.conformsTo, iri(base + "shapes"))
    add(ds, VOID.uriSpace, literal(base))
    for doc in documents:
        add(ds, DCTERMS.source, iri(doc))
    for ns in sorted(ns for ns in STANDARD_NAMESPACES if any(p.startswith(ns) for p in predicates | set(classes))):
        add(ds, VOID.vocabulary, iri(ns))
    add(ds, VOID.vocabulary, iri(base + "ontology#"))
    add(ds, VOID.triples, integer(len(triples)))
    add(ds, VOID.entities, integer(len(subjects)))
    add(ds, VOID.distinctSubjects, integer(len(subjects)))
    add(ds, VOID.properties, integer(len(predicates)))
    add(ds, VOID.classes, integer(len(classes)))
    for cls, n in sorted(classes.items()):
        part = iri(f"{base}dataset/class/{digest(cls, 12)}")
        add(ds, VOID.classPartition, part)
        add(part, VOID["class"], iri(cls))
        add(part, VOID.entities, integer(n))
    for name, data in sorted(files.items()):
        dist = iri(f"{base}dataset/distribution/{name}")
        checksum = iri(f"{base}dataset/distribution/{name}/sha256")
        suffix = Path(name.removesuffix(".gz")).suffix
        add(ds, DCAT.distribution, dist)
        if name.startswith(STEM):
            add(ds, VOID.dataDump, iri(f"{base}dist/{name}"))
        add(dist, RDF.type, iri(DCAT.Distribution))
        add(dist, DCTERMS.title, literal(name))
        add(dist, DCAT.downloadURL, iri(f"{base}dist/{name}"))
        add(dist, DCAT.mediaType, iri(IANA_MEDIA[MEDIA_TYPES[suffix]]))
        if name.endswith(".gz"):
            add(dist, DCAT.compressFormat, iri(IANA_MEDIA["application/gzip"]))
        add(dist, DCAT.byteSize, literal(str(len(data)), datatype=XSD.nonNegativeInteger))
        add(dist, SPDX.checksum, checksum)
        add(checksum, RDF.type, iri(SPDX.Checksum))
        add(checksum, SPDX.algorithm, iri(SPDX.checksumAlgorithm_sha256))
        add(checksum, SPDX.checksumValue, literal(hashlib.sha256(data).hexdigest(), datatype=XSD.hexBinary))
    return out


def release_files(triples: Sequence[Row], base: str, release: Mapping[str, Any], documents: Sequence[str],
                  ontology: bytes, shapes: bytes, nt: bytes | None = None) -> dict[str, bytes]:
    """Every file of a release, by name: dumps, ontology, shapes, ``void.ttl`` and ``SHA256SUMS``."""
    files = dumps(triples, base, nt)
    files["ontology.ttl"] = ontology
    files["shapes.ttl"] = shapes
    described = {k: v for k, v in files.items() if k.startswith(STEM) or k == "context.jsonld"}
    files["void.ttl"] = serialize.turtle(void_description(triples, described, base, release, documents), base)
    files["SHA256SUMS"] = "".join(
        f"{hashlib.sha256(data).hexdigest()}  {name}\n" for name, data in sorted(files.items())
    ).encode("ascii")
    return files


def recover(dist: Path) -> None:
    """Tidy up after a build that was killed outright (SIGKILL, power loss).

    Puts back the previous release if the kill fell between the two renames, and removes staging
    directories left by killed builds.
    """
    olds = sorted(dist.parent.glob(f".{dist.name}.old-*"), key=lambda p: p.stat().st_mtime)
    if olds and not dist.exists():
        os.rename(olds.pop(), dist)
    for leftover in [*olds, *dist.parent.glob(f".{dist.name}.new-*")]:
        shutil.rmtree(leftover, ignore_errors=True)


def write_release(files: Mapping[str, bytes], dist: Path) -> None:
    """Write ``files`` into ``dist`` atomically: a sibling directory first, then swapped in by two renames.

    SIGINT and SIGTERM are held off during the swap, so it cannot be split; before it, an interruption or a write
    error (disk full) removes the staging directory and leaves the previous release as it was.
    """
    dist = dist.resolve()
    dist.parent.mkdir(parents=True, exist_ok=True)
    recover(dist)
    staging = Path(tempfile.mkdtemp(prefix=f".{dist.name}.new-", dir=dist.parent))
    old = dist.parent / f".{dist.name}.old-{os.getpid()}"
    try:
        for name, data in files.items():
            with open(staging / name, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.chmod(staging / name, 0o644)
        os.chmod(staging, 0o755)
        with _signals_held():
            if dist.exists():
                os.rename(dist, old)
            os.rename(staging, dist)
    except BaseException:
        if old.exists() and not dist.exists():
            os.rename(old, dist)
        shutil.rmtree(staging, ignore_errors=True)
        raise
    shutil.rmtree(old, ignore_errors=True)


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
