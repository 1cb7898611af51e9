"""Validation results for people and machines: text, JSON, GitHub annotations, SARIF 2.1.0, SHACL Turtle.

Every format carries each result's source location (file, line, column): the YAML line a curator must edit, or
the RDF file and the line where the focus node first appears.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import rdflib

from . import __version__
from .errors import Location, OdgError
from .validate import Report, Result

FORMATS = ("text", "json", "github", "sarif", "turtle")
SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
SARIF_LEVELS = {"error": "error", "warning": "warning", "info": "note"}
RULE_FOR_INPUT = "odg:input"


def from_errors(errors: Iterable[OdgError]) -> Report:
    """Input errors (YAML syntax, schema, references) as a report, so every format can carry them."""
    return Report(sorted(Result(e.location or Location("<input>"), "error",
                                e.message + (f" (hint: {e.hint})" if e.hint else ""))
                         for e in errors))


def render(report: Report, fmt: str) -> str:
    return {"text": text, "json": as_json, "github": github, "sarif": sarif, "turtle": turtle}[fmt](report)


def text(report: Report) -> str:
    return "".join(f"{r}\n" for r in report.results) + report.summary() + "\n"


def as_json(report: Report) -> str:
    doc = {
        "conforms": report.conforms(),
        "errors": len(report.errors),
        "warnings": len(report.warnings),
        "results": [{
            "file": r.location.path, "line": r.location.line, "column": r.location.column,
            "severity": r.severity, "message": r.message, "shape": r.shape, "path": r.path, "value": r.value,
            "focusNode": r.focus,
        } for r in report.results],
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def github(report: Report) -> str:
    """GitHub Actions workflow commands: each result becomes an annotation on its file and line."""
    lines = []
    for r in report.results:
        level = {"error": "error", "warning": "warning"}.get(r.severity, "notice")
        props = [f"file={_escape_property(r.location.path)}"]
        if r.location.line:
            props.append(f"line={r.location.line}")
        if r.location.column:
            props.append(f"col={r.location.column}")
        props.append(f"title={_escape_property(r.shape or 'opendata-graph')}")
        detail = ", ".join(x for x in (r.path, r.value) if x)
        lines.append(f"::{level} {','.join(props)}::{_escape_data(r.message + (f' [{detail}]' if detail else ''))}")
    lines.append(report.summary())
    return "\n".join(lines) + "\n"


def sarif(report: Report) -> str:
    """A SARIF 2.1.0 log for code scanning: one rule per SHACL shape, one result per problem."""
    rules = sorted({r.shape or RULE_FOR_INPUT for r in report.results})
    results = []
    for r in report.results:
        region = {k: v for k, v in (("startLine", r.location.line), ("startColumn", r.location.column)) if v}
        location: dict[str, object] = {"artifactLocation": {"uri": Path(r.location.path).as_posix()}}
        if region:
            location["region"] = region
        result: dict[str, object] = {
            "ruleId": r.shape or RULE_FOR_INPUT,
            "ruleIndex": rules.index(r.shape or RULE_FOR_INPUT),
            "level": SARIF_LEVELS.get(r.severity, "note"),
            "message": {"text": r.message + (f" [{', '.join(x for x in (r.path, r.value) if x)}]"
                                             if (r.path or r.value) else "")},
            "locations": [{"physicalLocation": location}],
        }
        if r.focus:
            result["properties"] = {"focusNode": r.focus, "resultPath": r.path, "value": r.value}
        results.append(result)
    log = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "opendata-graph",
                "version": __version__,
                "informationUri": "https://w3id.org/opendata-graph/",
                "rules": [{"id": rule, "name": rule.replace(":", "-"),
                           "shortDescription": {"text": "input error" if rule == RULE_FOR_INPUT
                                                else f"SHACL shape {rule}"}} for rule in rules],
            }},
            "results": results,
        }],
    }
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"


def turtle(report: Report) -> str:
    """The standard SHACL validation report, each result linked to its source location.

    ``odg:sourceLocation`` gives ``path:line:column``; ``rdfs:seeAlso`` the file's IRI with an RFC 5147 line
    fragment (``#line=13,14`` selects line 14).
    """
    import rdflib  # only this format needs it: keep `odg validate` quick to start

    sh = rdflib.Namespace("http://www.w3.org/ns/shacl#")
    odg = rdflib.Namespace("https://w3id.org/opendata-graph/ontology#")
    g = rdflib.Graph()
    g.bind("sh", sh)
    g.bind("odg", odg)
    root = rdflib.URIRef("urn:odg:validation-report")
    g.add((root, rdflib.RDF.type, sh.ValidationReport))
    g.add((root, sh.conforms, rdflib.Literal(report.conforms())))
    severities = {"error": sh.Violation, "warning": sh.Warning, "info": sh.Info}
    for i, r in enumerate(report.results, 1):
        node = rdflib.URIRef(f"urn:odg:validation-report:result:{i}")
        g.add((root, sh.result, node))
        g.add((node, rdflib.RDF.type, sh.ValidationResult))
        g.add((node, sh.resultSeverity, severities.get(r.severity, sh.Info)))
        g.add((node, sh.resultMessage, rdflib.Literal(r.message)))
        if r.focus:
            g.add((node, sh.focusNode, rdflib.URIRef(r.focus)))
        for key, prop in ((r.shape, sh.sourceShape), (r.path, sh.resultPath)):
            if key:
                g.add((node, prop, _expand(key)))
        if r.value:
            value = rdflib.util.from_n3(r.value)
            g.add((node, sh.value, value if isinstance(value, rdflib.term.Identifier) else rdflib.Literal(r.value)))
        g.add((node, odg.sourceLocation, rdflib.Literal(str(r.location))))
        file_iri = Path(r.location.path).resolve().as_uri()
        line = f"#line={r.location.line - 1},{r.location.line}" if r.location.line else ""
        g.add((node, rdflib.RDFS.seeAlso, rdflib.URIRef(file_iri + line)))
    return g.serialize(format="turtle")


def _expand(curie: str) -> rdflib.term.Identifier:
    import rdflib

    from .namespaces import PREFIXES

    if curie.startswith("<") and curie.endswith(">"):
        return rdflib.URIRef(curie[1:-1])
    prefix, _, local = curie.partition(":")
    namespace = {"shapes": "https://w3id.org/opendata-graph/shapes#", **PREFIXES}.get(prefix)
    return rdflib.URIRef(namespace + local) if namespace else rdflib.Literal(curie)
