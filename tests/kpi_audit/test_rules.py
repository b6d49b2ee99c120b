"""KPI audit rules: one group of tests per flag code, with their boundaries, plus the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest
import yaml

from assistant.domain.orgfile.schema import OrgFile
from assistant.kpi_audit.present import format_text
from assistant.kpi_audit.rules import KpiAudit, KpiFacts, audit_kpis, facts_from_orgfile
from assistant.kpi_audit.trends import half_means, judge, relative_change, slope, trend

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "fixtures" / "audit_org.yaml"
DEMO = ROOT / "demo" / "northwind.yaml"
START = date(2026, 7, 6)
PPC = "ppc@x.test"


def weekly(values, start=START):
    return tuple((start + timedelta(weeks=i), v) for i, v in enumerate(values))


def linear(change, start=100.0, n=8):
    """n (even) values on a straight line: first-half mean ``start``, second-half mean
    ``start * (1 + change)``. The halves' means are h = n/2 steps apart."""
    h = n // 2
    b = change * start / h
    a = start - b * (h - 1) / 2
    return [a + b * i for i in range(n)]


def kpi(key, name, *, owner=PPC, role="PPC specialist", objective="growth", **kw):
    return KpiFacts(key=key, name=name, owner_email=owner, owner_role=role, objective_key=objective, **kw)


def run(*kpis, stage="growth", objectives=frozenset({"growth"})) -> dict[str, KpiAudit]:
    return {a.id: a for a in audit_kpis(list(kpis), stage=stage, objectives=set(objectives), semantic=False)}


def codes(a: KpiAudit) -> dict[str, str]:
    return {f.code: f.severity for f in a.flags}


# ---------------------------------------------------------------- series helpers
def test_linear_helper_hits_the_requested_change():
    m1, m2 = half_means(linear(0.05))
    assert relative_change(m1, m2) == pytest.approx(0.05)


def test_series_statistics():
    assert slope([1, 2, 3, 4]) == pytest.approx(1.0)
    assert slope([5]) == 0.0
    assert half_means([1, 2, 100, 3, 4]) == (1.5, 3.5)  # odd middle point belongs to neither half
    assert relative_change(0, 0) == 0.0
    assert relative_change(0, 2) == 1.0
    assert trend(weekly([1, 2, 3])) is None
    t = trend(weekly([10, 10, 12, 12]))
    assert t.relative_change == pytest.approx(0.2) and t.points == 4


def test_judge_needs_material_move_beyond_noise_with_the_slope_agreeing():
    smooth = trend(weekly(linear(0.06, 10)))
    assert judge(smooth, better="down") == "worse"
    # a 7% gap between the halves, but inside a zigzag of +-1: within its own noise
    zigzag = trend(weekly([9.4, 10.6, 9.2, 10.4, 10.1, 11.3, 9.9, 11.1]))
    assert zigzag.relative_change == pytest.approx(0.07, abs=0.01)
    assert zigzag.noise > 0.5 and judge(zigzag, better="down") == "flat"


def test_trend_uses_the_recent_window_only():
    old_then_flat = [50, 40, 30, 20] + [10] * 12
    t = trend(weekly(old_then_flat))
    assert t.points == 12 and t.relative_change == 0.0


# ---------------------------------------------------------------- vanity
def test_catalog_vanity_entry():
    a = run(kpi("pv", "Page views", unit="count"))["pv"]
    assert a.verdict == "vanity"
    assert codes(a)["vanity"] == "warning"
    assert a.matched.name == "Page views"
    assert "Conversion rate" in a.suggestion


def test_unknown_absolute_count_is_vanity_on_its_own_definition():
    a = run(kpi("pod", "Podcast downloads", unit="count"))["pod"]
    assert a.matched is None
    assert a.verdict == "vanity"
    assert a.flags[0].evidence["catalog_vanity"] is None


@pytest.mark.parametrize("name, unit", [
    ("Defects per 1000 orders", "count"),
    ("Warehouse pick accuracy", "percent"),
    ("Podcast downloads", "percent"),
])
def test_counts_with_context_or_rates_are_not_vanity(name, unit):
    assert "vanity" not in codes(run(kpi("k", name, unit=unit))["k"])


