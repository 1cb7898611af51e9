"""What a command may write, and how: the one policy every writer of odg follows (docs/safety.md, items 1 and 2).

**Ownership.** A command writes a directory (``odg build --dist DIR``, ``odg site OUT``...) only when it is absent,
empty, or was written by odg: it holds the marker ``.odg-output``, whose first line names the kind of output
(``odg release``, ``odg site``) and whose other lines name the files odg wrote there. A release directory written
by an older odg (no marker) is recognised by its ``SHA256SUMS``: every entry of the directory is listed in it (or
is one of the versioned releases, ``releases/`` and ``latest``); a site by its ``.odg-site-files`` list. Anything
else in the way -- a foreign file, a directory of another kind, a regular file given as the directory -- is
refused by :func:`claim` before the first byte is written (exit 2), with a line naming it. An output never equals
or contains an input (data, seeds, shapes, ontology, queries, the release a site is made from) or the repository
root, and never lies inside an input.

**Whole or not at all.** :func:`write_whole` writes each file beside its place under a temporary name, flushes it
to disk (``fsync``) and renames it over the old one: a kill at any moment leaves the old bytes or the new ones,
never a truncated file. :func:`naming` puts the file's name on an ``OSError`` that lacks one (``os.write`` on a
full disk names none), so the CLI's one error path can say which file (:func:`os_error`, exit 2).
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

from . import paths
from .errors import ConfigError, Location, OdgError

#: The file odg writes into each directory it owns: the kind of output, then the files it wrote there.
MARKER = ".odg-output"
#: Kinds of output, as the marker's first line names them.
RELEASE = "release"
SITE = "site"
OUTPUT_KINDS = (RELEASE, SITE)
#: What a release directory holds besides a build's files: the versioned releases a build carries over
#: (releases.KEPT) and the link ``odg release`` makes before renaming it to ``latest``.
RELEASE_KEPT = ("releases", "latest", ".latest.new")
#: How an older odg recognised its outputs: a release's checksum list, a site's list of files.
LEGACY = {RELEASE: "SHA256SUMS", SITE: ".odg-site-files"}
#: The suffix of a file or release being written (renamed over its place when whole); a leftover is a killed run's.
PARTIAL = ".odg-partial"


def claim(output: Path, kind: str, inputs: Mapping[str, Path | None]) -> Path:
    """Check that ``output`` may be written as an output of ``kind``; its resolved path. Raises
    :class:`ConfigError` (exit 2) naming what is in the way; writes nothing.

    ``inputs``: what the command reads (name -> path; None: not used). The repository checkout odg runs from,
    if it runs from one, is never an output nor inside one.
    """
    assert kind in OUTPUT_KINDS, kind
    root = paths.ROOT if paths.in_checkout() else None
    where = Location.of(output)
    if os.path.lexists(output) and not output.is_dir():
        what = "a symbolic link to nowhere" if output.is_symlink() and not output.exists() else "a file"
        raise ConfigError(f"this is {what}, not a directory for the {kind}", where,
                          "give a new, empty or odg-written directory; odg never replaces a file it did not write")
    resolved = output.resolve()
    named = [(name, p.resolve()) for name, p in inputs.items() if p is not None]
    if root is not None:
        named.append(("the repository checkout", root.resolve()))
    for name, p in named:
        if resolved == p or resolved in p.parents:
            relation = "is" if resolved == p else "contains"
            raise ConfigError(f"the {kind} directory {relation} {_what(name)} {p}", where,
                              "write outputs to a directory of their own, outside every input")
        if p in resolved.parents and name != "the repository checkout":
            raise ConfigError(f"the {kind} directory lies inside {_what(name)} {p}", where,
                              "write outputs to a directory of their own, outside every input")
    for above in resolved.parents:  # e.g. a site's own copy of the release: its pages list those files
        marker = above / MARKER
        if marker.is_file():
            owner = marker.read_text(encoding="utf-8", errors="replace").partition("\n")[0]
            raise ConfigError(f"the {kind} directory lies inside another odg output, {above} ({owner})", where,
                              "write outputs to a directory of their own: odg would leave that output's own "
                              "listing of its files wrong")
    if not resolved.exists():
        ancestor = resolved.parent
        while not ancestor.exists():
            ancestor = ancestor.parent
        if not ancestor.is_dir():
            raise ConfigError(f"a file is in the way of the {kind} directory: {ancestor}", where,
                              "give a path whose parents are directories")
        return resolved
    in_the_way = foreign(resolved, kind)
    if in_the_way:
        more = f" and {len(in_the_way) - 1} more" if len(in_the_way) > 1 else ""
        raise ConfigError(f"not a directory odg wrote for a {kind}: {in_the_way[0]}{more} is in the way", where,
                          f"give a new or empty directory, or one odg wrote (it holds {MARKER}); "
                          "odg never replaces or removes what it did not write")
    return resolved


def _what(name: str) -> str:
    return name if name.startswith("the ") else f"the {name} directory"


def foreign(directory: Path, kind: str) -> list[str]:
    """The entries of ``directory`` (sorted; empty when it is empty or odg's output of ``kind``) that odg did not
    write there as that kind; an output of another kind is in the way as a whole."""
    with os.scandir(directory) as it:
        entries = sorted(e.name for e in it)
    if not entries:
        return []
    marked = _marker(directory)
    if marked is not None:
        found, listed = marked
        if found != kind:
            return [f"{MARKER} (it is odg's {found} output, not a {kind})"]
    else:
        legacy = directory / LEGACY[kind]
        if not legacy.is_file() or legacy.is_symlink():
            return entries
        listed = set(_legacy_listing(legacy, kind))
    if kind == SITE:  # a site's subdirectories hold pages: foreign files there are refused when in the way
        return []
    owned = listed | {MARKER, LEGACY[RELEASE], *RELEASE_KEPT}
    return [name for name in entries if name not in owned]


def _marker(directory: Path) -> tuple[str, set[str]] | None:
    """The kind and the files a marker names; None without one (a marker that is a link or unreadable: foreign)."""
    path = directory / MARKER
    try:
        st = path.lstat()
    except FileNotFoundError:
        return None
    if not stat.S_ISREG(st.st_mode) or st.st_size > 1 << 24:
        return ("a forged marker", set())
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    head = lines[0].split() if lines else []
    if len(head) != 2 or head[0] != "odg" or head[1] not in OUTPUT_KINDS:
        return ("an unknown", set())
    return head[1], set(lines[1:])


def _legacy_listing(path: Path, kind: str) -> Iterable[str]:
    text = path.read_text(encoding="utf-8", errors="replace") if path.stat().st_size < 1 << 24 else ""
    if kind == SITE:
        return text.splitlines()
    return (line.split("  ", 1)[1] for line in text.splitlines() if "  " in line)


def marker_text(kind: str, names: Iterable[str]) -> str:
    """The marker of an output of ``kind`` holding ``names`` (relative paths)."""
    return "".join(f"{line}\n" for line in (f"odg {kind}", *sorted(set(names))))


def write_whole(path: Path, data: bytes | str, mode: int = 0o644, exclusive: bool = False,
                durable: bool = True) -> None:
    """Write ``data`` to ``path`` whole or not at all: a temporary file beside it, flushed to disk, renamed over
    it (``exclusive``: linked, so that a file that appeared meanwhile is never replaced) with permission bits
    ``mode``. A kill at any moment leaves the old file or the new one; an error removes the temporary file.

    ``durable=False`` leaves out the flush to disk, for a writer of many small files that calls :func:`flush_all`
    once at its end (a flush per file costs milliseconds each: ``odg site`` took 2-3x longer). The rename still
    makes the file whole or absent for any process, a killed writer included; only a power cut before the final
    flush can lose it."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    with naming(path):
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=PARTIAL, dir=path.parent)
        try:
            with memoryview(raw) as view:
                done = 0
                while done < len(view):
                    done += os.write(fd, view[done:])
            os.fchmod(fd, mode)
            if durable:
                os.fsync(fd)
            os.close(fd)
            fd = -1
            if exclusive:
                os.link(tmp, path)  # fails if the file exists: never overwrite
                os.unlink(tmp)
            else:
                os.replace(tmp, path)
        except BaseException:
            if fd >= 0:
                os.close(fd)
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise


