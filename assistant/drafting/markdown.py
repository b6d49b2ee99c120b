"""Drafts as markdown a person pastes into their 1:1 doc (assistant/drafting/templates/).

``to_markdown`` is the one renderer; ``reader_markdown`` is what a person gets (the CLI's
``--format md``, the web's draft page, its markdown download and copy): the draft as its viewer
may read it, people and KPIs by name, every source a footnote in words (``drafting.reader``),
no email or id. A draft renders through its kind's template; content that template cannot
render (an edit that removed a field the template reads, a draft of no known kind) gets the
plain layout instead: the title, the sections with their sources, the lists of plain strings,
the flags.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, TemplateError
from sqlmodel import Session

from assistant.core.templates import environment
from assistant.domain.drafts import draft_people, public_meta
from assistant.domain.models import Draft, Person, flat_content
from assistant.domain.sources import cited
from assistant.drafting.budget import notes as budget_notes
from assistant.drafting.reader import kpi_names, reader_content, source_labels

TEMPLATES = Path(__file__).resolve().parent / "templates"
KIND_TITLES = {"brief": "1:1 brief", "feedback": "Check-in feedback", "goals": "Goal suggestions"}


@cache
def _env() -> Environment:
    # Markdown, not HTML: the web layer escapes and sanitises when it shows it.
    return environment(TEMPLATES, autoescape=False)


def to_markdown(content: dict[str, Any], *, title: str | None = None) -> str:
    """``content`` (a draft's flat view, ``Draft.content``) as markdown; ``title`` heads the plain layout."""
    try:
        text = _env().get_template(f"{content['kind']}.md.j2").render(d=content).strip() + "\n"
    except (KeyError, TypeError, TemplateError):
        text = _plain(content, title=title or f"{str(content.get('kind') or 'Draft').capitalize()} draft")
    # What the model did not see, said under the draft wherever it is shown or pasted.
    said = budget_notes(content["usage"]) if isinstance(content.get("usage"), dict) else []
    return text + "".join(f"\n_{note}_\n" for note in said)


def draft_title(draft: Draft, subject: Person | None) -> str:
    """"1:1 brief: Kofi Mensah, 2026-W48": the kind, the subject's name and the period."""
    name = subject.name if subject else f"person {draft.subject_id}"
    return f"{KIND_TITLES.get(draft.kind, draft.kind)}: {name}" + (f", {draft.period}" if draft.period else "")


def viewer_content(session: Session, viewer: Person, draft: Draft) -> dict[str, Any]:
    """The draft's flat view with only the metadata ``viewer`` may read."""
    return flat_content(draft.output, draft.facts, public_meta(session, viewer, draft))


def reader_markdown(session: Session, viewer: Person, draft: Draft, labels: dict[str, str] | None = None) -> str:
    """``draft`` as ``viewer`` pastes it: names, not emails or ids; its sources as footnotes in
    words. ``labels`` (``reader.source_labels``) when the caller has them already."""
    subject, requester = draft_people(session, viewer, draft)
    content = viewer_content(session, viewer, draft)
    labels = labels if labels is not None else source_labels(session, viewer, cited(content))
    reader, footnotes = reader_content(content, labels, subject=subject.name if subject else None,
                                       requester=requester.name if requester else None,
                                       kpis=kpi_names(session, viewer), drafted_on=f"{draft.created_at:%Y-%m-%d}")
    text = to_markdown(reader, title=draft_title(draft, subject))
    return text + ("\n" + "\n".join(footnotes) + "\n" if footnotes else "")


def _plain(content: dict[str, Any], *, title: str) -> str:
    """Headings, bullet items with their sources in brackets, whatever shape the content has."""
    lines = [f"# {title}", ""]
    for s in content.get("sections") or []:
        if not isinstance(s, dict):
            continue
        lines.append(f"## {s.get('title', '')}")
        for item in s.get("items") or []:
            item = item if isinstance(item, dict) else {"text": str(item)}
            src = ", ".join(str(x) for x in item.get("sources") or [])
            lines.append(f"- {item.get('text', '')}" + (f" [{src}]" if src else ""))
        lines.append("")
    for key, values in content.items():
        if isinstance(values, list) and values and all(isinstance(x, str) for x in values):
            lines.append(f"## {key.replace('_', ' ').capitalize()}")
            lines += [f"- {v}" for v in values] + [""]
    flags = [f for f in content.get("flags") or [] if isinstance(f, dict)]
    if flags:
        lines.append("## Flags")
        lines += [f"- {f.get('kpi', '')}: {f.get('code', '')}: {f.get('reason', '')}" for f in flags] + [""]
    return "\n".join(lines).rstrip() + "\n"