def test_total_sales_is_vanity_only_as_a_lone_figure():
    alone = run(kpi("s", "Total sales", unit="currency"))["s"]
    assert alone.verdict == "vanity" and alone.flags[0].evidence["counter_metric"] is None
    paired = run(kpi("s", "Total sales", unit="currency"),
                 kpi("cm", "Contribution margin", unit="currency"))["s"]
    assert "vanity" not in codes(paired) and paired.guardrail == "cm"
    as_guardrail = run(kpi("acos", "ACOS", unit="percent", direction="down", guardrail_key="s"),
                       kpi("s", "Total sales", unit="currency", owner="other@x.test", role="Founder"))["s"]
    assert "vanity" not in codes(as_guardrail)


# ---------------------------------------------------------------- not_influenceable
@pytest.mark.parametrize("role, flagged", [
    ("Customer Support Lead", True),
    ("Supply chain manager", False),
    ("Founder", False),
    ("Astronaut", False),  # unknown role: cannot judge
    (None, False),
])
def test_not_influenceable(role, flagged):
    a = run(kpi("ipi", "IPI score", unit="score", role=role))["ipi"]
    assert ("not_influenceable" in codes(a)) is flagged
    if flagged:
        assert a.flags[0].evidence["roles_that_move_it"] == ["Supply chain manager", "Operations manager"]


def test_unknown_kpi_is_not_judged_for_influence():
    assert "not_influenceable" not in codes(run(kpi("k", "Warehouse pick accuracy", unit="percent",
                                                    role="Customer support lead"))["k"])


# ---------------------------------------------------------------- no_objective
def test_no_objective():
    a = run(kpi("t", "TACOS", unit="percent", direction="down", objective=None))["t"]
    assert codes(a)["no_objective"] == "warning"
    stale = run(kpi("t", "TACOS", unit="percent", direction="down", objective="last-quarter"))["t"]
    assert stale.flags[0].evidence == {"objective": "last-quarter", "quarter_objectives": ["growth"]}
    assert "no_objective" not in codes(run(kpi("t", "TACOS", unit="percent", direction="down"))["t"])


def test_no_objectives_in_the_quarter_is_only_info():
    a = run(kpi("t", "TACOS", unit="percent", direction="down"), objectives=frozenset())["t"]
    assert codes(a)["no_objective"] == "info"


# ---------------------------------------------------------------- rarely_reviewed
@pytest.mark.parametrize("frequency, severity", [
    ("weekly", None), ("monthly", None), ("quarterly", "warning"), ("yearly", "critical"),
])
def test_rarely_reviewed(frequency, severity):
    a = run(kpi("fcr", "First contact resolution", unit="percent", role="Support lead",
                frequency=frequency))["fcr"]
    assert codes(a).get("rarely_reviewed") == severity
    if severity:
        assert a.verdict == "weak"


def test_declared_weekly_but_values_arrive_quarterly():
    values = [(START + timedelta(days=91 * i), 70.0 + i) for i in range(4)]
    a = run(kpi("fcr", "First contact resolution", unit="percent", role="Support lead", values=values))["fcr"]
    assert a.flags[0].code == "rarely_reviewed"
    assert a.flags[0].evidence["median_gap_days"] == 91


# ---------------------------------------------------------------- no_guardrail
def test_gameable_kpi_without_guardrail():
    a = run(kpi("acos", "ACOS", unit="percent", direction="down"))["acos"]
    assert codes(a)["no_guardrail"] == "warning"
    assert a.verdict == "weak" and a.guardrail is None
    assert a.suggestion.startswith("Pair it with TACOS") and "it shows" in a.suggestion


def test_declared_and_inferred_guardrails_satisfy_it():
    declared = run(kpi("acos", "ACOS", unit="percent", direction="down", guardrail_key="t"),
                   kpi("t", "My spend ratio", unit="percent", direction="down"))["acos"]
    assert "no_guardrail" not in codes(declared) and declared.guardrail == "t"
    inferred = run(kpi("acos", "ACOS", unit="percent", direction="down"),
                   kpi("t", "Total ACoS", unit="percent", direction="down"))["acos"]
    assert "no_guardrail" not in codes(inferred) and inferred.guardrail == "t"


