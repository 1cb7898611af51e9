"""Releases once made: reading, comparing and describing them.

Owns: where each node of a release is shown (``locate``), the one reader of a release directory (every format,
gzip, checksums verified: ``releasedir``), the difference between two releases (``diff``), and release versions,
changelogs and tombstones (``releases``).

May import: ``source``, ``core``.
"""
