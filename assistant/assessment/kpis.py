"""KPI readings: value against target, an honest trend, the run on or off target, the
audit's verdict and, for a KPI the audit calls gamed, its guardrail's movement beside it."""

from __future__ import annotations

from sqlmodel import Session

from assistant.analysis.kpi import SERIES_POINTS, kpi_status_of
from assistant.assessment.model import Finding, GuardrailReading, KpiReading, Point, Run
from assistant.assessment.trend import read_trend
from assistant.domain.calendar import iso_week_sunday
from assistant.domain.kpis import get_visible_kpi, series, visible_kpis
from assistant.domain.models import Kpi, Person
from assistant.domain.sources import kpi_source
from assistant.errors import NotFound
from assistant.kpi_audit.rules import KpiAudit
from assistant.kpi_audit.stored import audit_visible


def evidence_sources(evidence: object) -> list[str]:
    """KPI-value ids for a flag's evidence: the points its reason cites, on the KPI and its guardrail."""
    out = []
    for side in ("kpi", "guardrail"):
        ev = evidence.get(side) if isinstance(evidence, dict) else None
        if isinstance(ev, dict) and ev.get("id") and ev.get("to"):
            out.append(kpi_source(ev["id"], ev["to"]))
            if ev.get("from"):
                out.append(kpi_source(ev["id"], ev["from"]))
    return out


def points(key: str, pts: list[tuple]) -> list[Point]:
    return [Point(period=p, value=v, source=kpi_source(key, p)) for p, v in pts]


def current_run(key: str, pts: list[Point], target: float | None, direction: str) -> Run | None:
    """The latest stretch of consecutive points on the same side of the target."""
    if target is None or not pts:
        return None

    def hit(p: Point) -> bool:
        return p.value <= target if direction == "down" else p.value >= target

    side = hit(pts[-1])
    run = [pts[-1]]
    for p in reversed(pts[:-1]):
        if hit(p) != side:
            break
        run.append(p)
    return Run(on_target=side, points=len(run), since=run[-1].period, sources=[run[-1].source, run[0].source])


def guardrail_reading(session: Session, viewer: Person, key: str, week: str) -> GuardrailReading | None:
    try:
        guard = get_visible_kpi(session, viewer, key)
    except NotFound:
        return None
    pts = points(guard.key, series(session, guard.id, until=iso_week_sunday(week))[-SERIES_POINTS:])
    trend = read_trend(pts, guard.direction)
    last = pts[-1] if pts else None
    return GuardrailReading(key=guard.key, name=guard.name, unit=guard.unit, direction=guard.direction,
                            value=last.value if last else None, period=last.period if last else None,
                            target=guard.target, trend=trend, worsened=trend.label == "worsening",
                            sources=[p.source for p in (trend.start, trend.end) if p]
                            or ([last.source] if last else []))


def reading(session: Session, viewer: Person, kpi: Kpi, week: str, audit: KpiAudit | None) -> KpiReading:
    st = kpi_status_of(session, kpi, week, viewer=viewer)
    pts = points(kpi.key, st.series)
    r = KpiReading(key=kpi.key, name=kpi.name, unit=kpi.unit, direction=kpi.direction, tier=kpi.tier,
                   objective=kpi.objective_key, target=kpi.target, value=st.value, period=st.period,
                   previous_value=st.previous_value, previous_period=st.previous_period, gap=st.gap,
                   on_target=st.on_target, trend=read_trend(pts, kpi.direction),
                   run=current_run(kpi.key, pts, kpi.target, kpi.direction), guardrail_note=st.guardrail_note,
                   series=pts, sources=list(st.sources[:1]))
    if r.trend.start is not None:
        r.sources.append(r.trend.start.source)
    guard_key = st.guardrail
    if audit is not None:
        r.verdict = audit.verdict
        r.flags = [f.code for f in audit.flags if f.severity != "info"]
        r.findings = [Finding(code=f.code, severity=f.severity, reason=f.reason, sources=evidence_sources(f.evidence))
                      for f in audit.flags if f.severity != "info"]
        main = next((f for f in audit.flags if f.code in ("gamed", "vanity")), None)
        r.audit_reason = main.reason if main else None
        r.suggestion = audit.suggestion
        # A declared guardrail the viewer may not see is only noted; another KPI the audit reads
        # as its guardrail stands in for it only as the evidence of gaming.
        if st.guardrail_note is None or audit.verdict == "gamed":
            guard_key = audit.guardrail or guard_key
    if guard_key:
        r.guardrail = guardrail_reading(session, viewer, guard_key, week)
    return r


def kpi_readings(session: Session, person: Person, week: str, viewer: Person) -> list[KpiReading]:
    """Every KPI ``person`` owns that ``viewer`` may see, as of the end of ``week``; primary first."""
    kpis = visible_kpis(session, viewer, owner_id=person.id)
    kpis = sorted(kpis, key=lambda k: (k.tier != "primary", k.id))
    # the audit as of the week too: a verdict on an earlier week never rests on later values
    audits = ({a.id: a for a in audit_visible(session, viewer, owner_id=person.id, until=iso_week_sunday(week))}
              if kpis else {})
    return [reading(session, viewer, k, week, audits.get(k.key)) for k in kpis]
