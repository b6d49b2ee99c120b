"""Import and export of org files (YAML or JSON).

Import is an idempotent upsert keyed on natural keys (emails, KPI ids, ISO weeks...), done
in the caller's single transaction: any bad field raises ``OrgFileError`` naming its path
and line, and nothing is loaded. Export writes the same shape, so
``import(export(db))`` leaves the database unchanged.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from sqlmodel import Session, select

from assistant.domain.checkins import enqueue_index
from assistant.domain.models import (
    ActionItem,
    AgendaItem,
    CheckIn,
    Company,
    Kpi,
    KpiValue,
    Meeting,
    Objective,
    Person,
    Quarter,
    RoleGoal,
    utcnow,
)
from assistant.domain.orgfile.meetings import export_contents, import_contents, meeting_problems
from assistant.domain.orgfile.schema import OrgFile
from assistant.errors import OrgFileError


# ---------------------------------------------------------------- reading and validation
def _line_of(node: yaml.Node | None, path: tuple[Any, ...]) -> int | None:
    """1-based line of the YAML node at ``path`` (deepest node found), for error messages."""
    line = node.start_mark.line + 1 if node is not None else None
    for part in path:
        if isinstance(node, yaml.MappingNode):
            node = next((v for k, v in node.value if k.value == part), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
        else:
            break
        if node is None:
            break
        line = node.start_mark.line + 1
    return line


def _fmt_path(path: tuple[Any, ...]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


# libyaml when PyYAML was built with it: several times faster than pure Python on a big file
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _load(text: str) -> Any:
    """JSON through the json module (70x faster than any YAML loader on a big file), the rest as YAML."""
    if text.lstrip().startswith("{"):
        try:
            return json.loads(text)
        except ValueError:
            pass  # JSON-like YAML (comments, trailing commas): the YAML parser decides and reports
    return yaml.load(text, Loader=_LOADER)  # noqa: S506  # nosec B506 - _LOADER is a SafeLoader


def parse_org_text(text: str, *, name: str = "org file") -> OrgFile:
    """Parse and validate org file text; errors name the field path and line."""
    try:
        data = _load(text)
    except yaml.YAMLError as exc:
        raise OrgFileError(f"{name}: not valid YAML/JSON: {exc}") from None
    if not isinstance(data, dict):
        raise OrgFileError(f"{name}: expected a mapping with at least 'company'")
    try:
        org = OrgFile.model_validate(data)
    except ValidationError as exc:
        root = yaml.compose(text, Loader=_LOADER)  # node positions, read only to name a line
        problems = []
        for err in exc.errors():
            loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-")))
            line = _line_of(root, loc)
            where = f"{_fmt_path(loc)}" + (f" (line {line})" if line else "")
            problems.append(f"{where}: {err['msg']}")
        raise OrgFileError(f"{name}: " + "; ".join(problems), detail=problems) from None
    problems = check_references(org)
    if problems:
        root = yaml.compose(text, Loader=_LOADER)
        lines = [f"{p} (line {_line_of(root, loc)})" if _line_of(root, loc) else p for loc, p in problems]
        raise OrgFileError(f"{name}: " + "; ".join(lines), detail=lines)
    return org


def read_org_file(path: str | Path) -> OrgFile:
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise OrgFileError(f"cannot read {p}: {exc.strerror}") from None
    return parse_org_text(text, name=str(p))


def check_references(org: OrgFile) -> list[tuple[tuple[Any, ...], str]]:
    """Cross-references inside the file: (path, message) for each broken one.

    People referenced but not listed are resolved against the database at import time,
    so only duplicates and KPI/objective references are checked here.
    """
    problems: list[tuple[tuple[Any, ...], str]] = []

    def dupes(items: list[Any], key, label: str, section: str) -> None:  # noqa: ANN001
        seen: set[Any] = set()
        for i, item in enumerate(items):
            k = key(item)
            if k in seen:
                problems.append(((section, i), f"{section}[{i}]: duplicate {label} {k!r}"))
            seen.add(k)

    dupes(org.quarters, lambda q: q.id, "quarter", "quarters")
    dupes(org.people, lambda p: p.email, "email", "people")
    dupes(org.kpis, lambda k: k.id, "KPI id", "kpis")
    dupes(org.checkins, lambda c: (c.person, c.week), "person and week", "checkins")
    dupes(org.meetings, lambda m: (m.manager, m.report, m.date), "meeting", "meetings")
    kpi_ids = {k.id for k in org.kpis}
    objective_ids = {o.id for q in org.quarters for o in q.objectives}
    for i, k in enumerate(org.kpis):
        if k.guardrail and k.guardrail not in kpi_ids:
            problems.append((("kpis", i, "guardrail"), f"kpis[{i}].guardrail: no KPI with id {k.guardrail!r}"))
        if k.guardrail == k.id:
            problems.append((("kpis", i, "guardrail"), f"kpis[{i}].guardrail: a KPI cannot guard itself"))
        if k.objective and objective_ids and k.objective not in objective_ids:
            problems.append((("kpis", i, "objective"), f"kpis[{i}].objective: no objective {k.objective!r}"))
        if not k.owner and not k.role:
            problems.append((("kpis", i), f"kpis[{i}]: needs an owner (email) or a role"))
    for i, c in enumerate(org.checkins):
        for key in c.metrics:
            if key not in kpi_ids:
                problems.append((("checkins", i, "metrics", key), f"checkins[{i}].metrics: no KPI {key!r}"))
    for i, g in enumerate(org.goals):
        if g.kpi and g.kpi not in kpi_ids:
            problems.append((("goals", i, "kpi"), f"goals[{i}].kpi: no KPI with id {g.kpi!r}"))
    return problems + meeting_problems(org)


# ---------------------------------------------------------------- import
def _person_resolver(session: Session, org: OrgFile):  # noqa: ANN202
    cache: dict[str, Person] = {}

    def resolve(email: str | None, where: str) -> Person | None:
        if email is None:
            return None
        if email not in cache:
            person = session.exec(select(Person).where(Person.email == email)).first()
            if person is None:
                raise OrgFileError(f"{where}: no person with email {email!r}")
            cache[email] = person
        return cache[email]

    return resolve


def _set(row: Any, **values: Any) -> bool:
    """Assign only what differs; True when anything changed (keeps re-imports no-ops)."""
    changed = False
    for field, value in values.items():
        if getattr(row, field) != value:
            setattr(row, field, value)
            changed = True
    return changed


def import_org(session: Session, org: OrgFile) -> dict[str, int]:
    """Upsert the whole org into the session (caller commits). Returns rows changed per kind."""
    counts = dict.fromkeys(
        ("company", "quarters", "people", "kpis", "values", "checkins", "meetings", "agenda", "actions", "goals"), 0
    )
    company = session.exec(select(Company)).first()
    # A file without a currency leaves the one a report import set.
    currency = {"currency": org.company.currency} if org.company.currency else {}
    if company is None:
        session.add(Company(name=org.company.name, stage=org.company.stage.value, **currency))
        counts["company"] += 1
    elif _set(company, name=org.company.name, stage=org.company.stage.value, **currency):
        counts["company"] += 1

    for q in org.quarters:
        if session.get(Quarter, q.id) is None:
            session.add(Quarter(id=q.id))
            counts["quarters"] += 1
        for o in q.objectives:
            row = session.exec(select(Objective).where(Objective.quarter_id == q.id, Objective.key == o.id)).first()
            if row is None:
                session.add(Objective(quarter_id=q.id, key=o.id, title=o.title))
                counts["quarters"] += 1
            elif _set(row, title=o.title):
                session.add(row)
                counts["quarters"] += 1
    session.flush()

    people: dict[str, Person] = {}
    for p in org.people:
        row = session.exec(select(Person).where(Person.email == p.email)).first()
        if row is None:
            row = Person(email=p.email, name=p.name, role=p.role, access=p.access.value)
            session.add(row)
            counts["people"] += 1
        elif _set(row, name=p.name, role=p.role, access=p.access.value):
            session.add(row)
            counts["people"] += 1
        people[p.email] = row
    session.flush()
    resolve = _person_resolver(session, org)
    for i, p in enumerate(org.people):
        manager = resolve(p.manager, f"people[{i}].manager")
        if manager is not None and manager.email == p.email:
            raise OrgFileError(f"people[{i}].manager: a person cannot manage themself")
        if _set(people[p.email], manager_id=manager.id if manager else None):
            counts["people"] += 1
    session.flush()

    kpis: dict[str, Kpi] = {}
    for i, k in enumerate(org.kpis):
        owner = resolve(k.owner, f"kpis[{i}].owner")
        row = session.exec(select(Kpi).where(Kpi.key == k.id)).first()
        fields = dict(
            owner_id=owner.id if owner else None, role=k.role, name=k.name, description=k.description,
            unit=k.unit.value, direction=k.direction.value, frequency=k.frequency.value, target=k.target,
            objective_key=k.objective, tier=k.tier.value, metric=k.metric,
        )
        if row is None:
            row = Kpi(key=k.id, **fields)
            session.add(row)
            counts["kpis"] += 1
        elif _set(row, **fields):
            counts["kpis"] += 1
        kpis[k.id] = row
    session.flush()
    for k in org.kpis:
        guard = kpis[k.guardrail].id if k.guardrail else None
        if _set(kpis[k.id], guardrail_id=guard):
            counts["kpis"] += 1
        existing = {v.period: v for v in session.exec(select(KpiValue).where(KpiValue.kpi_id == kpis[k.id].id))}
        for v in k.values:
            row = existing.get(v.period)
            if row is None:
                session.add(KpiValue(kpi_id=kpis[k.id].id, period=v.period, value=v.value))
                counts["values"] += 1
            elif _set(row, value=v.value):
                row.import_id = None  # a value from the file is no longer the report's
                counts["values"] += 1
    session.flush()

    for i, c in enumerate(org.checkins):
        person = resolve(c.person, f"checkins[{i}].person")
        row = session.exec(select(CheckIn).where(CheckIn.person_id == person.id, CheckIn.week == c.week)).first()
        metrics = {key: status.value for key, status in c.metrics.items()}
        fields = dict(wins=c.wins, priorities=c.priorities, blockers=c.blockers, metrics=metrics)
        if row is None:
            row = CheckIn(person_id=person.id, week=c.week, **fields)
            session.add(row)
        elif not _set(row, **fields):
            continue
        row.updated_at = utcnow()
        session.flush()
        enqueue_index(session, row.id)
        counts["checkins"] += 1

    for i, m in enumerate(org.meetings):
        manager = resolve(m.manager, f"meetings[{i}].manager")
        report = resolve(m.report, f"meetings[{i}].report")
        row = session.exec(
            select(Meeting).where(Meeting.manager_id == manager.id, Meeting.report_id == report.id,
                                  Meeting.date == m.date)
        ).first()
        if row is None:
            row = Meeting(manager_id=manager.id, report_id=report.id, date=m.date,
                          status=m.status.value, minutes=m.minutes)
            session.add(row)
            counts["meetings"] += 1
        elif _set(row, status=m.status.value, minutes=m.minutes):
            counts["meetings"] += 1
        session.flush()
        for kind, n in import_contents(session, row, m, {manager.email: manager.id, report.email: report.id}).items():
            counts[kind] += n

    for i, g in enumerate(org.goals):
        person = resolve(g.person, f"goals[{i}].person")
        if session.get(Quarter, g.quarter) is None:
            raise OrgFileError(f"goals[{i}].quarter: no quarter {g.quarter!r}")
        kpi_id = kpis[g.kpi].id if g.kpi in kpis else None
        row = session.exec(
            select(RoleGoal).where(RoleGoal.person_id == person.id, RoleGoal.quarter_id == g.quarter,
                                   RoleGoal.title == g.title)
        ).first()
        fields = dict(kpi_id=kpi_id, target=g.target, objective_key=g.objective, status=g.status.value)
        if row is None:
            session.add(RoleGoal(person_id=person.id, quarter_id=g.quarter, title=g.title, **fields))
            counts["goals"] += 1
        elif _set(row, **fields):
            counts["goals"] += 1
    session.flush()
    return counts


# ---------------------------------------------------------------- export
def export_org(session: Session) -> dict[str, Any]:
    """The whole org as a plain dict in org file shape (sorted for stable diffs)."""
    company = session.exec(select(Company)).first()
    if company is None:
        raise OrgFileError("nothing to export: no company has been imported")
    emails = {p.id: p.email for p in session.exec(select(Person))}
    kpi_keys = {k.id: k.key for k in session.exec(select(Kpi))}
    out: dict[str, Any] = {"company": {"name": company.name, "stage": company.stage,
                                       **({"currency": company.currency} if company.currency else {})},
                           "quarters": []}
    objectives = session.exec(select(Objective).order_by(Objective.quarter_id, Objective.id)).all()
    for q in session.exec(select(Quarter).order_by(Quarter.id)):
        out["quarters"].append({"id": q.id, "objectives": [
            {"id": o.key, "title": o.title} for o in objectives if o.quarter_id == q.id]})
    out["people"] = [
        {"email": p.email, "name": p.name, "access": p.access, "role": p.role,
         **({"manager": emails[p.manager_id]} if p.manager_id else {})}
        for p in session.exec(select(Person).order_by(Person.id))
    ]
    values: dict[int, list[dict[str, Any]]] = {}
    for v in session.exec(select(KpiValue).order_by(KpiValue.kpi_id, KpiValue.period)):
        values.setdefault(v.kpi_id, []).append({"period": v.period.isoformat(), "value": v.value})
    out["kpis"] = []
    for k in session.exec(select(Kpi).order_by(Kpi.id)):
        item: dict[str, Any] = {"id": k.key}
        item |= {"owner": emails[k.owner_id]} if k.owner_id else {}
        item |= {"role": k.role} if k.role else {}
        item |= {"name": k.name, "description": k.description, "unit": k.unit, "direction": k.direction,
                 "frequency": k.frequency, "target": k.target, "objective": k.objective_key,
                 "guardrail": kpi_keys.get(k.guardrail_id) if k.guardrail_id else None, "tier": k.tier,
                 **({"metric": k.metric} if k.metric else {}), "values": values.get(k.id, [])}
        out["kpis"].append(item)
    out["checkins"] = [
        {"person": emails[c.person_id], "week": c.week, "wins": c.wins, "priorities": c.priorities,
         "blockers": c.blockers, "metrics": dict(c.metrics)}
        for c in session.exec(select(CheckIn).order_by(CheckIn.person_id, CheckIn.week))
    ]
    agenda: dict[int, list[AgendaItem]] = {}
    for a in session.exec(select(AgendaItem).order_by(AgendaItem.created_at, AgendaItem.id)):
        agenda.setdefault(a.meeting_id, []).append(a)
    actions: dict[int, list[ActionItem]] = {}
    for x in session.exec(select(ActionItem).order_by(ActionItem.created_at, ActionItem.id)):
        actions.setdefault(x.meeting_id, []).append(x)
    out["meetings"] = [
        {"manager": emails[m.manager_id], "report": emails[m.report_id], "date": m.date.isoformat(),
         "status": m.status, "minutes": m.minutes,
         **export_contents(m, agenda.get(m.id, []), actions.get(m.id, []), emails)}
        for m in session.exec(select(Meeting).order_by(Meeting.date, Meeting.id))
    ]
    out["goals"] = [
        {"person": emails[g.person_id], "quarter": g.quarter_id, "title": g.title,
         "kpi": kpi_keys.get(g.kpi_id) if g.kpi_id else None, "target": g.target,
         "objective": g.objective_key, "status": g.status}
        for g in session.exec(select(RoleGoal).order_by(RoleGoal.id))
    ]
    return out


def dump_org(data: dict[str, Any], fmt: str = "yaml") -> str:
    if fmt == "json":
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
