"""The stages of a build: records -> a validated, published release. (Not called ``build``: that name is the
top-level folder setuptools writes and .gitignore files and tools skip.)

Owns: the build's options (``options``), conversion to RDF (``convert``), SHACL shapes and their engines
(``shapes``, ``xsd``), validation and its reports (``validate``, ``report``; ``locality``: which violation
queries a change may re-run per subject), the pictures a release carries
(``pictures``), writing the release (``publish``), the build cache (``cache``), the pipeline that runs the stages
(``pipeline``) and making a versioned release or comparing two (``releasing``).

May import: ``stores`` (the query files, for violation queries), ``releases``, ``source``, ``core``.
"""
