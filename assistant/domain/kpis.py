"""KPI definitions and values: visible reads, bulk value upload, series for analysis."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from pydantic import ValidationError
from sqlmodel import Session, col, select

from assistant.domain.models import Kpi, KpiValue, Person
from assistant.domain.reports.metrics import period_bounds
from assistant.domain.schemas import KpiPublic, KpiValueIn, ValuesUploadResult
from assistant.domain.team import can_see, person_scope
from assistant.errors import InvalidInput, NotFound

MAX_UPLOAD_ROWS = 50_000


HIDDEN_GUARDRAIL = "a guardrail owned by another team"
"""All a viewer learns of a guardrail they may not see: that one exists (no key, name or figure)."""


def kpi_visible(session: Session, viewer: Person, kpi: Kpi) -> bool:
    """An owned KPI follows its owner's visibility; an unassigned (role) KPI is for founders."""
    if kpi.owner_id is None:
        return viewer.access == "founder"
    return can_see(session, viewer, kpi.owner_id)


def kpi_scope(session: Session, viewer: Person) -> Any:
    """``kpi_visible`` as a SQL condition on ``Kpi`` (None for a founder, who sees every KPI).

    Every query for the KPIs a viewer may see (the lists, the audit, the goals draft's
    guardrail look-ups) filters with this, so no path has a visibility rule of its own.
    """
    return person_scope(session, viewer, Kpi.owner_id)


def visible_kpis(session: Session, viewer: Person, *, owner_id: int | None = None) -> list[Kpi]:
    q = select(Kpi).order_by(Kpi.id)
    if (scope := kpi_scope(session, viewer)) is not None:
        q = q.where(scope)
    if owner_id is not None:
        q = q.where(Kpi.owner_id == owner_id)
    return list(session.exec(q).all())


def visible_kpi_keys(session: Session, viewer: Person, keys: set[str]) -> set[str]:
    """Those of ``keys`` that name a KPI the viewer may see (unknown keys are left out)."""
    if not keys:
        return set()
    q = select(Kpi.key).where(col(Kpi.key).in_(keys))
    if (scope := kpi_scope(session, viewer)) is not None:
        q = q.where(scope)
    return set(session.exec(q).all())


def guardrail_view(session: Session, viewer: Person | None, kpi: Kpi) -> tuple[Kpi | None, str | None]:
    """The KPI's declared guardrail as ``viewer`` may know it: (the row, None) when they may
    see it, (None, HIDDEN_GUARDRAIL) when it belongs outside their view, (None, None) when
    there is none. ``viewer`` None reads as the KPI's owner (a founder's, when unassigned)."""
    if kpi.guardrail_id is None:
        return None, None
    guard = session.get(Kpi, kpi.guardrail_id)
    if guard is None:
        return None, None
    if viewer is None:
        owner = session.get(Person, kpi.owner_id) if kpi.owner_id else None
        visible = kpi_visible(session, owner, guard) if owner else guard.owner_id is None
    else:
        visible = kpi_visible(session, viewer, guard)
    return (guard, None) if visible else (None, HIDDEN_GUARDRAIL)


def get_visible_kpi(session: Session, viewer: Person, key: str) -> Kpi:
    kpi = session.exec(select(Kpi).where(Kpi.key == key)).first()
    if kpi is None or not kpi_visible(session, viewer, kpi):
        raise NotFound("KPI not found")
    return kpi


def set_kpi_metric(session: Session, viewer: Person, key: str, metric: str | None) -> Kpi:
    """Map a KPI to a seller-report metric (None: values by hand). Whoever may see it may map it:
    its owner, their managers and founders. The caller commits; the name is already validated."""
    kpi = get_visible_kpi(session, viewer, key)
    if kpi.metric != metric:
        kpi.metric = metric
        session.add(kpi)
        session.flush()
    return kpi


def kpi_public(session: Session, viewer: Person, kpi: Kpi) -> KpiPublic:
    owner = session.get(Person, kpi.owner_id) if kpi.owner_id else None
    guard, note = guardrail_view(session, viewer, kpi)
    return KpiPublic(
        id=kpi.key, owner=owner.email if owner else None, role=kpi.role, name=kpi.name,
        description=kpi.description, unit=kpi.unit, direction=kpi.direction, frequency=kpi.frequency,
        target=kpi.target, objective=kpi.objective_key, guardrail=guard.key if guard else None,
        guardrail_note=note, tier=kpi.tier, metric=kpi.metric,
    )


def series(session: Session, kpi_id: int, *, until: date | None = None) -> list[tuple[date, float]]:
    q = select(KpiValue.period, KpiValue.value).where(KpiValue.kpi_id == kpi_id)
    if until is not None:
        q = q.where(KpiValue.period <= until)
    return [(p, v) for p, v in session.exec(q.order_by(KpiValue.period)).all()]


