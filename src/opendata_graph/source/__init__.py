"""Curated source descriptions -> located records.

Owns: the kinds of record and their fields (``schema``), reading YAML/CSV with the file:line:col of every key
(``load``), what changed since a run's kept state and its records loaded again (``changes``), the canonical form
and ``odg lint`` (``lint``), renaming a record with its successor (``rename``), and finding the nearest passage
of a source document for a quote (``nearest``).

May import: ``core``.
"""
