"""The HTML templates (Jinja2, autoescaped) and the files the pages carry inline (CSS, JS).

Templates live in ``templates/``, the stylesheet and scripts in ``static/`` (package data, shipped in the wheel;
a template puts one inside a page with ``inline("odg.css")``).
A value put into a template is escaped unless it is :class:`Markup` (HTML the view model built, escaped there).
"""

from __future__ import annotations

import functools
import html
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

__all__ = ["Markup", "render"]


#: The web layer's package data: templates/ and static/ beside this module (in a checkout and in a wheel).
PACKAGE_DATA = Path(__file__).resolve().parent


def static_dir() -> Path:
    """Files the pages load or carry inline (the stylesheet, the scripts, the vendored SPARQL editor)."""
    return PACKAGE_DATA / "static"


def templates_dir() -> Path:
    return PACKAGE_DATA / "templates"


@functools.cache
def environment() -> Environment:
    """One environment per process: templates from ``templates/``, inline files (CSS, JS) from ``static/``;
    HTML autoescaped; an undefined name an error, never an empty string."""
    env = Environment(loader=FileSystemLoader(str(templates_dir())), autoescape=select_autoescape(default=True),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True, auto_reload=False,
                      finalize=_escaped)
    env.globals["inline"] = inline
    return env


def _escaped(value: Any) -> Any:
    """A value as a page shows it: text escaped as :func:`html.escape` spells it (``&quot;``, ``&#x27;``: the
    spelling the pages always had), HTML (:class:`Markup`, a macro's output) as it is."""
    if isinstance(value, str) and not hasattr(value, "__html__"):
        return Markup(html.escape(value))
    return value


@functools.cache
def inline(name: str) -> Markup:
    """A file of ``static/`` (the stylesheet, a script) to put inside a page as it is: our own text, read once."""
    return Markup((static_dir() / name).read_text(encoding="utf-8"))


def render(name: str, **context: Any) -> str:
    """The template ``name`` filled with ``context``."""
    return environment().get_template(name).render(**context)
