"""The labelled KPI audit set (evals/kpi_audit/) and the precision and recall of two detectors.

Three kinds of labelled data, each KPI labelled by hand with the right answer:

- ``orgs/*.yaml``: whole orgs (people, managers, quarters, KPIs with series), each KPI
  labelled vanity yes/no and gamed yes/no with a one-line reason, and optionally the flags
  a correct audit raises or must not raise. Series are written as a straight-line trend
  with seeded noise (``trend: [start, change, noise]``) or as plain values.
- ``definitions.yaml``: single KPI definitions labelled vanity or not.
- ``scenarios.yaml``: small orgs with time series, each KPI labelled gamed or not.

``detector_figures()`` audits all of them and returns, per detector (vanity, gamed) and
per set, the confusion counts, precision, recall and the misclassified KPIs. ``cadence
eval`` puts these in its report and gates on them against evals/baseline.json.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field

from assistant.domain.orgfile.schema import OrgFile
from assistant.kpi_audit.rules import KpiAudit, audit_kpis, facts_from_orgfile
from assistant.settings import PROJECT_ROOT

LABELS = PROJECT_ROOT / "evals" / "kpi_audit"
DETECTORS = ("vanity", "gamed")
POINTS = 12  # a trend spec's default length: a quarter of weekly values


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# ---------------------------------------------------------------- labelled orgs
class KpiLabel(_Strict):
    """The right answer for one KPI, and why."""

    vanity: bool
    gamed: bool
    why: str = Field(min_length=10)
    flags: list[str] = Field([], description="Flag codes a correct audit raises.")
    not_flags: list[str] = Field([], description="Flag codes a correct audit must not raise.")
    suggestion_avoids: list[str] = Field([], description="Words the suggestion must not contain.")


class LabelledKpi(_Strict):
    model_config = ConfigDict(extra="allow")  # the rest are org-file KPI fields, checked by OrgFile
    label: KpiLabel
    trend: list[float] | None = Field(None, min_length=3, max_length=4,
                                      description="[start, relative change, noise as a share of start, points]")
    series: list[float] | None = None
    every_days: int = 7


class LabelledOrg(_Strict):
    today: date = Field(description="The day the audit runs (the quarter in force comes from it).")
    series_end: date = Field(description="Period of every series' last value.")
    company: dict[str, Any]
    quarters: list[dict[str, Any]] = []
    people: list[dict[str, Any]] = []
    kpis: list[LabelledKpi] = Field(min_length=1)


def _trend_values(seed: str, start: float, change: float, noise: float, points: int) -> list[float]:
    """A straight line from ``start`` to ``start * (1 + change)`` plus Gaussian noise (sd ``noise * start``)."""
    rng = random.Random(seed)  # a string seed is stable across runs and Python versions
    places = 0 if abs(start) >= 1000 else 2
    out = []
    for i in range(points):
        v = start * (1 + change * i / (points - 1)) + rng.gauss(0.0, noise * abs(start))
        out.append(round(v, places))
    return out


def to_orgfile(name: str, lo: LabelledOrg) -> OrgFile:
    """The labelled org as an org file: series expanded into dated values, labels left out."""
    kpis = []
    for k in lo.kpis:
        extra = dict(k.model_extra or {})
        if k.series is not None:
            ys = k.series
        elif k.trend is not None:
            start, change, noise, *rest = k.trend
            ys = _trend_values(f"{name}/{extra['id']}", start, change, noise, int(rest[0]) if rest else POINTS)
        else:
            ys = []
        first = lo.series_end - timedelta(days=k.every_days * (len(ys) - 1))
        extra["values"] = [{"period": first + timedelta(days=k.every_days * i), "value": v} for i, v in enumerate(ys)]
        kpis.append(extra)
    return OrgFile.model_validate({"company": lo.company, "quarters": lo.quarters, "people": lo.people, "kpis": kpis})


def load_orgs(folder: Path = LABELS / "orgs") -> dict[str, tuple[LabelledOrg, OrgFile]]:
    """Every labelled org in ``folder``, by file stem."""
    out = {}
    for path in sorted(folder.glob("*.yaml")):
        lo = LabelledOrg.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
        out[path.stem] = (lo, to_orgfile(path.stem, lo))
    return out


def audit_org(org: OrgFile, *, today: date | None = None, semantic: bool = True) -> dict[str, KpiAudit]:
    facts, stage, objectives = facts_from_orgfile(org, today=today)
    return {a.id: a for a in audit_kpis(facts, stage=stage, objectives=objectives, semantic=semantic)}


# ---------------------------------------------------------------- definitions and scenarios
class DefinitionCase(_Strict):
    id: str
    vanity: bool
    kpi: dict[str, Any]
    with_: list[dict[str, Any]] = Field([], alias="with")
    why: str | None = None


class ScenarioKpi(_Strict):
    model_config = ConfigDict(extra="allow")  # the rest are org-file KPI fields
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


def _small_org(kpis: list[dict[str, Any]]) -> OrgFile:
    return OrgFile.model_validate({
        "company": {"name": "Eval Co", "stage": "growth"},
        "quarters": [{"id": "2026-Q3", "objectives": [{"id": "growth", "title": "Grow profitably"}]}],
        "kpis": kpis,
    })


SMALL_ORG_TODAY = date(2026, 9, 1)  # inside 2026-Q3, the one quarter the small orgs plan


def load_definitions() -> list[DefinitionCase]:
    data = yaml.safe_load((LABELS / "definitions.yaml").read_text(encoding="utf-8"))
    return [DefinitionCase.model_validate(c) for c in data["cases"]]


def load_scenarios() -> ScenarioFile:
    return ScenarioFile.model_validate(yaml.safe_load((LABELS / "scenarios.yaml").read_text(encoding="utf-8")))


# ---------------------------------------------------------------- predictions
@dataclass(frozen=True)
class Row:
    """One labelled KPI: its id, the labels and what the audit said."""

    id: str
    labels: dict[str, bool]
    predicted: dict[str, bool]
    audit: KpiAudit | None = None
    label: KpiLabel | None = None


def _predicted(a: KpiAudit) -> dict[str, bool]:
    return {code: any(f.code == code for f in a.flags) for code in DETECTORS}


def definition_rows(semantic: bool = True) -> list[Row]:
    out = []
    for case in load_definitions():
        role = case.kpi.get("role", "Founder")
        subject = {"id": "subject", "objective": "growth", **case.kpi}
        others = [{"id": f"ctx-{i}", "role": role, "objective": "growth", **o} for i, o in enumerate(case.with_)]
        a = audit_org(_small_org([subject, *others]), today=SMALL_ORG_TODAY, semantic=semantic)["subject"]
        out.append(Row(case.id, {"vanity": case.vanity}, _predicted(a), a))
    return out


def scenario_rows(semantic: bool = True) -> list[Row]:
    sf = load_scenarios()
    out = []
    for sc in sf.scenarios:
        kpis = []
        for k in sc.kpis:
            fields = {n: v for n, v in k.model_dump().items() if n not in ("series", "gamed")}
            values = [{"period": sf.start + timedelta(days=i * sc.every_days), "value": v}
                      for i, v in enumerate(k.series)]
            kpis.append({"objective": "growth", **fields, "values": values})
        audits = audit_org(_small_org(kpis), today=SMALL_ORG_TODAY, semantic=semantic)
        for k in sc.kpis:
            kid = k.model_extra["id"]
            out.append(Row(f"{sc.id}/{kid}", {"gamed": k.gamed}, _predicted(audits[kid]), audits[kid]))
    return out


def org_rows(semantic: bool = True, folder: Path = LABELS / "orgs") -> list[Row]:
    out = []
    for name, (lo, org) in load_orgs(folder).items():
        audits = audit_org(org, today=lo.today, semantic=semantic)
        for k in lo.kpis:
            kid = k.model_extra["id"]
            a = audits[kid]
            out.append(Row(f"{name}/{kid}", {"vanity": k.label.vanity, "gamed": k.label.gamed}, _predicted(a), a,
                           k.label))
    return out


def other_expectations(rows: list[Row]) -> list[str]:
    """Sentences for every optional expectation of a labelled org KPI that the audit breaks."""
    problems = []
    for r in rows:
        if r.label is None or r.audit is None:
            continue
        codes = {f.code for f in r.audit.flags}
        for code in r.label.flags:
            if code not in codes:
                problems.append(f"{r.id}: expected a {code} flag; got {sorted(codes) or 'none'}")
        for code in r.label.not_flags:
            if code in codes:
                reason = next(f.reason for f in r.audit.flags if f.code == code)
                problems.append(f"{r.id}: no {code} flag expected; the audit said: {reason}")
        text = (r.audit.suggestion or "").lower()
        for word in r.label.suggestion_avoids:
            if word.lower() in text:
                problems.append(f"{r.id}: the suggestion should not mention {word!r}: {r.audit.suggestion}")
    return problems


# ---------------------------------------------------------------- figures
@dataclass
class Figures:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0
    wrong: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    def as_dict(self) -> dict[str, Any]:
        return {"precision": round(self.precision, 4), "recall": round(self.recall, 4), "tp": self.tp,
                "fp": self.fp, "fn": self.fn, "tn": self.tn, "labelled": self.tp + self.fp + self.fn + self.tn,
                "misclassified": self.wrong}


def figures(rows: list[Row], code: str) -> Figures:
    f = Figures()
    for r in rows:
        if code not in r.labels:
            continue
        label, pred = r.labels[code], r.predicted[code]
        if label and pred:
            f.tp += 1
        elif pred:
            f.fp += 1
            f.wrong.append(f"{r.id} (flagged {code}, labelled not)")
        elif label:
            f.fn += 1
            f.wrong.append(f"{r.id} (labelled {code}, not flagged)")
        else:
            f.tn += 1
    return f


def detector_figures(semantic: bool = True) -> dict[str, Any]:
    """Precision and recall of the vanity and gamed flags, over all labelled sets and per set."""
    sets = {"orgs": org_rows(semantic), "definitions": definition_rows(semantic), "scenarios": scenario_rows(semantic)}
    every = [r for rows in sets.values() for r in rows]
    orgs = load_orgs()
    return {
        "detectors": {code: figures(every, code).as_dict() for code in DETECTORS},
        "sets": {name: {code: figures(rows, code).as_dict() for code in DETECTORS
                        if any(code in r.labels for r in rows)} for name, rows in sets.items()},
        "orgs": {name: len(lo.kpis) for name, (lo, _) in orgs.items()},
        "other_expectations": other_expectations(sets["orgs"]),
        "semantic": semantic,
    }
