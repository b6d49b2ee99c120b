"""The stored side of imports: report totals, the org's currency, and where a value came from."""

from __future__ import annotations

from datetime import date

from sqlalchemy import delete
from sqlmodel import Session, col, select

from assistant.domain.calendar import today
from assistant.domain.models import Access, KpiValue, Person, ReportImport, ReportTotal
from assistant.domain.reports.detect import LABELS
from assistant.domain.reports.metrics import METRICS, Stored
from assistant.domain.reports.parsed import ParsedReport
from assistant.errors import InvalidInput

DOLLARS = frozenset({"USD", "CAD", "AUD", "NZD", "MXN", "SGD", "HKD"})
"""Currencies a bare ``$`` may stand for."""


def recent_imports(session: Session, viewer: Person, limit: int = 10) -> list[ReportImport]:
    """The latest imports a viewer may list: a founder's whole company's, anyone else's own."""
    query = select(ReportImport).order_by(col(ReportImport.id).desc()).limit(limit)
    if viewer.access != Access.founder:
        query = query.where(ReportImport.person_id == viewer.id)
    return list(session.exec(query))


def stored_totals(session: Session, kinds: set[str], start: date, end: date) -> list[tuple[int, str, Stored]]:
    """(row id, kind, total) for every stored total of ``kinds`` that overlaps start..end."""
    rows = session.exec(select(ReportTotal).where(col(ReportTotal.kind).in_(kinds), ReportTotal.end >= start,
                                                  ReportTotal.start <= end)).all()
    return [(r.id, r.kind, Stored(r.quantity, r.start, r.end, r.value)) for r in rows]  # type: ignore[misc]


def as_stored(report: ParsedReport) -> list[Stored]:
    return [Stored(f"{report.kind}.{q}", s, e, v) for (s, e), values in report.spans.items() for q, v in values.items()]


def same_totals(old: list[Stored], new: list[Stored]) -> bool:
    """True when a re-import brings exactly what is stored (so nothing is rewritten)."""
    def key(items: list[Stored]) -> set[tuple]:
        return {(t.quantity, t.start, t.end, round(t.value, 9)) for t in items}
    return len(old) == len(new) and key(old) == key(new)


def replace_totals(session: Session, import_id: int, kind: str, old_ids: list[int], new: list[Stored]) -> None:
    if old_ids:
        session.execute(delete(ReportTotal).where(col(ReportTotal.id).in_(old_ids)))
    session.add_all([ReportTotal(kind=kind, quantity=t.quantity, start=t.start, end=t.end, value=t.value,
                                 import_id=import_id) for t in new])


def check_currency(org: str | None, reports: list[ParsedReport]) -> str | None:
    """The currency the org's values are in after these files, or InvalidInput naming the odd file."""
    found = org
    for report in reports:
        cur = report.currency
        if cur is None:
            continue
        if cur == "$":
            if found is not None and found not in DOLLARS:
                raise InvalidInput(f"{report.name} shows dollar amounts, but this org's values are in {found}; "
                                   "one currency per org: export the report in that currency")
            continue
        if found is not None and cur != found:
            raise InvalidInput(f"{report.name} is in {cur}, but this org's values are in {found}; one currency per "
                               "org: export the report in that currency (or keep that marketplace in its own org)")
        found = cur
    return found


def _day(d: date) -> str:
    return f"{d.day} {d:%b}" + ("" if d.year == today().year else f" {d.year}")


def source_label(kinds: list[str], when: date, metric: str | None) -> str:
    """'from the Amazon Ads report of 24 Nov' (the reports of that import the metric reads)."""
    wanted = [k for k in kinds if metric in METRICS and k in METRICS[metric].kinds] or list(kinds)
    names = [LABELS.get(k, k) for k in wanted]
    joined = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    return f"from the {joined} of {_day(when)}"


def value_sources(session: Session, kpi_id: int, metric: str | None) -> dict[date, str]:
    """Period -> where its value came from, for the values an import set (hand-entered ones are absent)."""
    rows = session.exec(select(KpiValue.period, ReportImport.kinds, ReportImport.created_at)
                        .join(ReportImport, col(KpiValue.import_id) == col(ReportImport.id))
                        .where(KpiValue.kpi_id == kpi_id)).all()
    return {period: source_label(list(kinds), created.date(), metric) for period, kinds, created in rows}
