"""The one reader of a release directory: ``dist/`` (the build), ``dist/latest``, ``dist/releases/VERSION``.

Every command that reads a release (diff, push, serve, site, query, the release history) reads its files here,
and a file is read only once its bytes hash to what ``SHA256SUMS`` lists for it: a file that is not listed, a
link, or a file whose bytes changed since the release was made is an error naming the file (``ReleaseDamaged``,
exit 2: the input given is not what it says it is; the fix is to restore the file, or to build again -- never
to publish from it). Dumps are read in every format the project writes (``formats.REGISTRY``), gzipped or not.

Loose dump files (``odg diff a.nt b.ttl.gz``) have no checksums to check: :func:`file_lines` and
:func:`file_rows` read them, and :class:`ReleaseDir` reads a release's dumps through the same two.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import re
import stat
from pathlib import Path

from ..core.errors import ConfigError, Location
from ..core.formats import STEM, by_extension
from ..core.terms import Row

#: The checksum list of a release directory (``sha256sum -c`` compatible), and one line of it.
SUMS = "SHA256SUMS"
SUM_LINE = re.compile(r"([0-9a-f]{64})  ([A-Za-z0-9][A-Za-z0-9._-]{0,200})\Z")
#: Bytes hashed at a time.
CHUNK = 1 << 20


class ReleaseDamaged(ConfigError):
    """A release file is missing, not listed, a link, or its bytes are not those its ``SHA256SUMS`` lists."""


class ReleaseDir:
    """A release directory whose files are read only once verified against its ``SHA256SUMS``."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._sums: dict[str, str] | None = None
        self._verified: dict[str, tuple[int, int, int]] = {}  #: name -> (inode, size, mtime) when it was hashed

    @property
    def sums(self) -> dict[str, str]:
        """File name -> SHA-256 hex, as ``SHA256SUMS`` lists them (every line checked)."""
        if self._sums is None:
            where = self.path / SUMS
            try:
                if not stat.S_ISREG(os.lstat(where).st_mode):
                    raise ReleaseDamaged("SHA256SUMS is not a regular file", Location.of(where))
                text = where.read_bytes().decode("ascii")
            except FileNotFoundError:
                raise ReleaseDamaged("no release here: no SHA256SUMS (not a release directory odg wrote)",
                                     Location.of(self.path),
                                     "give dist/, dist/latest or dist/releases/VERSION (run 'odg build')") from None
            except (OSError, UnicodeDecodeError) as exc:
                raise ReleaseDamaged(f"cannot read SHA256SUMS: {exc}", Location.of(where)) from None
            sums: dict[str, str] = {}
            for n, line in enumerate(text.splitlines(), 1):
                m = SUM_LINE.match(line)
                if m is None or m.group(2) == SUMS or m.group(2) in sums:
                    raise ReleaseDamaged("not a line of SHA256SUMS (HASH, two spaces, a file name of this "
                                         "directory, once)", Location.of(where, n, 1))
                sums[m.group(2)] = m.group(1)
            self._sums = sums
        return self._sums

    def names(self) -> list[str]:
        return sorted(self.sums)

    def has(self, name: str) -> bool:
        return name in self.sums

    def verify(self, name: str) -> Path:
        """The path of file ``name``, once its bytes hash to what ``SHA256SUMS`` lists (cached while the file's
        inode, size and modification time stay)."""
        if name == SUMS:
            self.sums  # noqa: B018 -- parsed, so checked
            return self.path / SUMS
        expected = self.sums.get(name)
        path = self.path / name
        if expected is None:
            raise ReleaseDamaged(f"{name} is not listed in SHA256SUMS", Location.of(path),
                                 "a release is read only as its checksums list it")
        try:
            st = os.lstat(path)
            if not stat.S_ISREG(st.st_mode):
                raise ReleaseDamaged(f"{name} is not a regular file", Location.of(path))
            key = (st.st_ino, st.st_size, st.st_mtime_ns)
            if self._verified.get(name) == key:
                return path
            h = hashlib.sha256()
            with open(path, "rb", buffering=0) as f:
                for block in iter(lambda: f.read(CHUNK), b""):
                    h.update(block)
        except FileNotFoundError:
            raise ReleaseDamaged(f"{name} is listed in SHA256SUMS and missing", Location.of(path),
                                 "restore it from a copy of the release") from None
        except OSError as exc:
            raise ReleaseDamaged(f"cannot read {name}: {exc.strerror or exc}", Location.of(path)) from None
        if h.hexdigest() != expected:
            raise ReleaseDamaged(f"{name} does not match its SHA-256 in SHA256SUMS: the release was changed after "
                                 "it was made", Location.of(path),
                                 "restore the file from a copy of the release; nothing is read from it")
        self._verified[name] = key
        return path

    def verify_all(self) -> None:
        for name in self.names():
            self.verify(name)

    def read_bytes(self, name: str) -> bytes:
        """The bytes of file ``name``, hashed as read (so the bytes returned are the bytes checked)."""
        path = self.verify(name)
        data = path.read_bytes()
        if name != SUMS and hashlib.sha256(data).hexdigest() != self.sums[name]:
            raise ReleaseDamaged(f"{name} changed while it was read", Location.of(path))
        return data

    def read_text(self, name: str) -> str:
        try:
            return self.read_bytes(name).decode("utf-8")
        except UnicodeDecodeError:
            raise ReleaseDamaged(f"{name} is not UTF-8", Location.of(self.path / name)) from None

    def dump(self) -> str:
        """The name of the dump a reader of triples takes: N-Triples, else its gzip copy, else any dump listed."""
        for name in (f"{STEM}.nt", f"{STEM}.nt.gz", *(n for n in self.names() if n.startswith(f"{STEM}."))):
            if self.has(name):
                return name
        raise ConfigError("no dump in this release directory", Location.of(self.path / SUMS),
                          "a release lists opendata-graph.nt (or another dump) in SHA256SUMS")

    def lines(self) -> list[str]:
        """The release's triples as N-Triples lines."""
        return file_lines(self.verify(self.dump()))

    def rows(self) -> list[Row]:
        return file_rows(self.verify(self.dump()))


