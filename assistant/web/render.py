"""The Jinja2 environment for pages: autoescape on, StrictUndefined, a few safe helpers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from jinja2 import Environment
from starlette.responses import HTMLResponse

from assistant.core.templates import environment
from assistant.domain.sources import parse_source
from assistant.web.charts import fmt_value
from assistant.web.markdown import render_markdown
from assistant.web.security import csrf_token

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"

STATUS_LABELS = {"on_track": "On track", "off_track": "Off track", "unclear": "Unclear"}
FLAG_LABELS = {"gamed": "gamed", "vanity": "vanity metric", "not_influenceable": "outside their control",
               "no_objective": "serves no objective", "rarely_reviewed": "rarely reviewed",
               "no_guardrail": "no guardrail", "stage_mismatch": "wrong for the stage"}
"""The KPI audit's flag codes (kpi_audit/rules.py) as a page says them."""


def source_href(source: str) -> str | None:
    """The page a draft's source id points at (ids as ``assistant.domain.sources`` spells them)."""
    src = parse_source(source)
    if not src.ref:
        return None
    if src.kind == "checkin" and src.record_id is not None:
        return f"/checkins/{src.ref}"
    if src.kind == "meeting" and src.record_id is not None:
        return f"/meetings/{src.ref}"
    if src.kind == "kpi":
        return f"/kpis/{src.kpi_key}" + (f"#v-{src.day}" if src.day else "")
    if src.kind == "playbook":
        return f"/playbook/{src.ref}"
    return None


def source_label(source: str, labels: dict[str, str] | None = None) -> str:
    """A source chip's text: the page's reader label (``drafting.reader.source_labels``) when it has
    one, else the kind of record without its row id."""
    if labels and source in labels:
        return labels[source]
    src = parse_source(source)
    if src.kind == "kpi":
        return f"{src.kpi_key} on {src.day}" if src.day else str(src.kpi_key)
    return {"checkin": "a check-in", "meeting": "a 1:1", "playbook": "the playbook"}.get(src.kind, src.kind)


def _env() -> Environment:
    env = environment(TEMPLATES, autoescape=True)
    env.filters["markdown"] = render_markdown
    # A page shows a figure at a glance (12.5%, 2.5M); drafts print the stored value
    # (core.templates.fmt_number) because the grounding guard must trace it.
    env.filters["num"] = fmt_value
    env.filters["status_label"] = lambda s: STATUS_LABELS.get(s or "", s or "-")
    env.filters["flag_label"] = lambda c: FLAG_LABELS.get(c or "", (c or "").replace("_", " "))
    env.globals["source_href"] = source_href
    env.globals["source_label"] = source_label
    return env


templates = Jinja2Templates(env=_env())


def page(request: Request, name: str, context: dict[str, Any] | None = None, *,
         status_code: int = 200) -> HTMLResponse:
    """Render a page; every page gets the viewer (or None) and the session's CSRF token."""
    ctx = {"viewer": getattr(request.state, "viewer", None), "csrf": csrf_token(request),
           "path": request.url.path, "notice": None}
    ctx.update(context or {})
    return templates.TemplateResponse(request, name, ctx, status_code=status_code)
