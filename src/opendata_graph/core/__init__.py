"""The ground floor: what every other layer stands on, and which stands on nothing of the package.

Owns: where inputs live (``paths``, ``project``), the vocabulary IRIs (``namespaces``), the exception family and
exit codes (``errors``), an IRI's characters (``iri``) and the minted-IRI grammar (``mint``: made and read back in
one place), RDF terms and rows (``terms``), the output formats and their writers (``formats``, ``serialize``,
``jsonld``), output-directory ownership and whole-file writes (``outputs``), locks and progress, and how
malloc gives memory back (``allocator``).

May import: no other layer (the standard library and third-party packages only).
"""
