"""Precision and recall of the `vanity` and `gamed` flags on the labelled set in evals/kpi_audit/.

definitions.yaml: KPI definitions labelled vanity or not. scenarios.yaml: small orgs with
time series, each KPI labelled gamed or not. Both matching paths are measured: lexical only,
and with the embedder (which falls back to lexical when the model is absent).
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import BaseModel, ConfigDict, Field

from assistant.domain.orgfile.schema import OrgFile
from assistant.kpi_audit.rules import KpiAudit, audit_kpis, facts_from_orgfile

EVALS = Path(__file__).resolve().parents[2] / "evals" / "kpi_audit"
MIN_SCORE = 0.9


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DefinitionCase(_Strict):
    id: str
    vanity: bool
    kpi: dict[str, Any]
    with_: list[dict[str, Any]] = Field([], alias="with")
    why: str | None = None


class ScenarioKpi(_Strict):
    model_config = ConfigDict(extra="allow")  # the rest are org-file KPI fields, checked by KpiIn
    series: list[float]
    gamed: bool = False


class Scenario(_Strict):
    id: str
    why: str
    every_days: int = 7
    kpis: list[ScenarioKpi]


class ScenarioFile(_Strict):
    start: date
    scenarios: list[Scenario] = Field(min_length=20)


def _org(kpis: list[dict[str, Any]]) -> OrgFile:
    return OrgFile.model_validate({
        "company": {"name": "Eval Co", "stage": "growth"},
        "quarters": [{"id": "2026-Q3", "objectives": [{"id": "growth", "title": "Grow profitably"}]}],
        "kpis": kpis,
    })


def _audit(org: OrgFile, semantic: bool) -> dict[str, KpiAudit]:
    facts, stage, objectives = facts_from_orgfile(org)
    return {a.id: a for a in audit_kpis(facts, stage=stage, objectives=objectives, semantic=semantic)}


def load_definitions() -> list[DefinitionCase]:
    data = yaml.safe_load((EVALS / "definitions.yaml").read_text(encoding="utf-8"))
    return [DefinitionCase.model_validate(c) for c in data["cases"]]


def load_scenarios() -> ScenarioFile:
    return ScenarioFile.model_validate(yaml.safe_load((EVALS / "scenarios.yaml").read_text(encoding="utf-8")))


def vanity_predictions(semantic: bool) -> list[tuple[str, bool, bool]]:
    """(case id, label, predicted) for every labelled definition."""
    out = []
    for case in load_definitions():
        role = case.kpi.get("role", "Founder")
        subject = {"id": "subject", "objective": "growth", **case.kpi}
        others = [{"id": f"ctx-{i}", "role": role, "objective": "growth", **o} for i, o in enumerate(case.with_)]
        audit = _audit(_org([subject, *others]), semantic)["subject"]
        out.append((case.id, case.vanity, any(f.code == "vanity" for f in audit.flags)))
    return out


def gamed_predictions(semantic: bool) -> list[tuple[str, bool, bool]]:
    """(scenario/kpi id, label, predicted) for every KPI of every scenario."""
    sf = load_scenarios()
    out = []
    for sc in sf.scenarios:
        kpis = []
        for k in sc.kpis:
            fields = {n: v for n, v in k.model_dump().items() if n not in ("series", "gamed")}
            values = [{"period": sf.start + timedelta(days=i * sc.every_days), "value": v}
                      for i, v in enumerate(k.series)]
            kpis.append({"objective": "growth", **fields, "values": values})
        audits = _audit(_org(kpis), semantic)
        for k in sc.kpis:
            kid = k.model_extra["id"]
            predicted = any(f.code == "gamed" for f in audits[kid].flags)
            out.append((f"{sc.id}/{kid}", k.gamed, predicted))
    return out


def precision_recall(rows: list[tuple[str, bool, bool]]) -> tuple[float, float]:
    tp = sum(label and pred for _, label, pred in rows)
    fp = sum(pred and not label for _, label, pred in rows)
    fn = sum(label and not pred for _, label, pred in rows)
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return precision, recall


def test_labelled_set_is_big_enough():
    defs = load_definitions()
    assert len(defs) >= 60
    assert len({d.id for d in defs}) == len(defs)
    assert sum(d.vanity for d in defs) >= 20 and sum(not d.vanity for d in defs) >= 20
    scenarios = load_scenarios().scenarios
    assert len(scenarios) >= 20
    assert sum(any(k.gamed for k in s.kpis) for s in scenarios) >= 8


@pytest.mark.parametrize("semantic", [False, True], ids=["lexical", "semantic"])
def test_vanity_and_gamed_precision_recall(semantic, capsys):
    lines, failures = [], []
    for code, rows in (("vanity", vanity_predictions(semantic)), ("gamed", gamed_predictions(semantic))):
        p, r = precision_recall(rows)
        wrong = [f"{rid} (label {label}, got {pred})" for rid, label, pred in rows if label != pred]
        lines.append(f"kpi audit [{'semantic' if semantic else 'lexical'}] {code}: precision {p:.3f} "
                     f"recall {r:.3f} over {len(rows)} labelled KPIs; misclassified: {wrong or 'none'}")
        if p < MIN_SCORE or r < MIN_SCORE:
            failures.append(lines[-1])
    with capsys.disabled():  # shown with or without -s
        print("\n" + "\n".join(lines))
    assert not failures, "; ".join(failures)
