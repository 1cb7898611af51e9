"""A runner for the W3C SPARQL 1.1 Protocol test manifest (vendored in ``tests/vendor/w3c/sparql/``), against a live server.

Each test is a list of HTTP requests with expected status classes, result format and ASK boolean. The test
graphs (``ut:graphData``) are loaded as named graphs into a TriG file the server is started with; requests go to
127.0.0.1 with the manifest's ``/sparql/`` path.
"""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit
from xml.etree import ElementTree

import rdflib

MF = rdflib.Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = rdflib.Namespace("http://www.w3.org/2011/http#")
CNT = rdflib.Namespace("http://www.w3.org/2011/content#")
UT = rdflib.Namespace("http://www.w3.org/2009/sparql/tests/test-update#")
HTS = "http://www.w3.org/2011/http-statusCodes#StatusCode"
FORMATS = {
    "boolean": {"application/sparql-results+json", "application/sparql-results+xml"},
    "tabular": {"application/sparql-results+json", "application/sparql-results+xml", "text/csv",
                "text/tab-separated-values"},
    "RDF": {"text/turtle", "application/n-triples", "application/ld+json", "application/rdf+xml"},
}


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    statuses: set[str]
    fmt: str | None
    boolean: bool | None


@dataclass
class ProtocolTest:
    name: str
    iri: str
    requests: list[Request] = field(default_factory=list)
    graphs: list[tuple[Path, str]] = field(default_factory=list)


def read_manifest(path: Path) -> list[ProtocolTest]:
    g = rdflib.Graph().parse(path, format="turtle")
    manifest = next(g.subjects(rdflib.RDF.type, MF.Manifest))
    tests = []
    for entry in rdflib.collection.Collection(g, g.value(manifest, MF.entries)):
        test = ProtocolTest(str(g.value(entry, MF.name)), str(entry))
        for data in g.objects(entry, UT.graphData):
            test.graphs.append((Path(urlsplit(str(g.value(data, UT.graph))).path), str(g.value(data, rdflib.RDFS.label))))
        action = g.value(entry, MF.action)
        for req in rdflib.collection.Collection(g, g.value(action, HT.requests)):
            headers = {}
            header_list = g.value(req, HT.headers)
            if header_list is not None:
                for h in rdflib.collection.Collection(g, header_list):
                    headers[str(g.value(h, HT.fieldName))] = str(g.value(h, HT.fieldValue))
            body_node = g.value(req, HT.body)
            body = b""
            if body_node is not None:
                encoding = str(g.value(body_node, CNT.characterEncoding) or "UTF-8")
                body = str(g.value(body_node, CNT.chars)).encode(encoding.lower())
            resp = g.value(req, HT.resp)
            boolean = g.value(resp, MF.expectedBoolean)
            fmt = g.value(resp, MF.expectedFormat)
            test.requests.append(Request(
                method=str(g.value(req, HT.methodName)),
                path=str(g.value(req, HT.absolutePath)),
                headers=headers, body=body,
                statuses={str(s).removeprefix(HTS) for s in g.objects(resp, MF.expectedStatus)},
                fmt=str(fmt) if fmt is not None else None,
                boolean=bool(boolean.toPython()) if boolean is not None else None,
            ))
        tests.append(test)
    return tests


def dataset(tests: list[ProtocolTest], manifest_dir: Path) -> str:
    """A TriG document holding every test graph as a named graph (its rdfs:label is the graph name)."""
    graphs: dict[str, Path] = {}
    for test in tests:
        for file, name in test.graphs:
            graphs[name] = manifest_dir / file.name
    parts = []
    for name, file in sorted(graphs.items()):
        parts.append(f"<{name}> {{\n{file.read_text(encoding='utf-8')}\n}}\n")
    return "".join(parts)


def run(test: ProtocolTest, host: str, port: int) -> Iterator[str]:
    """Send the test's requests; yields a description of each mismatch (nothing when it passes)."""
    for req in test.requests:
        conn = http.client.HTTPConnection(host, port, timeout=30)
        conn.request(req.method, req.path, body=req.body or None, headers=req.headers)
        resp = conn.getresponse()
        body = resp.read()
        conn.close()
        status_class = f"{resp.status // 100}xx"
        if status_class not in req.statuses:
            yield f"{req.method} {req.path}: status {resp.status}, expected {sorted(req.statuses)}"
            continue
        media = (resp.getheader("Content-Type") or "").split(";")[0].strip()
        if req.fmt and media not in FORMATS[req.fmt]:
            yield f"{req.method} {req.path}: content type {media!r}, expected {req.fmt}"
        if req.boolean is not None and parse_boolean(body, media) is not req.boolean:
            yield f"{req.method} {req.path}: boolean {body[:80]!r}, expected {req.boolean}"


def parse_boolean(body: bytes, media: str) -> bool | None:
    if media.endswith("json"):
        return json.loads(body).get("boolean")
    if media.endswith("xml"):
        node = ElementTree.fromstring(body).find("{http://www.w3.org/2005/sparql-results#}boolean")
        return None if node is None else node.text == "true"
    return None
