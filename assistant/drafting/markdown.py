"""Drafts as markdown a person pastes into their 1:1 doc (assistant/drafting/templates/)."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment

from assistant.core.templates import environment

TEMPLATES = Path(__file__).resolve().parent / "templates"


@cache
def _env() -> Environment:
    # Markdown, not HTML: the web layer escapes and sanitises when it shows it.
    return environment(TEMPLATES, autoescape=False)


def to_markdown(content: dict[str, Any]) -> str:
    return _env().get_template(f"{content['kind']}.md.j2").render(d=content).strip() + "\n"
