"""Talking SPARQL to a store, local or remote.

Owns: the checks a query text passes before it runs (``querycheck``), result formats and content negotiation
(``sparql``), the query files of ``queries/`` and running them against a release or an endpoint (``query``), and
pushing a release into a triple store over the Graph Store Protocol (``push``).

May import: ``releases``, ``source``, ``core``.
"""
