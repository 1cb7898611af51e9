"""glibc malloc's settings for this process (``mallopt``): how many arenas, and when freed memory goes back.

Elsewhere than glibc (musl, macOS) these do nothing: they only change how much memory the process keeps, never
what it computes.
"""

from __future__ import annotations

import contextlib
import functools
from typing import Any

#: ``mallopt`` parameters (malloc.h).
M_TRIM_THRESHOLD, M_ARENA_MAX = -1, -8


@functools.lru_cache(maxsize=1)
def _libc() -> Any:
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        return ctypes.CDLL(name)
    except OSError:
        return None


def _mallopt(parameter: int, value: int) -> bool:
    libc = _libc()
    if libc is None:
        return False
    with contextlib.suppress(AttributeError):
        return bool(libc.mallopt(parameter, value))
    return False


def few_arenas(arenas: int = 2) -> bool:
    """At most ``arenas`` malloc arenas: each reserves 64 MB of address space, and threads racing to allocate
    make up to one each (under ``RLIMIT_AS``, a serve worker then failed to start a thread on a busy machine)."""
    return _mallopt(M_ARENA_MAX, arenas)


def give_back_freed(threshold: int = 1 << 20) -> bool:
    """Return freed memory to the system once ``threshold`` bytes are free at the top of the heap (glibc's
    default moves up to 32 MB as large blocks come and go, and a build's rows, renderings and engines left the
    process ~60-110 MB larger than what it held: BENCHMARKS.md, issue 28)."""
    return _mallopt(M_TRIM_THRESHOLD, threshold)