def parse_values(body: bytes, content_type: str) -> list[KpiValueIn]:
    """CSV (header kpi,period,value) or JSON (a list of {kpi, period, value}); errors name the row."""
    rows: list[dict]
    header: list[str] = []
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput("values: the upload is not UTF-8 text") from None
    if "csv" in content_type:
        # newline="": csv handles a bare \r itself instead of raising csv.Error (which would be a 500)
        reader = csv.DictReader(io.StringIO(text, newline=""))
        try:
            if not reader.fieldnames or {"kpi", "period", "value"} - set(reader.fieldnames):
                raise InvalidInput("values: CSV needs a header row with kpi,period,value")
            header = [name.strip() for name in reader.fieldnames]
            for i, name in enumerate(header):
                if name in header[:i]:  # DictReader would keep the last column of that name
                    raise InvalidInput(f"values: line 1, column {i + 1}: {name!r} is already column "
                                       f"{header.index(name) + 1}; each column is named once")
            rows = [dict(r) for r in reader]
        except csv.Error as exc:
            raise InvalidInput(f"values: not valid CSV: line {reader.line_num}: {exc}") from None
        first_line = 2
    else:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InvalidInput(f"values: not valid JSON: {exc.msg} at line {exc.lineno}") from None
        except RecursionError:
            raise InvalidInput("values: the JSON nests deeper than any list of values could") from None
        if isinstance(data, dict) and "values" in data:
            data = data["values"]
        if not isinstance(data, list):
            raise InvalidInput("values: expected a JSON list of {kpi, period, value}")
        rows, first_line = data, 0
    if len(rows) > MAX_UPLOAD_ROWS:
        raise InvalidInput(f"values: at most {MAX_UPLOAD_ROWS} rows per upload")
    out: list[KpiValueIn] = []
    for i, row in enumerate(rows):
        where = f"line {i + first_line}" if first_line else f"item {i}"
        try:
            out.append(KpiValueIn.model_validate(row))
        except ValidationError as exc:
            err = exc.errors()[0]
            field = ".".join(str(p) for p in err["loc"]) or "row"
            if first_line and field in header:
                where += f", column {header.index(field) + 1}"
            raise InvalidInput(f"values: {where}: {field}: {err['msg']}") from None
    return out


@dataclass(frozen=True)
class ValueChange:
    """One uploaded value as it would land: the value stored now (None: a new period) and the one sent."""

    kpi: Kpi
    period: date
    old: float | None
    new: float
    row: KpiValue | None  # the stored row it replaces

    @property
    def kind(self) -> str:
        return "new" if self.old is None else ("unchanged" if self.old == self.new else "changed")


def plan_values(session: Session, viewer: Person, values: list[KpiValueIn]) -> list[ValueChange]:
    """What ``upsert_values`` does with ``values``, row by row, writing nothing (a preview); it
    refuses the same uploads with the same words: a KPI the viewer may not see, or two values
    for one period."""
    keys = {v.kpi for v in values}
    # Row locks (PostgreSQL; SQLite's write transaction is already exclusive), taken in id
    # order: two uploads of the same new period would both read "none" and one would fail
    # on the unique (kpi_id, period) with a 500.
    kpis = {k.key: k for k in session.exec(select(Kpi).where(col(Kpi.key).in_(keys))
                                           .order_by(col(Kpi.id)).with_for_update())}
    for key in sorted(keys):
        if key not in kpis or not kpi_visible(session, viewer, kpis[key]):
            raise InvalidInput(f"values: unknown KPI {key!r}")
    seen: set[tuple[str, date]] = set()
    out = []
    for v in values:
        if (v.kpi, v.period) in seen:
            raise InvalidInput(f"values: {v.kpi} has two values for {v.period}")
        seen.add((v.kpi, v.period))
        kpi = kpis[v.kpi]
        row = session.exec(select(KpiValue).where(KpiValue.kpi_id == kpi.id, KpiValue.period == v.period)).first()
        out.append(ValueChange(kpi, v.period, row.value if row else None, v.value, row))
    return out


def upsert_values(session: Session, viewer: Person, values: list[KpiValueIn]) -> ValuesUploadResult:
    """All-or-nothing upsert of KPI values the viewer may see (caller commits)."""
    result = ValuesUploadResult(inserted=0, updated=0, unchanged=0)
    for change in plan_values(session, viewer, values):
        if change.row is None:
            session.add(KpiValue(kpi_id=change.kpi.id, period=change.period, value=change.new))
            result.inserted += 1
        elif change.kind == "changed":
            change.row.value = change.new
            change.row.import_id = None  # entered by hand now, no longer the report's figure
            session.add(change.row)
            result.updated += 1
        else:
            result.unchanged += 1
    return result


def period_start(kpi: Kpi, day: date) -> date:
    """The first day of the KPI's period that holds ``day`` (a weekly KPI's Monday, a monthly one's 1st)."""
    return period_bounds(day, kpi.frequency)[0]


def enter_value(session: Session, viewer: Person, value: KpiValueIn) -> ValueChange:
    """One value typed on the KPI page, filed under the start of the KPI's period holding
    ``value.period``; the upload's rules (its owner, their managers and founders). The caller commits."""
    kpi = get_visible_kpi(session, viewer, value.kpi)
    value = value.model_copy(update={"period": period_start(kpi, value.period)})
    change = plan_values(session, viewer, [value])[0]
    upsert_values(session, viewer, [value])
    return change
