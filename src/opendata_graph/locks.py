"""Runs that share nothing by accident: an exclusive lock around the build cache and around a release directory.

Two ``odg build`` runs that overlap (two terminals, two CI jobs on one runner) used to interleave their writes to
``.odg-cache/``'s on-disk store and to ``dist/``: RocksDB "Corruption" on every later build, or a later build that
saw "0 changed subjects" and published the old content. Each run now holds ``flock`` locks -- one for the cache,
one for the release directory -- for as long as it reads or writes them; a second run says whom it waits for and
waits (Ctrl-C stops it). The lock files live in the machine's temporary directory (``odg-locks/``), named after the
directory they guard. The kernel releases a lock when its
process ends, however it ends, so a killed run never leaves one behind.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Callable, Iterator
from pathlib import Path


@contextlib.contextmanager
def held(path: Path, progress: Callable[[str], None] = lambda _: None) -> Iterator[None]:
    """Hold the exclusive lock ``path`` (created if needed), waiting for another holder to finish."""
    path.parent.mkdir(mode=0o1777, parents=True, exist_ok=True)  # shared by the machine's users, like /tmp
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 64, 0).decode("ascii", "replace").strip() or "?"
            progress(f"waiting for another odg run (pid {holder}) to finish with its {path.name.split('-', 1)[0]}")
            fcntl.flock(fd, fcntl.LOCK_EX)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
        yield
    finally:
        os.close(fd)


def _lock_for(path: Path, what: str) -> Path:
    """The lock file of a directory: in the machine's temporary directory, named by a digest of its resolved path
    (a lock file beside it would be deleted with the cache, or left beside a release)."""
    import hashlib
    import tempfile

    digest = hashlib.sha256(str(path.resolve()).encode("utf-8")).hexdigest()[:24]
    return Path(tempfile.gettempdir()) / "odg-locks" / f"{what}-{path.name}-{digest}.lock"


def cache_lock(cache: Path) -> Path:
    return _lock_for(cache, "cache")


def dist_lock(dist: Path) -> Path:
    return _lock_for(dist, "release")


def releases_lock(dist: Path) -> Path:
    """Held by ``odg release`` from its first check to ``latest``: two releases of one directory never
    interleave (the build inside takes :func:`dist_lock`, another file)."""
    return _lock_for(dist, "releases")
