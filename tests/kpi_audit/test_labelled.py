"""Precision and recall of the `vanity` and `gamed` flags on the labelled set in evals/kpi_audit/.

orgs/*.yaml: five whole orgs, every KPI labelled vanity and gamed with a reason.
definitions.yaml: KPI definitions labelled vanity or not. scenarios.yaml: small orgs with
time series, each KPI labelled gamed or not. Both matching paths are measured: lexical only,
and with the embedder (which falls back to lexical when the model is absent).
"""

from __future__ import annotations

import pytest

from assistant.evals import audit_labels as labels

MIN_SCORE = 0.9  # per set and path; `cadence eval` gates the overall figures on evals/baseline.json


def test_labelled_set_is_big_enough():
    defs = labels.load_definitions()
    assert len(defs) >= 60 and len({d.id for d in defs}) == len(defs)
    assert sum(d.vanity for d in defs) >= 20 and sum(not d.vanity for d in defs) >= 20
    scenarios = labels.load_scenarios().scenarios
    assert len(scenarios) >= 20 and sum(any(k.gamed for k in s.kpis) for s in scenarios) >= 8
    orgs = labels.load_orgs()
    assert len(orgs) >= 5 and sum(len(lo.kpis) for lo, _ in orgs.values()) >= 150
    assert {lo.company["stage"] for lo, _ in orgs.values()} == {"early", "growth", "mature"}
    kpis = [k for lo, _ in orgs.values() for k in lo.kpis]
    assert sum(k.label.vanity for k in kpis) >= 30 and sum(k.label.gamed for k in kpis) >= 15
    assert sum(bool(k.model_extra.get("guardrail")) for k in kpis) >= 15  # declared guardrails
    ids = [k.model_extra["id"] for k in kpis]
    assert len(ids) == len(set(ids))


def test_trend_series_are_seeded_and_shaped_as_written():
    a = labels._trend_values("org/k", 100.0, 0.2, 0.0, 12)
    assert a[0] == 100.0 and a[-1] == 120.0
    assert labels._trend_values("org/k", 100.0, 0.2, 0.05, 12) == labels._trend_values("org/k", 100.0, 0.2, 0.05, 12)
    assert labels._trend_values("org/k", 100.0, 0.2, 0.05, 12) != labels._trend_values("org/j", 100.0, 0.2, 0.05, 12)


@pytest.mark.parametrize("semantic", [False, True], ids=["lexical", "semantic"])
def test_vanity_and_gamed_precision_recall(semantic, capsys):
    sets = {"orgs": labels.org_rows(semantic), "definitions": labels.definition_rows(semantic),
            "scenarios": labels.scenario_rows(semantic)}
    lines, failures = [], []
    for name, rows in sets.items():
        for code in labels.DETECTORS:
            if not any(code in r.labels for r in rows):
                continue
            f = labels.figures(rows, code)
            lines.append(f"kpi audit [{'semantic' if semantic else 'lexical'}] {name} {code}: precision "
                         f"{f.precision:.3f} recall {f.recall:.3f} over {f.tp + f.fp + f.fn + f.tn} labelled KPIs; "
                         f"misclassified: {f.wrong or 'none'}")
            if f.precision < MIN_SCORE or f.recall < MIN_SCORE:
                failures.append(lines[-1])
    with capsys.disabled():  # shown with or without -s
        print("\n" + "\n".join(lines))
    assert not failures, "; ".join(failures)


@pytest.mark.parametrize("semantic", [False, True], ids=["lexical", "semantic"])
def test_the_orgs_other_labels_hold(semantic):
    """Flags the labels require or forbid (no 'cannot move' for a retention owner's margin on
    repeat orders, no 'no objective' for Q4 KPIs in a file that plans Q1, ...)."""
    assert labels.other_expectations(labels.org_rows(semantic)) == []