def test_guardrail_tracked_only_outside_the_team_is_a_warning():
    a = run(kpi("acos", "ACOS", unit="percent", direction="down"),
            kpi("t", "TACOS", unit="percent", direction="down", owner="lead@x.test", role="Founder"))["acos"]
    assert codes(a)["no_guardrail"] == "warning" and a.verdict == "weak"
    assert a.flags[0].evidence["tracked_elsewhere"] == ["t"] and "outside" in a.flags[0].reason


def test_declared_guardrail_missing_from_the_kpis():
    a = run(kpi("acos", "ACOS", unit="percent", direction="down", guardrail_key="ghost"))["acos"]
    assert codes(a)["no_guardrail"] == "warning" and a.guardrail is None


def test_not_gameable_and_unknown_kpis():
    assert "no_guardrail" not in codes(run(kpi("f", "Forecast accuracy", unit="percent",
                                              role="Supply chain manager"))["f"])
    # a KPI the catalog does not know: whether it can be gamed is unknown, so no claim either way
    assert "no_guardrail" not in codes(run(kpi("w", "Warehouse pick accuracy", unit="percent"))["w"])


# ---------------------------------------------------------------- gamed
def acos_tacos(acos, tacos, **kw):
    return run(kpi("acos", "ACoS %", unit="percent", direction="down", guardrail_key="tacos",
                   values=weekly(acos)),
               kpi("tacos", "TACOS", unit="percent", direction="down", values=weekly(tacos)), **kw)


def test_gamed_declared_guardrail_with_both_series_as_evidence():
    out = acos_tacos([30, 29, 28, 27, 26, 25, 24, 23], [10, 10.4, 10.8, 11.2, 11.6, 12, 12.4, 12.8])
    a = out["acos"]
    assert a.verdict == "gamed"
    flag = next(f for f in a.flags if f.code == "gamed")
    assert flag.severity == "critical"
    ev = flag.evidence
    assert ev["kpi"]["id"] == "acos" and ev["guardrail"]["id"] == "tacos"
    assert ev["kpi"]["relative_change_pct"] < -5 and ev["guardrail"]["relative_change_pct"] > 5
    assert ev["guardrail_source"] == "declared" and ev["kpi"]["points"] == 8
    assert "TACOS" in flag.reason and "TACOS" in a.suggestion
    assert out["tacos"].verdict != "gamed"


def test_clean_twin_both_improving():
    out = acos_tacos([30, 29, 28, 27, 26, 25, 24, 23], [12, 11.8, 11.5, 11.2, 11, 10.7, 10.5, 10.2])
    assert all(a.verdict != "gamed" for a in out.values())


def test_gamed_with_inferred_guardrail():
    out = run(kpi("acos", "Advertising cost of sale", unit="percent", direction="down",
                  values=weekly([30, 29, 28, 27, 26, 25, 24, 23])),
              kpi("sales", "Total sales", unit="currency", values=weekly(linear(-0.12, 50000))))
    flag = next(f for f in out["acos"].flags if f.code == "gamed")
    assert flag.evidence["guardrail_source"] == "same owner" and flag.evidence["guardrail"]["id"] == "sales"
    assert "inferred from the catalog" in flag.reason


@pytest.mark.parametrize("kpi_change, guard_change, gamed", [
    # half-mean changes of smooth lines: 2.8% is a 4.95% move of the line over 8 weeks, 3.0% a 5.3% one
    (-0.028, 0.20, False),  # the KPI's improvement is not material
    (-0.030, 0.20, True),
    (-0.20, 0.028, False),  # the guardrail's worsening is not material
    (-0.20, 0.030, True),
    (-0.20, -0.20, False),  # both improve
    (0.20, 0.20, False),  # both worsen: a problem, not gaming
])
def test_noise_threshold(kpi_change, guard_change, gamed):
    out = acos_tacos(linear(kpi_change, 30), linear(guard_change, 10))
    assert (out["acos"].verdict == "gamed") is gamed