def file_lines(path: Path) -> list[str]:
    """A dump file as N-Triples lines: an ``.nt`` file (gzipped or not) as it is, other formats parsed and written
    as lines; comments and blank lines left out."""
    if path.name.endswith((".nt", ".nt.gz")):
        text = _decoded(path)
        return [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    return [f"{s} {p} {o} ." for s, p, o in file_rows(path)]


def file_rows(path: Path) -> list[Row]:
    """The triples of one RDF file of any format the project reads (gzipped or not); a quad file's graphs are
    dropped (the facts are its default graph)."""
    from pyoxigraph import parse

    from ..core.terms import rows

    compressed = path.suffix == ".gz"
    fmt = by_extension(Path(path.stem).suffix if compressed else path.suffix)
    if fmt is None:
        raise ConfigError(f"not an RDF dump: {path.name}", Location.of(path),
                          "give a release directory, a dump (.nt .ttl .nq .trig .jsonld, gzipped or not) or a git "
                          "revision")
    if not path.is_file():
        raise ConfigError("no release here", Location.of(path), "give a release directory holding a dump")
    try:
        if compressed:
            return rows(parse(_raw(path), format=fmt.rdf))
        return rows(parse(path=str(path), format=fmt.rdf))
    except (SyntaxError, OSError, EOFError) as exc:
        raise ConfigError(f"cannot read the dump: {str(exc).splitlines()[0]}", Location.of(path)) from None


def _raw(path: Path) -> bytes:
    try:
        return gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise ConfigError(f"cannot read the dump: {str(exc).splitlines()[0]}", Location.of(path)) from None


def _decoded(path: Path) -> str:
    try:
        return _raw(path).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"cannot read the dump: {exc}", Location.of(path)) from None


def lines_of(path: Path) -> list[str]:
    """A release directory (verified) or a dump file, as N-Triples lines."""
    return ReleaseDir(path).lines() if path.is_dir() else file_lines(path)


def rows_of(path: Path) -> list[Row]:
    """A release directory (verified) or a dump file, as rows."""
    return ReleaseDir(path).rows() if path.is_dir() else file_rows(path)
