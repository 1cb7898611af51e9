"""Runs that share nothing by accident: an exclusive lock around the build cache and around a release directory.

Two ``odg build`` runs that overlap (two terminals, two CI jobs on one runner) used to interleave their writes to
``.odg-cache/``'s on-disk store and to ``dist/``: RocksDB "Corruption" on every later build, or a later build that
saw "0 changed subjects" and published the old content. Each run now holds ``flock`` locks -- one for the cache,
one for the release directory -- for as long as it reads or writes them; a second run says whom it waits for and
waits (Ctrl-C stops it). The kernel releases a lock when its process ends, however it ends, so a killed run never
leaves one behind.

The lock files live in a private directory of the user (:func:`paths.locks_dir`: ``odg-locks-UID`` in the
machine's temporary directory, or ``$ODG_LOCKS``), named after the directory they guard. Another user of the
machine must not be able to steer them (docs/safety.md, item 6): the directory is made 0700 and used only when it
is a real directory (not a link) owned by this user and closed to others; a lock file is opened without following
a link (``O_NOFOLLOW``), created 0600 and used only when it is a regular file of this user. Anything else is a
located error (exit 2) saying what to remove, never a traceback and never a write through someone else's link.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import stat
from collections.abc import Callable, Iterator
from pathlib import Path

from . import paths
from .errors import ConfigError, Location


@contextlib.contextmanager
def held(path: Path, progress: Callable[[str], None] = lambda _: None) -> Iterator[None]:
    """Hold the exclusive lock ``path`` (created if needed), waiting for another holder to finish."""
    fd = _open(path)
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


def _open(path: Path) -> int:
    """The lock file ``path`` opened for writing, in a private directory of this user; never through a link."""
    private(path.parent)
    where = Location.of(path)
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise ConfigError("the lock file is a symbolic link; odg never writes through one", where,
                              f"remove it (rm {path}) and check who made it") from None
        if exc.errno in (errno.EACCES, errno.EPERM):
            raise ConfigError(f"the lock file belongs to another user (uid {_owner(path)})", where,
                              "remove it, or set ODG_LOCKS to a private directory of yours") from None
        raise
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode) or st.st_uid != os.geteuid():
        os.close(fd)
        raise ConfigError(f"the lock file is not a regular file of yours (uid {st.st_uid})", where,
                          f"remove it (rm {path}) and check who made it")
    return fd


def _owner(path: Path) -> str:
    try:
        return str(path.lstat().st_uid)
    except OSError:
        return "?"


def private(directory: Path) -> None:
    """Make ``directory`` (0700) if it is missing; refuse it unless it is a directory of this user, not a link,
    closed to group and others."""
    with contextlib.suppress(FileExistsError):
        os.mkdir(directory, 0o700)
    where = Location.of(directory)
    st = directory.lstat()
    if stat.S_ISLNK(st.st_mode) or not stat.S_ISDIR(st.st_mode):
        raise ConfigError("the lock directory is not a directory (a symbolic link, or a file)", where,
                          "remove it, or set ODG_LOCKS to a private directory of yours")
    if st.st_uid != os.geteuid():
        raise ConfigError(f"the lock directory belongs to another user (uid {st.st_uid})", where,
                          "another user made it before you: remove it (ask them or root), or set ODG_LOCKS to a "
                          "private directory of yours")
    if stat.S_IMODE(st.st_mode) & 0o077:
        raise ConfigError(f"the lock directory is open to other users (mode {stat.S_IMODE(st.st_mode):04o})", where,
                          f"chmod 700 {directory}")


def _lock_for(path: Path, what: str) -> Path:
    """The lock file of a directory: in the user's private lock directory, named by a digest of its resolved path
    (a lock file beside it would be deleted with the cache, or left beside a release)."""
    import hashlib

    digest = hashlib.sha256(str(path.resolve()).encode("utf-8")).hexdigest()[:24]
    return paths.locks_dir() / f"{what}-{path.name}-{digest}.lock"


def cache_lock(cache: Path) -> Path:
    return _lock_for(cache, "cache")


def dist_lock(dist: Path) -> Path:
    return _lock_for(dist, "release")


def releases_lock(dist: Path) -> Path:
    """Held by ``odg release`` from its first check to ``latest``: two releases of one directory never
    interleave (the build inside takes :func:`dist_lock`, another file)."""
    return _lock_for(dist, "releases")
