"""A deliberately small markdown renderer for LLM output and playbook text.

It escapes everything first and only then adds a fixed set of tags, so no HTML from the
input survives: no raw tags, no scripts, no images (``![x](url)`` stays text), and links
only to this site's own paths. Supported: paragraphs, ``-``/``*``/``1.`` lists, ``#``
headings (rendered one level down), **bold**, *emphasis*, `code`, [text](/local/path).
"""

from __future__ import annotations

import re

from markupsafe import Markup, escape

_BOLD = re.compile(r"\*\*(.+?)\*\*")
_EM = re.compile(r"(?<![*\w])\*(?!\s)(.+?)(?<!\s)\*(?![*\w])")
_CODE = re.compile(r"`([^`]+)`")
# Escaped text: the link target must be a site-relative path (no scheme, no //host).
_LINK = re.compile(r"(?<!!)\[([^\]]+)\]\((/(?!/)[A-Za-z0-9/_.#?=&;:%-]*)\)")
_BULLET = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+(.*)$")
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")


def _inline(text: str) -> str:
    """Inline markup over already escaped text."""
    out = str(escape(text))
    codes: list[str] = []

    def keep_code(m: re.Match) -> str:
        codes.append(f"<code>{m[1]}</code>")
        return f"\x00{len(codes) - 1}\x00"

    out = _CODE.sub(keep_code, out)
    out = _LINK.sub(lambda m: f'<a href="{m[2]}">{m[1]}</a>', out)
    out = _BOLD.sub(r"<strong>\1</strong>", out)
    out = _EM.sub(r"<em>\1</em>", out)
    return re.sub("\x00(\\d+)\x00", lambda m: codes[int(m[1])], out)


def render_markdown(text: str | None) -> Markup:
    """Safe HTML for ``text``: every character of the input is escaped before tags are added."""
    if not text:
        return Markup("")
    blocks: list[str] = []
    para: list[str] = []
    items: list[str] = []

    def flush() -> None:
        if para:
            blocks.append(f"<p>{_inline(' '.join(para))}</p>")
            para.clear()
        if items:
            blocks.append("<ul>" + "".join(f"<li>{_inline(i)}</li>" for i in items) + "</ul>")
            items.clear()

    for line in text.replace("\r\n", "\n").split("\n"):
        if not line.strip():
            flush()
        elif m := _HEADING.match(line):
            flush()
            level = min(len(m[1]) + 2, 6)
            blocks.append(f"<h{level}>{_inline(m[2])}</h{level}>")
        elif m := _BULLET.match(line):
            if para:
                flush()
            items.append(m[1])
        elif items and line.startswith((" ", "\t")):
            items[-1] += " " + line.strip()
        else:
            if items:
                flush()
            para.append(line.strip())
    flush()
    # input escaped before any tag was added (bandit B704 reviewed)
    return Markup("\n".join(blocks))  # nosec B704
