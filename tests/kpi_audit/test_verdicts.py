"""The audit's verdicts, reasons and suggestions on the cases a founder reads it for: declared
guardrails over catalog guesses, team inference, noisy guardrails, totals, stage, roles,
cited figures, the quarter in force, and suggestions the owner can act on."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
import yaml

from assistant.domain.orgfile.schema import OrgFile
from assistant.evals import audit_labels as labels
from assistant.kpi_audit.facts import quarter_in_force
from assistant.kpi_audit.rules import KpiAudit, KpiFacts, audit_kpis, facts_from_orgfile
from assistant.kpi_audit.trends import judge, trend

START = date(2026, 7, 6)


def weekly(values):
    return tuple((START + timedelta(weeks=i), float(v)) for i, v in enumerate(values))


def line(start, change, n=12):
    return [start * (1 + change * i / (n - 1)) for i in range(n)]


def kpi(key, name, *, owner="a@x.test", role="PPC specialist", manager=None, **kw):
    return KpiFacts(key=key, name=name, owner_email=owner, owner_role=role, owner_manager=manager,
                    owner_name=owner.split("@")[0].capitalize() if owner else None, objective_key="growth", **kw)


def run(*kpis, stage="growth", semantic=False) -> dict[str, KpiAudit]:
    return {a.id: a for a in audit_kpis(list(kpis), stage=stage, objectives={"growth"}, semantic=semantic)}


def codes(a: KpiAudit) -> set[str]:
    return {f.code for f in a.flags}


# ---------------------------------------------------------------- guardrails: declared, same owner, team
SUP, LEAD = "agent@x.test", "lead@x.test"


def support_org(*, agent_repeat: list[float] | None, declared: bool):
    frt = kpi("frt", "First response time", owner=SUP, role="Support agent", manager=LEAD, unit="hours",
              direction="down", values=weekly(line(8, -0.35)), guardrail_key="mine" if declared else None)
    lead_esc = kpi("esc", "Escalation rate", owner=LEAD, role="Customer support lead", unit="percent",
                   direction="down", values=weekly(line(6, 0.3)))
    out = [frt, lead_esc]
    if agent_repeat is not None:
        out.append(kpi("mine", "Repeat contact rate", owner=SUP, role="Support agent", manager=LEAD, unit="percent",
                       direction="down", tier="secondary", values=weekly(agent_repeat)))
    return out


def test_a_declared_guardrail_that_held_beats_a_catalog_guess_that_worsened():
    own_esc = kpi("own-esc", "Escalation rate", owner=SUP, role="Support agent", manager=LEAD, unit="percent",
                  direction="down", tier="secondary", values=weekly(line(6, 0.3)))  # the catalog's pair, worsening
    a = run(*support_org(agent_repeat=line(12, 0.0), declared=True), own_esc)["frt"]
    assert "gamed" not in codes(a) and a.guardrail == "mine" and a.guardrail_source == "declared"
    undeclared = run(*support_org(agent_repeat=None, declared=False), own_esc)["frt"]
    assert "gamed" in codes(undeclared)  # without the declaration the catalog's pair is read


def test_a_teams_guardrail_is_read_when_the_owner_tracks_none_and_the_flag_names_whose():
    a = run(*support_org(agent_repeat=None, declared=False))["frt"]
    flag = next(f for f in a.flags if f.code == "gamed")
    assert flag.evidence["guardrail_source"] == "team" and flag.evidence["guardrail"]["id"] == "esc"
    assert "inferred from the catalog" in flag.reason and "Lead" in flag.reason
    assert a.guardrail_owner == "Lead"


def test_the_same_owners_guardrail_comes_before_the_teams():
    a = run(*support_org(agent_repeat=line(12, 0.0), declared=False))["frt"]
    assert a.guardrail == "mine" and a.guardrail_source == "same owner" and "gamed" not in codes(a)


def test_a_colleague_in_another_function_pairs_but_is_no_evidence():
    rank = kpi("rank", "Organic rank", owner="am@x.test", role="Amazon account manager", manager="m@x.test",
               unit="count", direction="down", values=weekly(line(18, -0.4)))
    tacos = kpi("tacos", "TACOS", owner="ppc@x.test", role="PPC specialist", manager="m@x.test", unit="percent",
                direction="down", values=weekly(line(10, 0.3)))
    a = run(rank, tacos)["rank"]
    assert a.verdict == "healthy" and a.guardrail == "tacos" and a.guardrail_source == "nearby"


# ---------------------------------------------------------------- noise
def test_a_noisy_but_flat_guardrail_does_not_worsen():
    zigzag = [10.0, 11.2, 9.1, 11.0, 9.4, 11.5, 9.8, 11.6, 9.9, 11.4, 10.1, 11.3]  # second half 3.5% higher
    t = trend(weekly(zigzag))
    assert judge(t, better="down") == "flat"
    acos = kpi("acos", "ACOS", unit="percent", direction="down", guardrail_key="t", values=weekly(line(30, -0.2)))
    out = run(acos, kpi("t", "TACOS", unit="percent", direction="down", values=weekly(zigzag)))
    assert "gamed" not in codes(out["acos"])
    smooth = run(acos, kpi("t", "TACOS", unit="percent", direction="down", values=weekly(line(10, 0.12))))
    assert "gamed" in codes(smooth["acos"])  # a steady 12% climb of the same guardrail is a real worsening


@pytest.mark.parametrize("noise", [0.06, 0.08, 0.10])
def test_seeded_flat_noise_rarely_reads_as_a_move(noise):
    flat = [labels._trend_values(f"flat/{noise}/{i}", 10.0, 0.0, noise, 12) for i in range(40)]
    moves = sum(judge(trend(weekly(ys)), better="down") != "flat" for ys in flat)
    assert moves <= 4, f"{moves} of 40 flat series read as moving"  # ~5% by design


# ---------------------------------------------------------------- vanity and stage
def test_a_lifetime_or_yearly_total_is_vanity_even_beside_a_margin():
    gm = kpi("gm", "Gross margin", unit="percent")
    for name, freq in (("Lifetime store revenue", "weekly"), ("Total revenue", "yearly")):
        a = run(kpi("rev", name, unit="currency", frequency=freq), gm)["rev"]
        assert a.verdict == "vanity", name
        assert "year" in a.suggestion or "weekly" in a.suggestion


def test_a_weekly_total_beside_a_margin_is_not_vanity_and_alone_it_is():
    paired = run(kpi("rev", "Total sales", unit="currency"), kpi("gm", "Gross margin", unit="percent"))["rev"]
    assert "vanity" not in codes(paired)
    alone = run(kpi("rev", "Total sales", unit="currency"))["rev"]
    assert alone.verdict == "vanity"


def test_customer_lifetime_value_is_not_a_running_total():
    assert "vanity" not in codes(run(kpi("ltv", "Customer lifetime value", unit="currency"))["ltv"])


def test_early_stage_volume_is_not_marked_down_for_being_volume():
    early = run(kpi("rev", "Total sales", unit="currency"), stage="early")["rev"]
    assert not codes(early) & {"vanity", "stage_mismatch"}
    mature = run(kpi("rev", "Total sales", unit="currency"), stage="mature")["rev"]
    assert {"vanity", "stage_mismatch"} <= codes(mature)
    # exposure counts stay vanity at any stage
    assert run(kpi("imp", "Impressions", unit="count"), stage="early")["imp"].verdict == "vanity"


# ---------------------------------------------------------------- influence
def test_a_paid_social_buyer_moves_cac():
    a = run(kpi("cac", "Customer acquisition cost", unit="currency", direction="down", role="Paid social buyer"))
    assert "not_influenceable" not in codes(a["cac"])


def test_an_unsure_role_reading_says_nothing_about_influence():
    a = run(kpi("ipi", "IPI score", unit="score", role="Wholesale buyer"))  # loose word only
    assert "not_influenceable" not in codes(a["ipi"])


def test_a_manager_moves_what_their_reports_roles_move():
    solo = kpi("acos", "ACOS", unit="percent", direction="down", role="Head of Growth", guardrail_key="t")
    t = kpi("t", "TACOS", unit="percent", direction="down", role="Head of Growth", tier="secondary")
    assert "not_influenceable" in codes(run(solo, t)["acos"])
    lead = KpiFacts(**{**solo.__dict__, "report_roles": ("PPC specialist",)})
    assert "not_influenceable" not in codes(run(lead, t)["acos"])


def test_a_description_that_names_the_owners_work_makes_it_influenceable():
    plain = kpi("gm", "Gross margin", unit="percent", role="DTC retention manager")
    assert "not_influenceable" in codes(run(plain)["gm"])
    repeat = kpi("gm", "Gross margin", unit="percent", role="DTC retention manager",
                 description="Margin on repeat orders from returning customers.")
    assert "not_influenceable" not in codes(run(repeat)["gm"])


def test_the_catalog_knows_who_moves_margins_and_social_audiences():
    assert "not_influenceable" not in codes(run(kpi("n", "Net profit margin", unit="percent",
                                                    role="Director of Operations"))["n"])
    assert "not_influenceable" not in codes(run(kpi("f", "Social followers", unit="count", role="Brand manager"))["f"])


# ---------------------------------------------------------------- the gamed figures are the cited points'
def test_the_gamed_figures_are_computed_from_the_points_it_cites():
    acos = [32.1, 31.4, 30.2, 29.5, 28.3, 27.6, 26.4, 25.1, 24.3, 23.4, 22.6, 21.9]
    tacos = [9, 9.3, 9.7, 10.1, 10.6, 11, 11.4, 11.9, 12.3, 12.8, 13.1, 13.5]
    out = run(kpi("acos", "ACOS", unit="percent", direction="down", guardrail_key="t", values=weekly(acos)),
              kpi("t", "TACOS", unit="percent", direction="down", tier="secondary", values=weekly(tacos)))
    flag = next(f for f in out["acos"].flags if f.code == "gamed")
    ev = flag.evidence
    assert (ev["kpi"]["first_value"], ev["kpi"]["last_value"]) == (32.1, 21.9)
    assert (ev["kpi"]["from"], ev["kpi"]["to"]) == (START.isoformat(), (START + timedelta(weeks=11)).isoformat())
    printed = [float(x) for x in re.findall(r"\(([\d.]+)% (?:better|worse)\)", flag.reason)]
    assert printed == [round(100 * (32.1 - 21.9) / 32.1, 1), round(100 * (13.5 - 9) / 9, 1)]  # 31.8 and 50.0
    assert "32.1%" in flag.reason and "21.9%" in flag.reason and "the last 6 weeks against the 6 before" in flag.reason


def test_a_spike_inside_the_window_is_not_a_worsening_the_end_points_deny():
    spike = [3.1, 2.8, 3.4, 4.6, 5.9, 7.2, 8.4, 8.9, 7.8, 5.6, 3.9, 3.2]  # back where it started
    out = run(kpi("turns", "Inventory turnover", unit="ratio", guardrail_key="s", values=weekly(line(5.0, 0.12))),
              kpi("s", "Stock-out rate", unit="percent", direction="down", tier="secondary", values=weekly(spike)))
    assert "gamed" not in codes(out["turns"])


# ---------------------------------------------------------------- the quarter in force
PLANNED = {"company": {"name": "Q Co", "stage": "growth"},
           "quarters": [{"id": "2026-Q4", "objectives": [{"id": "now", "title": "This quarter"}]},
                        {"id": "2027-Q1", "objectives": [{"id": "next", "title": "Next quarter"}]}],
           "kpis": [{"id": "k", "name": "TACOS", "role": "PPC specialist", "unit": "percent", "direction": "down",
                     "objective": "now"}]}


def test_the_quarter_in_force_comes_from_the_calendar_not_the_newest_in_the_file():
    org = OrgFile.model_validate(PLANNED)
    _, _, objectives = facts_from_orgfile(org, today=date(2026, 11, 2))
    assert objectives == {"now"}
    assert facts_from_orgfile(org, today=date(2027, 2, 1))[2] == {"next"}
    assert facts_from_orgfile(org, today=date(2026, 8, 1))[2] == set()  # nothing planned is in force yet
    assert quarter_in_force(["2026-Q2", "2027-Q1"], date(2026, 11, 2)) == "2026-Q2"


def test_the_cli_honours_cadence_today(tmp_path):
    import json
    import os
    import subprocess
    import sys

    from tests.conftest import ROOT

    path = tmp_path / "org.yaml"
    path.write_text(yaml.safe_dump(PLANNED), encoding="utf-8")
    res = subprocess.run([sys.executable, "-m", "assistant", "audit-kpis", str(path)], capture_output=True, text=True,
                         cwd=ROOT, timeout=120, env={**os.environ, "CADENCE_TODAY": "2026-11-02"})
    assert res.returncode == 0, res.stderr
    (a,) = json.loads(res.stdout)["kpis"]
    assert "no_objective" not in {f["code"] for f in a["flags"]}


# ---------------------------------------------------------------- the verdict summarises the flags
def test_no_card_is_healthy_with_a_warning_or_a_no_guardrail_flag():
    seen = 0
    for _, (lo, org) in labels.load_orgs().items():
        for a in labels.audit_org(org, today=lo.today, semantic=False).values():
            seen += 1
            if a.verdict == "healthy":
                assert all(f.severity == "info" for f in a.flags), (a.id, a.flags)
            assert all(f.severity != "info" for f in a.flags if f.code == "no_guardrail")
            assert a.summary.lower().startswith(a.verdict)
    assert seen >= 150


# ---------------------------------------------------------------- suggestions
def test_suggestions_are_never_vanity_or_off_role():
    tacos = run(kpi("t", "TACOS", unit="percent", direction="down"))["t"]
    assert "Total sales" not in tacos.suggestion and "Sales growth" in tacos.suggestion
    margin = run(kpi("m", "Contribution margin", unit="currency", role="Brand manager"))["m"]
    assert "Total sales" not in (margin.suggestion or "")
    impressions = run(kpi("i", "Impressions", unit="count", role="Creative strategist"))["i"]
    assert "TACOS" not in impressions.suggestion and "Click-through rate" in impressions.suggestion
    returns = run(kpi("r", "Return rate", unit="percent", direction="down", role="Amazon account manager"))["r"]
    assert "satisfaction" not in returns.suggestion.lower() and "star rating" in returns.suggestion.lower()


def test_a_check_on_another_kpi_is_not_told_to_find_its_own_unless_it_is_a_target():
    acos = kpi("acos", "ACOS", unit="percent", direction="down", guardrail_key="t")
    check = run(acos, kpi("t", "TACOS", unit="percent", direction="down", tier="secondary"))["t"]
    assert "no_guardrail" not in codes(check) and check.suggestion is None
    target = run(acos, kpi("t", "TACOS", unit="percent", direction="down", tier="primary"))["t"]
    assert "no_guardrail" in codes(target)


def test_the_owner_reads_a_framed_verdict():
    out = run(kpi("acos", "ACOS", unit="percent", direction="down", guardrail_key="t", values=weekly(line(30, -0.2))),
              kpi("t", "TACOS", unit="percent", direction="down", tier="secondary", values=weekly(line(10, 0.2))),
              kpi("i", "Impressions", unit="count"))
    assert out["acos"].owner_note.startswith("Worth looking at together: ACOS improved while TACOS worsened")
    assert out["i"].owner_note.startswith("Worth a rethink together")
    assert out["t"].owner_note is None
