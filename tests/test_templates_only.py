"""The pages are templates over view models: no HTML is built in Python for the resource, home, class index,
404, changes, ontology and query pages (the query files, the query page, a query's results) -- no ``escape()``,
no string holding a tag, no ``Markup`` of a literal in the modules that build their view models, in
:mod:`opendata_graph.web.pages` (:class:`~opendata_graph.web.pages.Site` renders them), nor where the route table and the
server answer with the query pages. (The SVG pictures of ``pictures.py`` and the schema.org script of
``schemaorg.py`` are drawn there.)"""

from __future__ import annotations

import ast
import re
from collections.abc import Collection

from opendata_graph.core import paths

#: The web layer's modules (src/opendata_graph/web/).
WEB = paths.HERE / "web"

#: The modules that build the pages' view models.
BUILDERS = ("views", "summary_view", "resource_view", "home_view", "index_view", "changes_view", "ontology_view",
            "query_view")
#: The methods of pages.Site that render those pages.
RENDERERS = ("view", "resource", "home", "kind_page", "not_found", "changes", "ontology", "search_index", "kinds",
             "query_list", "query_files", "query_page", "query_results", "query_static", "results_table",
             "editor_data")
#: Where the route table (routes.Web) and the server (serve.Handler) answer with the query pages.
CALLERS = {"routes": ("_queries", "_query_page", "_query_results"), "serve": ("do_GET", "query_page")}
#: An HTML tag in a string: ``<a href``, ``</li>``, ``<td>``...
TAG = re.compile(r"<\s*/?\s*(a|p|li|ul|ol|div|span|h[1-6]|td|tr|th|table|thead|tbody|dl|dt|dd|section|details|"
                 r"summary|code|pre|blockquote|strong|em|br|link|script|main|nav|form|input|button|label)\b", re.I)


def _docstrings(tree: ast.AST) -> set[int]:
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                out.add(id(first.value))
    return out


def html_built(source: str, only: Collection[str] | None = None) -> list[str]:
    """Where ``source`` builds HTML (``line: what``); ``only``: look inside these functions (of any class)."""
    tree = ast.parse(source)
    roots: list[ast.AST] = [tree] if only is None else [
        n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef) and n.name in only]
    skip = _docstrings(tree)
    found = []
    for root in roots:
        for node in ast.walk(root):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip \
                    and TAG.search(node.value):
                found.append(f"{node.lineno}: a string with a tag: {node.value[:60]!r}")
            elif isinstance(node, ast.Call):
                name = node.func.id if isinstance(node.func, ast.Name) else \
                    node.func.attr if isinstance(node.func, ast.Attribute) else ""
                regex = isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Name) \
                    and node.func.value.id == "re"  # re.escape: a pattern, not HTML
                if name == "escape" and not regex:
                    found.append(f"{node.lineno}: escape()")
                elif name == "Markup" and node.args and isinstance(node.args[0], ast.Constant | ast.JoinedStr):
                    found.append(f"{node.lineno}: Markup of a literal")
            elif isinstance(node, ast.ImportFrom) and any(a.name == "escape" for a in node.names):
                found.append(f"{node.lineno}: imports escape")
    return found


def test_the_finder_finds_html_built_in_python() -> None:
    regression = '''
from html import escape

def link(label, href):
    """A docstring may say <a href> freely."""
    return f'<a href="{escape(href)}">{escape(label)}</a>'

class Site:
    def home(self):
        return Markup(f"<h1>{self.title}</h1>")

    def other(self):
        return "<p>not checked</p>"
'''
    def lines(found: list[str]) -> list[int]:
        return sorted(int(x.split(":")[0]) for x in found)

    # the import, two tags and two escape() calls; Markup of an f-string with two tags; a tag outside a method
    assert lines(html_built(regression)) == [2, 6, 6, 6, 6, 10, 10, 10, 13]
    assert lines(html_built(regression, only={"home"})) == [10, 10, 10]
    assert html_built('def f():\n    """<a href> in a docstring"""\n    return {"label": "x"}\n') == []


def test_the_page_builders_build_no_html() -> None:
    found = {name: html_built((WEB / f"{name}.py").read_text(encoding="utf-8")) for name in BUILDERS}
    assert {name: lines for name, lines in found.items() if lines} == {}, \
        "HTML belongs in templates/: build a view model (plain data) and render it there"


def test_the_site_renders_these_pages_from_templates_only() -> None:
    source = (WEB / "pages.py").read_text(encoding="utf-8")
    assert html_built(source, RENDERERS) == [], "Site's page methods render a template over a view model"
    defined = {n.name for n in ast.walk(ast.parse(source)) if isinstance(n, ast.FunctionDef)}
    assert set(RENDERERS) <= defined, set(RENDERERS) - defined  # a renamed method is not silently unchecked
    assert html_built(source) == [], "pages.py puts view models into templates: no HTML of its own"


def test_the_query_pages_are_answered_without_html_built_in_python() -> None:
    for module, methods in CALLERS.items():
        source = (WEB / f"{module}.py").read_text(encoding="utf-8")
        assert html_built(source, methods) == [], f"{module}.py: the query pages come from Site's templates"
        defined = {n.name for n in ast.walk(ast.parse(source)) if isinstance(n, ast.FunctionDef)}
        assert set(methods) <= defined, (module, set(methods) - defined)
