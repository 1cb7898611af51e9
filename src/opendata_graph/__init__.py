"""opendata-graph: curated YAML source descriptions to a validated, deterministic linked-data release."""

__version__ = "0.1.0"
