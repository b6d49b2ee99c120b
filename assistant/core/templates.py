"""One way to build a Jinja2 environment, and the exact number format templates print.

Prompts, the provider layer's prompt snippets, draft markdown, web pages and the eval report
each render a folder of templates. They differ only in what this factory takes as
arguments: whether output is HTML (autoescape on for pages and the report; off for prompts
and markdown, whose untrusted text is escaped in data blocks or by the page that shows it)
and how block tags treat whitespace. A missing variable is an error, never a blank (the eval
report alone is lenient).
"""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, Undefined, select_autoescape

from assistant.core.money import money


def environment(folder: Path, *, autoescape: bool, tidy: bool = True, keep_trailing_newline: bool = False,
                strict: bool = True) -> Environment:
    """An environment for the templates in ``folder``.

    ``tidy`` drops the newline after a block tag and the indentation before it (what a
    template written for readability wants). ``strict`` makes a missing variable raise;
    only the eval report, which shows whatever each draft kind returned, turns it off.
    """
    # select_autoescape either way, so the static check can see every environment's choice:
    # with autoescape off no extension is escaped, with it on every template is.
    return Environment(loader=FileSystemLoader(str(folder)),
                       autoescape=select_autoescape(enabled_extensions=("html", "htm", "xml") if autoescape else (),
                                                    default_for_string=autoescape, default=autoescape),
                       undefined=StrictUndefined if strict else Undefined,
                       trim_blocks=tidy, lstrip_blocks=tidy, keep_trailing_newline=keep_trailing_newline)


def fmt_number(value: float | int | None, unit: str = "") -> str:
    """A figure as prompts and drafts print it: the stored value to at most two decimals,
    trimmed, with its unit, so the grounding guard can trace it back to the data. An amount
    is written in the currency in force (``core.money``)."""
    if value is None:
        return "n/a"
    text = f"{value:,.2f}".rstrip("0").rstrip(".")
    return {"percent": f"{text}%", "currency": money(text), "days": f"{text} days",
            "hours": f"{text} hours"}.get(unit, text)
