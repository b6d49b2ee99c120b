"""Self-report against the data, as runs of consecutive check-ins rather than single weeks.

A run is the check-ins of consecutive ISO weeks that marked one KPI the same wrong way
("marked on track W38-W42 while TACOS rose 11.8 -> 13.1 against a 10 target"): it starts
at the first such week, ends at the last, and carries the value compared in each (the
latest on or before that week's Sunday, ``analysis.kpi.self_report_mismatches``). A week
with no check-in, or one whose mark the number bears out (or is within 2% of the target),
ends the run. Only KPIs in the readings, the ones the viewer may see, are read.
"""

from __future__ import annotations

from sqlmodel import Session

from assistant.analysis.kpi import self_report_mismatches
from assistant.assessment.model import KpiReading, SelfReportRun
from assistant.domain.calendar import next_week, weeks_back
from assistant.domain.models import Person

LOOKBACK = 12


def self_report_runs(session: Session, person: Person, week: str, readings: list[KpiReading], *,
                     lookback: int = LOOKBACK, include_unclear: bool = False) -> list[SelfReportRun]:
    """Mismatches over the ``lookback`` weeks ending with ``week``, joined into runs of
    consecutive check-in weeks with the same KPI and the same kind; the latest runs first."""
    units = {r.key: r.unit for r in readings}
    found = [m for m in self_report_mismatches(session, person, weeks_back(week, lookback),
                                               include_unclear=include_unclear) if m.kpi in units]
    runs: list[SelfReportRun] = []
    open_runs: dict[tuple[str, str], SelfReportRun] = {}
    for m in sorted(found, key=lambda m: (m.kpi, m.kind, m.week)):
        run = open_runs.get((m.kpi, m.kind))
        if run is not None and next_week(run.last_week) == m.week:
            run.weeks.append(m.week)
            run.last_week, run.to_value = m.week, m.actual
            run.sources += [s for s in m.sources if s not in run.sources]
            continue
        run = SelfReportRun(kpi=m.kpi, kpi_name=m.kpi_name, said=m.said, kind=m.kind, first_week=m.week,
                            last_week=m.week, weeks=[m.week], from_value=m.actual, to_value=m.actual,
                            target=m.target, unit=units[m.kpi], sources=list(m.sources))
        open_runs[(m.kpi, m.kind)] = run
        runs.append(run)
    return sorted(runs, key=lambda r: (r.last_week, len(r.weeks)), reverse=True)
