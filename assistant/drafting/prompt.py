"""Prompt rendering: Jinja2 files in prompts/, StrictUndefined, data blocks for untrusted text.

Everything a prompt carries from the record goes in as JSON inside a ``<data name=...>``
block. JSON escaping plus ``\\u003c``/``\\u003e`` for angle brackets means no text inside
a block can close it or open a fake one, whatever a check-in says.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from typing import Any

from jinja2 import Environment
from markupsafe import Markup

from assistant.core.templates import environment, fmt_number
from assistant.settings import PROJECT_ROOT

PROMPTS = PROJECT_ROOT / "prompts"


def to_data_json(obj: Any) -> str:
    """JSON for a data block: angle brackets and ampersands escaped so the block cannot be closed."""
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"), default=str)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def data_block(name: str, obj: Any) -> Markup:
    # JSON-escaped above (bandit B704 reviewed)
    return Markup(f'<data name="{name}">\n{to_data_json(obj)}\n</data>')  # nosec B704


def read_data_block(text: str, name: str) -> Any:
    """The data a block carries, parsed back out of a rendered prompt: what a model reading
    the prompt gets (the injection tests check that every block survives intact)."""
    start_tag = f'<data name="{name}">'
    start = text.find(start_tag)
    if start == -1:
        raise KeyError(name)
    end = text.find("</data>", start)
    return json.loads(text[start + len(start_tag):end])


@cache
def _env() -> Environment:
    # Plain text: untrusted text is escaped by data_block, not by HTML escaping.
    env = environment(PROMPTS, autoescape=False, keep_trailing_newline=True)
    env.globals["data_block"] = data_block
    env.filters["num"] = fmt_number
    return env


def render(template: str, **values: Any) -> str:
    """Render prompts/<template>; a missing variable is an error, never a blank."""
    return _env().get_template(template).render(**values).strip() + "\n"


def prompt_hash(template: str) -> str:
    """Hash of a prompt file's text, recorded with evals so a prompt edit is visible."""
    return hashlib.sha256((PROMPTS / template).read_bytes()).hexdigest()[:12]
