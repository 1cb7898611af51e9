"""Validation results for people and machines: text, JSON, GitHub annotations, SARIF 2.1.0, SHACL Turtle.

Every format carries each result's source location (file, line, column): the YAML line a curator must edit, or
the RDF file and the line where the focus node first appears.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path

from .. import __version__
from ..core.errors import EXIT_OK, EXIT_VIOLATIONS, ErrorList, Location, OdgError
from ..core.namespaces import PROJECT_HOME
from .validate import Report, Result

REPORT_FORMATS = ("text", "json", "github", "sarif", "turtle")
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
        "conforms": not report.results,  # SHACL's meaning: no result at all (the exit code is policy)
        "errors": len(report.errors),
        "warnings": len(report.warnings),
        "results": [{
            "file": r.location.path, "line": r.location.line, "column": r.location.column,
            "severity": r.severity, "message": r.message, "shape": r.shape, "path": r.path, "value": r.value,
            "focusNode": r.focus, "component": r.component, "sourceShape": r.source,
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
        detail = ", ".join(x for x in (r.component, r.path, r.value) if x)
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
        if r.focus or r.component:
            result["properties"] = {"focusNode": r.focus, "resultPath": r.path, "value": r.value,
                                    "sourceConstraintComponent": r.component, "sourceShape": r.source}
        results.append(result)
    log = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "opendata-graph",
                "version": __version__,
                "informationUri": PROJECT_HOME,
                "rules": [{"id": rule, "name": rule.replace(":", "-"),
                           "shortDescription": {"text": "input error" if rule == RULE_FOR_INPUT
                                                else f"SHACL shape {rule}"}} for rule in rules],
            }},
            "results": results,
        }],
    }
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"


def turtle(report: Report) -> str:
    """The SHACL validation report (SHACL 3.6): ``sh:conforms`` true iff there is no result, each result with its
    focus node, severity, constraint component, source shape (an anonymous property shape as a blank node with its
    ``sh:path``), result path of any kind, value and message with its language; and its source location.

    ``odg:sourceLocation`` gives ``path:line:column``; ``rdfs:seeAlso`` the file's IRI with an RFC 5147 line
    fragment (``#line=13,14`` selects line 14). Results that are not SHACL's (input errors, violation queries,
    quotes) have the component ``odg:SourceCheck``.
    """
    from pyoxigraph import RdfFormat, parse, serialize

    from ..core.namespaces import ODG, PREFIXES, RDF, RDFS, SH, SHAPES, XSD
    from ..core.terms import literal
    from .shapes import path_rows

    t, root = f"<{RDF.type}>", "_:report"
    severities = {"error": SH.Violation, "warning": SH.Warning, "info": SH.Info}
    rows = [(root, t, f"<{SH.ValidationReport}>"),
            (root, f"<{SH.conforms}>", literal(str(not report.results).lower(), datatype=XSD.boolean))]
    for i, r in enumerate(report.results, 1):
        node = f"_:result{i}"
        rows += [(root, f"<{SH.result}>", node), (node, t, f"<{SH.ValidationResult}>"),
                 (node, f"<{SH.resultSeverity}>", f"<{severities.get(r.severity, SH.Info)}>"),
                 (node, f"<{SH.sourceConstraintComponent}>",
                  _expand(r.component) if r.component else f"<{ODG.SourceCheck}>"),
                 (node, f"<{SH.resultMessage}>", literal(r.message, r.language))]
        if r.focus:
            rows.append((node, f"<{SH.focusNode}>", r.focus if r.focus.startswith(("_:", '"')) else f"<{r.focus}>"))
        if r.result_path:
            path, described = path_rows(r.result_path, f"{node}_path")
            rows += [(node, f"<{SH.resultPath}>", path), *described]
        if r.source and " / " not in r.source:
            rows.append((node, f"<{SH.sourceShape}>", _expand(r.source)))
        elif r.source:  # an anonymous property shape: a blank node with its path, named for people
            shape = f"{node}_shape"
            rows += [(node, f"<{SH.sourceShape}>", shape), (shape, f"<{RDFS.label}>", literal(r.source))]
            if r.result_path:
                path, described = path_rows(r.result_path, f"{shape}_path")
                rows += [(shape, f"<{SH.path}>", path), *described]
        if r.value:
            rows.append((node, f"<{SH.value}>", r.value))
        rows.append((node, f"<{ODG.sourceLocation}>", literal(str(r.location))))
        file_iri = Path(r.location.path).resolve().as_uri()
        line = f"#line={r.location.line - 1},{r.location.line}" if r.location.line else ""
        rows.append((node, f"<{RDFS.seeAlso}>", f"<{file_iri}{line}>"))
    triples = parse("".join(f"{a} {b} {c} .\n" for a, b, c in rows).encode("utf-8"), format=RdfFormat.N_TRIPLES)
    prefixes = {"sh": SH.iri, "shapes": SHAPES.iri, **PREFIXES}
    return serialize(triples, format=RdfFormat.TURTLE, prefixes=prefixes).decode("utf-8")  # type: ignore[union-attr]


def _expand(curie: str) -> str:
    """A CURIE of :func:`opendata_graph.core.namespaces.curie` (or ``<iri>``) as an IRI term."""
    from ..core.namespaces import PREFIXES, SH, SHAPES

    if curie.startswith("<") and curie.endswith(">"):
        return curie
    prefix, _, local = curie.partition(":")
    namespace = {"shapes": SHAPES.iri, "sh": SH.iri, **PREFIXES}.get(prefix)
    return f"<{namespace}{local}>" if namespace else f"<urn:odg:unknown:{curie}>"


def outcome(run: Callable[[], Iterable[Result]], strict: bool) -> tuple[Report, int]:
    """The report of a check and its exit code: its results (0 conforms, 1 violations), or the errors that
    stopped it, as results too, so that every ``--format`` carries them (their exit code, 2 for input)."""
    try:
        results = list(run())
    except OdgError as exc:
        return from_errors(exc.errors if isinstance(exc, ErrorList) else [exc]), exc.exit_code
    report = Report(sorted(results))
    return report, EXIT_OK if report.conforms(strict) else EXIT_VIOLATIONS
