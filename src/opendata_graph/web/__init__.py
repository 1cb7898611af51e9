"""A release for people and programs on the web: the SPARQL endpoint, a page per resource, the static site.

Owns: the route table both the server and the static export answer from (``routes``); the pages, a view model per
page kind (``views`` and the ``*_view`` modules: data, no HTML) rendered by the Jinja2 templates of ``templates/``
with the files of ``static/`` (``render``, ``pages``, ``schemaorg``); the HTTP server, its query scheduler and fast
lane (``serve``, ``workers``, ``fastlane``); and the static export (``site``).

May import: ``stages`` (the pictures), ``stores``, ``releases``, ``source``, ``core``.
"""