@pytest.mark.parametrize("n, gamed", [(0, False), (1, False), (2, False), (3, False), (4, True)])
def test_too_few_points(n, gamed):
    out = acos_tacos([30, 27, 24, 21][:n], [10, 11, 12, 13][:n])
    assert (out["acos"].verdict == "gamed") is gamed


def test_end_points_alone_do_not_make_a_trend():
    out = acos_tacos([34, 30, 30.3, 29.8, 30.1, 30.2, 29.9, 28.5], [10, 10.1, 9.9, 10, 10.1, 9.9, 10, 11.8])
    assert out["acos"].verdict != "gamed"


def test_series_on_different_days_are_compared_over_their_common_span():
    acos = weekly([30, 29, 28, 27, 26, 25, 24, 23])
    tacos = weekly([10, 10.4, 10.8, 11.2, 11.6, 12, 12.4, 12.8], start=START + timedelta(days=1))
    out = run(kpi("acos", "ACOS", unit="percent", direction="down", guardrail_key="t", values=acos),
              kpi("t", "TACOS", unit="percent", direction="down", values=tacos))
    assert out["acos"].verdict == "gamed"


def test_inferred_guardrail_of_another_owner_is_not_evidence_of_gaming():
    out = run(kpi("rank", "Organic rank", unit="count", direction="down", role="Amazon account manager",
                  owner="am@x.test", values=weekly(linear(-0.3, 18))),
              kpi("t", "TACOS", unit="percent", direction="down", values=weekly(linear(0.3, 10))))
    assert out["rank"].verdict != "gamed"


def test_gamed_outranks_vanity():
    out = run(kpi("s", "Website sessions", unit="count", role="Marketing manager",
                  values=weekly(linear(0.3, 40000))),
              kpi("c", "Conversion rate", unit="percent", role="Marketing manager",
                  values=weekly(linear(-0.2, 3.0))))
    assert out["s"].verdict == "gamed" and "vanity" in codes(out["s"])


# ---------------------------------------------------------------- stage_mismatch
def test_stage_mismatch():
    mature = run(kpi("s", "Total sales", unit="currency"), stage="mature")["s"]
    assert codes(mature)["stage_mismatch"] == "warning"
    secondary = run(kpi("s", "Total sales", unit="currency", tier="secondary"), stage="mature")["s"]
    assert "stage_mismatch" not in codes(secondary)
    early = run(kpi("gm", "Gross margin", unit="percent", role="Brand manager"), stage="early")["gm"]
    assert codes(early)["stage_mismatch"] == "info"
    growth = run(kpi("s", "Total sales", unit="currency"), stage="growth")["s"]
    assert "stage_mismatch" not in codes(growth)
    unknown = run(kpi("p", "Podcast downloads", unit="count"), stage="mature")["p"]
    assert codes(unknown)["stage_mismatch"] == "warning"


def test_healthy_kpi_has_no_warnings():
    out = run(kpi("acos", "ACOS", unit="percent", direction="down", guardrail_key="t"),
              kpi("t", "TACOS", unit="percent", direction="down", guardrail_key="s"),
              kpi("s", "Total sales", unit="currency", guardrail_key="cm"),
              kpi("cm", "Contribution margin", unit="currency", guardrail_key="s"))
    assert out["acos"].verdict == "healthy" and out["acos"].flags == [] and out["acos"].suggestion is None


# ---------------------------------------------------------------- org files and the CLI
def test_facts_from_orgfile():
    org = OrgFile.model_validate(yaml.safe_load(FIXTURE.read_text(encoding="utf-8")))
    facts, stage, objectives = facts_from_orgfile(org)
    assert stage == "growth"
    assert objectives == {"margin", "support-quality"}  # 2026-Q3: the latest planned before today
    by_key = {f.key: f for f in facts}
    assert by_key["ppc-acos"].owner_role == "PPC Specialist"
    assert by_key["support-frt"].owner_role == "Customer Support Lead" and by_key["support-frt"].owner_email is None
    assert by_key["ppc-acos"].guardrail_key == "ppc-tacos"
    assert list(by_key["ppc-acos"].values) == sorted(by_key["ppc-acos"].values)


