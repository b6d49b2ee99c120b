"""Fixtures for the report tests: the small org with a KPI mapped to every metric."""

from __future__ import annotations

import io

import pytest
from sqlmodel import Session, select

from assistant.domain.models import Kpi, KpiValue
from assistant.domain.reports.importer import Upload, import_reports
from assistant.domain.reports.metrics import METRICS


def upload(name: str, data: bytes) -> Upload:
    return Upload(name, io.BytesIO(data))


def key_of(metric: str, frequency: str = "weekly") -> str:
    return f"{'w' if frequency == 'weekly' else 'm'}-{metric.replace('.', '-').replace('_', '-')}"


@pytest.fixture
def mapped(session: Session, org) -> dict[str, Kpi]:
    """A weekly KPI per metric owned by ppc@ (a member), plus monthly ACOS and TACOS: {key: Kpi}."""
    owner = org["ppc@t.test"]
    kpis = [Kpi(key=key_of(name), owner_id=owner.id, name=m.label, unit=m.unit.value, metric=name)
            for name, m in METRICS.items()]
    kpis += [Kpi(key=key_of(name, "monthly"), owner_id=owner.id, name=f"{name} monthly", frequency="monthly",
                 metric=name) for name in ("amazon.acos", "amazon.tacos")]
    session.add_all(kpis)
    session.commit()
    return {k.key: k for k in kpis}


def values(session: Session, kpi: Kpi) -> dict:
    session.expire_all()
    return {v.period: v.value for v in session.exec(select(KpiValue).where(KpiValue.kpi_id == kpi.id))}


def run(session: Session, files: list[Upload], viewer=None, **kw):  # noqa: ANN001, ANN003, ANN201
    """One import command, committed unless it is a dry run (as the CLI and API do)."""
    result = import_reports(session, viewer, files, **kw)
    if kw.get("dry_run"):
        session.rollback()
    else:
        session.commit()
    return result
