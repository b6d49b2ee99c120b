"""Small orgs for the KPI-side assessment tests, written as org files and imported."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlmodel import Session

from assistant.domain.calendar import iso_week_monday, weeks_back
from assistant.domain.orgfile import import_org, read_org_file
from assistant.domain.orgfile.schema import OrgFile
from assistant.domain.team import person_by_email
from tests.conftest import ROOT

DEMO = ROOT / "demo" / "northwind.yaml"
WEEK = "2026-W46"  # the week in force: Monday 2026-11-09, in 2026-Q4
FOUNDER, LEAD, ME = "founder@k.test", "lead@k.test", "me@k.test"


def weekly(values: list[float], *, until: str = WEEK) -> list[dict[str, Any]]:
    """``values`` on the Mondays of the weeks ending with ``until``."""
    weeks = weeks_back(until, len(values))
    return [{"period": iso_week_monday(w).isoformat(), "value": v} for w, v in zip(weeks, values, strict=True)]


def kpi(key: str, name: str, values: list[float], *, owner: str = ME, unit: str = "percent", direction: str = "up",
        target: float | None = None, guardrail: str | None = None, tier: str = "primary",
        until: str = WEEK, **extra: Any) -> dict[str, Any]:
    return {"id": key, "owner": owner, "name": name, "unit": unit, "direction": direction, "target": target,
            "guardrail": guardrail, "tier": tier, "objective": "margin", "values": weekly(values, until=until),
            **extra}


def load(session: Session, *, kpis: list[dict], goals: list[dict] | None = None,
         checkins: list[dict] | None = None, role: str = "PPC specialist", stage: str = "growth") -> Any:
    """Import an org of a founder, a manager and ``me`` (with ``role``); returns a lookup by email."""
    org = OrgFile.model_validate({
        "company": {"name": "Kestrel Goods", "stage": stage},
        "quarters": [{"id": "2026-Q4", "objectives": [{"id": "margin", "title": "Lift contribution margin"}]}],
        "people": [
            {"email": FOUNDER, "name": "Fran Founder", "access": "founder", "role": "Founder"},
            {"email": LEAD, "name": "Lee Lead", "access": "manager", "role": "Head of Growth", "manager": FOUNDER},
            {"email": ME, "name": "Mo Member", "access": "member", "role": role, "manager": LEAD},
        ],
        "kpis": kpis,
        "goals": [{"person": ME, "quarter": "2026-Q4", "objective": "margin", **g} for g in goals or []],
        "checkins": [{"person": ME, **c} for c in checkins or []],
    })
    import_org(session, org)
    session.commit()
    return lambda email=ME: person_by_email(session, email)


def monday(week: str) -> date:
    return iso_week_monday(week)


def sunday(week: str) -> date:
    return iso_week_monday(week) + timedelta(days=6)


def load_demo(session: Session) -> Any:
    """The demo org imported; returns a lookup by email."""
    import_org(session, read_org_file(DEMO))
    session.commit()
    return lambda email: person_by_email(session, email)
