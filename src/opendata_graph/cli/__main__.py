"""``python -m opendata_graph.cli``: the same as ``odg``."""

from . import main

main()
