"""glibc's malloc settings (core/allocator.py) take effect: after a large block has come and gone, glibc keeps up
to twice its size of freed memory; with :func:`allocator.give_back_freed` the memory goes back to the system."""

from __future__ import annotations

import subprocess
import sys

PROBE = """
import ctypes, ctypes.util, sys
from opendata_graph.core import allocator

def rss():
    return next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmRSS")) // 1024

libc = ctypes.CDLL(ctypes.util.find_library("c"))
libc.malloc.restype, libc.free.argtypes = ctypes.c_void_p, [ctypes.c_void_p]
if sys.argv[1] == "give-back":
    assert allocator.give_back_freed()
libc.free(libc.malloc(16 << 20))  # glibc's own thresholds rise to 16 MB (mmap) and 32 MB (trim)
blocks = [libc.malloc(1 << 20) for _ in range(24)]
for block in blocks:
    ctypes.memset(block, 1, 1 << 20)
held = rss()
for block in reversed(blocks):
    libc.free(block)
print(held - rss())
"""


def given_back(mode: str) -> int:
    out = subprocess.run([sys.executable, "-c", PROBE, mode], capture_output=True, text=True, check=True, timeout=60)
    return int(out.stdout)


def test_freed_memory_goes_back_to_the_system() -> None:
    assert given_back("default") < 8  # glibc's default keeps it: the probe can tell
    assert given_back("give-back") >= 20
