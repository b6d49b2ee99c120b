"""Importing seller reports into KPI values: all or nothing per command, idempotent.

One command is a list of files. Every file is read and checked before anything is written:
a missing column a mapped metric needs, a second currency, a range row across two periods,
two files of one kind for the same days, or a file that cuts through totals stored before
refuses the whole command, naming the file. Then each file's days replace the stored days
of its kind, and every KPI whose ``metric`` reads that kind is recomputed for the periods the
files touch, from all the totals stored for those periods (so TACOS comes out the same
whichever of its two reports arrives first). Values of other periods, and KPIs without a
metric, are never touched. A dry run does all of this and writes nothing.

Who may import: anyone may for the KPIs they may see (owners, their managers, founders);
the command line, run by whoever holds the database, may for all.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import BinaryIO

from sqlmodel import Session, col, select

from assistant.domain.kpis import visible_kpis
from assistant.domain.models import Access, Company, Frequency, Kpi, KpiValue, Person, ReportImport
from assistant.domain.reports.detect import LABELS, PARSERS, parse_report
from assistant.domain.reports.metrics import METRICS, Metric, Stored, period_bounds, period_sums, periods_between
from assistant.domain.reports.parsed import ParsedReport, Span
from assistant.domain.reports.results import FileRead, ImportResult, ValueChange
from assistant.domain.reports.store import as_stored, check_currency, replace_totals, same_totals, stored_totals
from assistant.errors import Forbidden, InvalidInput

MAX_FILES = 20
PERIOD_WORDS = {Frequency.weekly: "week", Frequency.monthly: "month", Frequency.quarterly: "quarter",
                Frequency.yearly: "year"}


@dataclass
class Upload:
    """One file of a command: its name (the extension picks the reader) and its bytes."""

    name: str
    stream: BinaryIO


def import_reports(session: Session, viewer: Person | None, uploads: list[Upload], *, kind: str | None = None,
                   dates: Span | None = None, dry_run: bool = False, via: str = "cli") -> ImportResult:
    """Read, check and (unless ``dry_run``) apply the files; the caller commits.

    ``viewer`` None is the command line. ``dates`` is the range of a file that names none
    (a Business Report by ASIN).
    """
    if not uploads:
        raise InvalidInput("no report files given")
    if len(uploads) > MAX_FILES:
        raise InvalidInput(f"at most {MAX_FILES} files per import")
    reports = [parse_report(u.name, u.stream, kind=kind, dates=dates) for u in uploads]
    kinds = {r.kind for r in reports}
    kpis = _kpis_fed(session, viewer, kinds)
    _check_columns(reports, kpis)
    _check_ranges(reports, kpis)
    _check_overlaps(reports)
    # Imports take turns on the company row (PostgreSQL): two at once would both replace the same days.
    company = session.exec(select(Company) if dry_run else select(Company).with_for_update()).first()
    currency = check_currency(company.currency if company else None, reports)

    touched = _touched_periods(reports, kpis)
    spans = [p for periods in touched.values() for p in periods] + [(r.first, r.last) for r in reports if r.first]
    needed = kinds | {k for kpi in kpis for k in METRICS[kpi.metric].kinds}  # type: ignore[index]
    stored = stored_totals(session, needed, min(s for s, _ in spans), max(e for _, e in spans)) if spans else []
    merged, replaced = _merge(reports, stored)

    changes, unchanged, notes, writes = _recompute(session, kpis, touched, merged)
    result = ImportResult(dry_run=dry_run, import_id=None, recorded_at=None, files=[_read(r) for r in reports],
                          changes=changes, unchanged=unchanged, notes=notes)
    if dry_run:
        return result
    record = ReportImport(person_id=viewer.id if viewer else None, via=via, kinds=sorted(kinds),
                          files=[f.model_dump(mode="json") for f in result.files],
                          changes=[c.model_dump(mode="json") for c in changes])
    session.add(record)
    session.flush()
    for report in reports:
        old_ids, old, new = replaced[report.name]
        if not same_totals(old, new):
            replace_totals(session, record.id, report.kind, old_ids, new)  # type: ignore[arg-type]
    for kpi_id, period, row, value in writes:
        if row is None:
            session.add(KpiValue(kpi_id=kpi_id, period=period, value=value, import_id=record.id))
        else:
            row.value, row.import_id = value, record.id
            session.add(row)
    if company is not None and currency not in (None, "$") and company.currency != currency:
        company.currency = currency
        session.add(company)
    session.flush()
    result.import_id, result.recorded_at = record.id, record.created_at
    return result


def _kpis_fed(session: Session, viewer: Person | None, kinds: set[str]) -> list[Kpi]:
    """The KPIs whose metric reads one of ``kinds`` that this viewer may update."""
    candidates = (list(session.exec(select(Kpi).where(col(Kpi.metric).is_not(None)).order_by(Kpi.id)))
                  if viewer is None else [k for k in visible_kpis(session, viewer) if k.metric])
    fed = [k for k in candidates if k.metric in METRICS and set(METRICS[k.metric].kinds) & kinds]
    if viewer is not None and viewer.access != Access.founder and not fed:
        raise Forbidden("none of the KPIs these reports feed is yours (or your team's) to update; the KPI's "
                        "owner, their manager or a founder may import them")
    return fed


def _check_columns(reports: list[ParsedReport], kpis: list[Kpi]) -> None:
    problems = []
    for report in reports:
        have = {f"{report.kind}.{q}" for q in report.quantities}
        missing: dict[str, set[str]] = defaultdict(set)
        for kpi in kpis:
            for q in METRICS[kpi.metric].quantities:  # type: ignore[index]
                if q.startswith(report.kind + ".") and q not in have:
                    missing[PARSERS[report.kind].NEEDS[q.split(".", 1)[1]]].add(kpi.metric)  # type: ignore[arg-type]
        for column, metrics in sorted(missing.items()):
            problems.append(f"{report.name}: no {column!r} column, which {', '.join(sorted(metrics))} "
                            f"{'needs' if len(metrics) == 1 else 'need'}")
    if problems:
        raise InvalidInput("; ".join(problems) + "; nothing was imported", detail=problems)


def _frequencies(kpis: list[Kpi], kind: str) -> set[str]:
    return {k.frequency for k in kpis if kind in METRICS[k.metric].kinds}  # type: ignore[index]


def _check_ranges(reports: list[ParsedReport], kpis: list[Kpi]) -> None:
    for report in reports:
        for frequency in sorted(_frequencies(kpis, report.kind)):
            for start, end in report.spans:
                if start != end and period_bounds(start, frequency) != period_bounds(end, frequency):
                    word = PERIOD_WORDS.get(Frequency(frequency), frequency)
                    raise InvalidInput(f"{report.name}: a row covers {start} to {end}, which spans two {word}s; "
                                       f"export daily rows (or one range inside a {word}); nothing was imported")


def _check_overlaps(reports: list[ParsedReport]) -> None:
    by_kind: dict[str, list[ParsedReport]] = defaultdict(list)
    for report in reports:
        if report.first is not None:
            by_kind[report.kind].append(report)
    for kind, items in by_kind.items():
        items.sort(key=lambda r: r.first)  # type: ignore[arg-type, return-value]
        for a, b in zip(items, items[1:], strict=False):
            if b.first <= a.last:  # type: ignore[operator]
                raise InvalidInput(f"{a.name} and {b.name} are both {LABELS[kind]}s covering {b.first} to "
                                   f"{min(a.last, b.last)}; import one of them (campaign, product and search "  # type: ignore[type-var]
                                   "term reports count the same spend twice); nothing was imported")


def _touched_periods(reports: list[ParsedReport], kpis: list[Kpi]) -> dict[int, list[tuple[date, date]]]:
    """KPI id -> the periods (of its frequency) that a file of a kind it reads overlaps."""
    out: dict[int, list[tuple[date, date]]] = {}
    for kpi in kpis:
        metric = METRICS[kpi.metric]  # type: ignore[index]
        periods: set[tuple[date, date]] = set()
        for report in reports:
            if report.kind in metric.kinds and report.first is not None:
                periods.update(periods_between(report.first, report.last, kpi.frequency))  # type: ignore[arg-type]
        out[kpi.id] = sorted(periods)  # type: ignore[index]
    return out


def _merge(reports: list[ParsedReport], stored: list[tuple[int, str, Stored]]):  # noqa: ANN202
    """Stored totals with each file's days put in place of its kind's stored days.

    Returns (totals by kind, {file name: (replaced row ids, replaced totals, new totals)}).
    """
    replaced: dict[str, tuple[list[int], list[Stored], list[Stored]]] = {}
    gone: set[int] = set()
    for report in reports:
        ids, old = [], []
        if report.first is not None:
            for row_id, kind, t in stored:
                if kind != report.kind or t.end < report.first or t.start > report.last:  # type: ignore[operator]
                    continue
                if t.start < report.first or t.end > report.last:  # type: ignore[operator]
                    raise InvalidInput(
                        f"{report.name} covers {report.first} to {report.last}, which cuts through a stored "
                        f"{LABELS[kind]} row for {t.start} to {t.end}; export a range that holds it whole; "
                        "nothing was imported")
                ids.append(row_id)
                old.append(t)
        gone.update(ids)
        replaced[report.name] = (ids, old, as_stored(report))
    merged: dict[str, list[Stored]] = defaultdict(list)
    for row_id, kind, t in stored:
        if row_id not in gone:
            merged[kind].append(t)
    for report in reports:
        merged[report.kind].extend(replaced[report.name][2])
    return merged, replaced


def _recompute(session: Session, kpis: list[Kpi], touched: dict[int, list[tuple[date, date]]],
               merged: dict[str, list[Stored]]):  # noqa: ANN202
    """Each touched period's new value against the stored one: (changes, unchanged, notes, writes)."""
    ids = [k.id for k in kpis]
    existing = {(v.kpi_id, v.period): v for v in session.exec(select(KpiValue).where(col(KpiValue.kpi_id).in_(ids)))}
    changes: list[ValueChange] = []
    writes: list[tuple[int, date, KpiValue | None, float]] = []
    unchanged = 0
    left_out: dict[tuple[str, str], list[str]] = defaultdict(list)
    for kpi in kpis:
        metric: Metric = METRICS[kpi.metric]  # type: ignore[index]
        totals = [t for kind in metric.kinds for t in merged.get(kind, ())]
        for period in touched[kpi.id]:  # type: ignore[index]
            sums, why = period_sums(metric, period, totals)
            value = metric.value(sums) if sums is not None else None
            if value is None:
                why = why or f"its {' + '.join(q.split('.', 1)[1] for q in metric.denominator)} is zero"
                left_out[(kpi.key, why)].append(period[0].isoformat())
                continue
            row = existing.get((kpi.id, period[0]))  # type: ignore[arg-type]
            if row is not None and abs(row.value - value) <= 1e-9 * max(1.0, abs(value)):
                unchanged += 1
                continue
            changes.append(ValueChange(kpi=kpi.key, metric=metric.name, period=period[0],
                                       old=row.value if row else None, new=value))
            writes.append((kpi.id, period[0], row, value))  # type: ignore[arg-type]
    notes = [f"{key} {', '.join(periods)}: left out, {why}" for (key, why), periods in left_out.items()]
    return changes, unchanged, notes, writes


def _read(report: ParsedReport) -> FileRead:
    return FileRead(name=report.name, kind=report.kind, label=LABELS[report.kind], detected=report.detected,
                    rows=report.rows, first=report.first, last=report.last, currency=report.currency)
