"""View models for pages: the assessment of a person's week, arranged for a template.

Nothing here judges. A KPI's status, trend, run and audit verdict, a person's 1:1 counts and
streak, the data's age and the self-report runs all come from ``assistant.assessment.assess``,
the same object a brief on that person reads; a page arranges it and draws charts from the
points it cites. Nothing here decides who may see what either: people come from the
domain's visible reads, and the assessment is asked for as the viewer.

Pages judge a person's week as of the week in force, the clock's ISO week
(``calendar.current_week()``, honouring CADENCE_TODAY), which is also the week a brief drafted
without one is for, so the Team page, the person page and the brief show the same numbers.
"""

from __future__ import annotations

from markupsafe import Markup
from sqlmodel import Session

from assistant.assessment import Assessment, KpiReading, assessment_for
from assistant.assessment.model import GuardrailReading
from assistant.domain.calendar import ISO_WEEK, current_week, iso_week_sunday
from assistant.domain.drafts import draft_people
from assistant.domain.kpis import get_visible_kpi, series
from assistant.domain.models import Draft, Person
from assistant.domain.team import can_see
from assistant.errors import NotFound
from assistant.web.charts import line_chart

FLAGGED = ("gamed", "vanity")
"""Audit verdicts a chart is flagged for (and a status is never shown green for)."""


def week_in_force() -> str:
    """The week every page judges by: the clock's ISO week."""
    return current_week()


def cited(r: KpiReading) -> set:
    """The periods the reading's trend cites, to mark on its chart."""
    return {p.period for p in (r.trend.start, r.trend.end) if p is not None}


def reading_chart(r: KpiReading, *, title: str | None = None) -> Markup:
    """The KPI's recent points with its target line and the trend's two cited points marked."""
    return line_chart([(p.period, p.value) for p in r.series], title=title or r.name, target=r.target, unit=r.unit,
                      direction=r.direction, highlight=cited(r))


def guardrail_chart(session: Session, viewer: Person, guard: GuardrailReading, week: str) -> Markup | None:
    """A guardrail's chart to draw beside the KPI it guards (None: not visible); the page's
    caption says whose guardrail it is (a long KPI name leaves no room in the title)."""
    try:
        kpi = get_visible_kpi(session, viewer, guard.key)
    except NotFound:
        return None
    pts = series(session, kpi.id, until=iso_week_sunday(week))[-13:]
    marks = {p.period for p in (guard.trend.start, guard.trend.end) if p is not None}
    return line_chart(pts, title=guard.name, target=guard.target, unit=guard.unit,
                      direction=guard.direction, highlight=marks)


def reading_charts(session: Session, viewer: Person, a: Assessment, *, flagged: set[str] = frozenset()) -> list[dict]:
    """A chart per KPI of the assessment, flagged ones first, each followed by its guardrail.

    A guardrail that is one of the person's own KPIs is charted once, right after the KPI it
    guards (``guards`` names that KPI); another owner's is drawn beside it (``guard``).
    """
    flagged = set(flagged) | {k.key for k in a.kpis if k.verdict in FLAGGED}
    own = {k.key: k for k in a.kpis}
    out: list[dict] = []
    placed: set[str] = set()
    for k in sorted(a.kpis, key=lambda k: k.key not in flagged):
        if k.key in placed:
            continue
        placed.add(k.key)
        entry = {"status": k, "flagged": k.key in flagged, "chart": reading_chart(k), "guard": None,
                 "guards": None}
        out.append(entry)
        g = k.guardrail if k.key in flagged else None
        if g is None:
            continue
        if g.key in own:
            if g.key not in placed:
                placed.add(g.key)
                mine = own[g.key]
                out.append({"status": mine, "flagged": g.key in flagged, "guards": k.name, "guard": None,
                            "chart": reading_chart(mine)})
        else:
            entry["guard"] = guardrail_chart(session, viewer, g, a.week)
    return out


def brief_charts(session: Session, viewer: Person, draft: Draft) -> list[dict]:
    """A brief's KPI trends as of the brief's week, from the assessment of that week."""
    subject, _ = draft_people(session, viewer, draft)
    week = draft.period or ""
    if draft.kind != "brief" or subject is None or not ISO_WEEK.match(week) or not can_see(session, viewer, subject.id):
        return []
    named = {f.get("kpi") for f in draft.content.get("flags") or [] if isinstance(f, dict)}
    a = assessment_for(session, subject, week, viewer=viewer)
    return reading_charts(session, viewer, a, flagged=named - {None})