def test_fixture_org_audit():
    org = OrgFile.model_validate(yaml.safe_load(FIXTURE.read_text(encoding="utf-8")))
    facts, stage, objectives = facts_from_orgfile(org)
    out = {a.id: a for a in audit_kpis(facts, stage=stage, objectives=objectives, semantic=False)}
    assert {k: a.verdict for k, a in out.items()} == {
        # TACOS is ACOS's declared guardrail and a secondary KPI: a check, not told to find its own
        "ppc-acos": "gamed", "ppc-tacos": "healthy", "ppc-impressions": "vanity",
        "support-frt": "healthy", "support-repeat": "healthy", "support-ipi": "weak",
    }
    assert set(out["ppc-acos"].model_dump()) == {"id", "name", "verdict", "summary", "matched", "guardrail",
                                                 "guardrail_source", "guardrail_owner", "flags", "suggestion",
                                                 "suggested", "counter_metric", "owner_note"}
    assert set(codes(out["support-ipi"])) >= {"not_influenceable", "no_objective", "rarely_reviewed"}
    text = format_text(list(out.values()))
    assert text.startswith("6 KPIs: 1 gamed, 1 vanity, 1 weak, 3 healthy") and "ppc-acos" in text


def cli(*args):
    return subprocess.run([sys.executable, "-m", "assistant", "audit-kpis", *args],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)


def test_cli_json_and_text():
    res = cli(str(FIXTURE))
    assert res.returncode == 0, res.stderr
    data = json.loads(res.stdout)
    acos = next(k for k in data["kpis"] if k["id"] == "ppc-acos")
    assert acos["verdict"] == "gamed" and acos["matched"]["name"] == "ACOS"
    gamed = next(f for f in acos["flags"] if f["code"] == "gamed")
    assert gamed["evidence"]["kpi"]["id"] == "ppc-acos" and gamed["evidence"]["guardrail"]["id"] == "ppc-tacos"
    text = cli(str(FIXTURE), "--format", "text")
    assert text.returncode == 0 and "VERDICT" in text.stdout


def test_cli_reads_json_org_files(tmp_path):
    org = yaml.safe_load(FIXTURE.read_text(encoding="utf-8"))
    path = tmp_path / "org.json"
    path.write_text(json.dumps(org, default=str), encoding="utf-8")
    res = cli(str(path))
    assert res.returncode == 0, res.stderr
    assert len(json.loads(res.stdout)["kpis"]) == 6


@pytest.mark.parametrize("content, message", [
    (None, "cannot read"),
    ("company: [unclosed", "not valid YAML"),
    ("- just a list", "expected a mapping"),
    ("company: {name: X}\nkpis: [{id: a, name: A, colour: red}]", "kpis[0].colour (line 2)"),
])
def test_cli_rejects_bad_files(tmp_path, content, message):
    path = tmp_path / "org.yaml"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    res = cli(str(path))
    assert res.returncode != 0
    assert message in res.stderr


def test_cli_rejects_unknown_format():
    assert cli(str(FIXTURE), "--format", "xml").returncode != 0


@pytest.mark.skipif(not DEMO.exists(), reason="demo org not present")
def test_demo_org_flags_the_planted_acos_gaming_and_nothing_else():
    org = OrgFile.model_validate(yaml.safe_load(DEMO.read_text(encoding="utf-8")))
    facts, stage, objectives = facts_from_orgfile(org)
    out = {a.id: a for a in audit_kpis(facts, stage=stage, objectives=objectives)}
    assert [k for k, a in out.items() if a.verdict == "gamed"] == ["ppc-acos"]
    ev = next(f for f in out["ppc-acos"].flags if f.code == "gamed").evidence
    assert ev["kpi"]["id"] == "ppc-acos" and ev["guardrail"]["id"] == "ppc-tacos"
    assert out["creative-impressions"].verdict == "vanity"
    assert out["am-organic-rank"].verdict == "healthy"