def flush_all() -> None:
    """Flush every file written so far to disk (the writers that left it out, ``durable=False``): once, at the
    end, before the writer reports success or records what it wrote."""
    os.sync()


@contextlib.contextmanager
def naming(path: Path | str) -> Iterator[None]:
    """Put ``path`` on an ``OSError`` raised in the block that names no file (a write on a full disk)."""
    try:
        yield
    except OSError as exc:
        if exc.filename is None and exc.errno is not None:
            raise OSError(exc.errno, exc.strerror or os.strerror(exc.errno), str(path)) from exc
        raise


#: What the system says about the user's machine, not about a bug in odg: exit 2 with the path.
_USER_ERRNOS = {
    errno.ENOSPC: "free some space on that file system (or write elsewhere), then run again",
    errno.EDQUOT: "free some space within your quota (or write elsewhere), then run again",
    errno.EFBIG: "raise the file size limit (ulimit -f) or write to another file system",
    errno.EACCES: "check the permissions of that path, or choose another one",
    errno.EPERM: "check the permissions of that path, or choose another one",
    errno.EROFS: "that file system is read-only: choose a writable path",
    errno.ENOENT: "check the path",
    errno.ENOTDIR: "a file is in the way where a directory is needed: check the path",
    errno.EISDIR: "a directory is in the way where a file is needed: check the path",
    errno.ELOOP: "a symbolic link is in the way (or loops): odg does not write through it",
    errno.ENAMETOOLONG: "choose a shorter path",
    errno.EIO: "the device reported an I/O error: check the disk",
}


def os_error(exc: OSError) -> OdgError | None:
    """The located error (exit 2) for an ``OSError`` that describes the machine (disk full, permission denied, a
    path in the way...), naming its path; None for any other (a bug: exit 3)."""
    hint = _USER_ERRNOS.get(exc.errno or 0)
    if hint is None:
        return None
    reason = exc.strerror or os.strerror(exc.errno or 0)
    if exc.filename is None:
        return ConfigError(reason, None, hint)
    target = f" -> {exc.filename2}" if exc.filename2 is not None else ""
    return ConfigError(f"{reason}{target}", Location.of(os.fsdecode(exc.filename)), hint)
