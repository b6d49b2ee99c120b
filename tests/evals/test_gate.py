"""The regression gate: baseline comparison, a changed prompt naming the cases to re-record,
and a deliberately broken rule failing the gate with a readable explanation."""

from __future__ import annotations

import shutil

import pytest

from assistant.drafting import prompt as prompting
from assistant.evals import baseline as gate
from assistant.evals.cases import load_cases
from assistant.evals.report import render_html, to_json
from assistant.evals.runner import EVALS, run_suite
from assistant.kpi_audit import rules as audit


def report(cases: dict[str, dict[str, bool]], provider: str = "offline") -> dict:
    """A minimal report.json: {case id: {scorer: passed}}."""
    out = []
    for cid, scorers in cases.items():
        out.append({"id": cid, "provider": provider, "passed": all(scorers.values()),
                    "scores": [{"name": n, "score": float(ok), "passed": ok, "explanation": f"{n} said so."}
                               for n, ok in scorers.items()]})
    totals: dict = {provider: {"cases": {"passed": sum(c["passed"] for c in out), "total": len(out)}, "scorers": {}}}
    for c in out:
        for s in c["scores"]:
            t = totals[provider]["scorers"].setdefault(s["name"], {"passed": 0, "total": 0, "mean": 0.0})
            t["passed"] += s["passed"]
            t["total"] += 1
    for t in totals[provider]["scorers"].values():
        t["mean"] = t["passed"] / t["total"]
    return {"cases": out, "totals": totals, "providers": {provider: {"model": "m"}}}


def test_a_scorer_that_passed_and_now_fails_is_a_regression():
    base = gate.from_report(report({"a": {"run": True, "flag_recall": True}, "b": {"run": True, "mentions": False}}))
    now = report({"a": {"run": True, "flag_recall": False}, "b": {"run": True, "mentions": True}})
    diff = gate.compare(base, now)
    assert not diff["passed"]
    assert [(r["case"], r["scorer"], r["was"], r["now"]) for r in diff["regressions"]] == [
        ("a", "flag_recall", "pass", "fail")]
    assert [(r["case"], r["scorer"]) for r in diff["improvements"]] == [("b", "mentions")]
    table = gate.diff_table(diff)
    assert "REGRESSED" in table and "a@offline" in table and "flag_recall said so." in table


def test_a_dropped_total_fails_even_without_a_case_regression():
    base = gate.from_report(report({"a": {"run": True, "grounded": True}}))
    # the case that passed still passes, but a new failing case pulls the mean down
    now = report({"a": {"run": True, "grounded": True}, "new": {"run": True, "grounded": False}})
    diff = gate.compare(base, now)
    assert not diff["regressions"] and not diff["passed"]
    assert {d["scorer"] for d in diff["drops"]} == {"grounded", "(cases passing)"}
    assert diff["new"] == ["new@offline"]
    assert gate.compare(base, now, partial=True)["passed"]  # a --case run compares case by case only


def test_a_case_missing_from_a_full_run_is_a_regression_and_no_baseline_passes():
    base = gate.from_report(report({"a": {"run": True}, "b": {"run": True}}))
    diff = gate.compare(base, report({"a": {"run": True}}))
    assert [(r["case"], r["now"]) for r in diff["regressions"]] == [("b", "missing")]
    assert gate.compare(None, report({"a": {"run": False}}))["passed"]
    assert gate.compare(base, report({"a": {"run": True}}, provider="local"))["passed"]  # other provider


def test_a_kpi_audit_figure_below_the_baseline_fails_the_gate():
    def figures(vanity_recall: float) -> dict:
        f = {"precision": 1.0, "recall": 1.0, "labelled": 200, "tp": 1, "fp": 0, "fn": 0, "tn": 1, "misclassified": []}
        return {"detectors": {"vanity": {**f, "recall": vanity_recall}, "gamed": f}}

    base = gate.from_report({**report({"a": {"run": True}}), "detectors": figures(0.98)})
    assert base["detectors"]["vanity"] == {"precision": 1.0, "recall": 0.98, "labelled": 200}
    same = gate.compare(base, {**report({"a": {"run": True}}), "detectors": figures(0.98)}, partial=True)
    assert same["passed"]
    worse = gate.compare(base, {**report({"a": {"run": True}}), "detectors": figures(0.97)}, partial=True)
    assert not worse["passed"] and worse["drops"] == [
        {"provider": "kpi audit", "scorer": "vanity recall", "was": 0.98, "now": 0.97}]
    assert "vanity recall" in gate.diff_table(worse)


@pytest.fixture
def edited_prompts(tmp_path, monkeypatch):
    """prompts/ copied with one sentence of brief.j2 changed (the real files stay untouched)."""
    folder = tmp_path / "prompts"
    shutil.copytree(prompting.PROMPTS, folder)
    text = (folder / "brief.j2").read_text(encoding="utf-8")
    edited = text.replace("The brief is read in two minutes", "The brief is read in one minute")
    assert edited != text
    (folder / "brief.j2").write_text(edited, encoding="utf-8")
    monkeypatch.setattr(prompting, "PROMPTS", folder)
    prompting._env.cache_clear()
    yield folder
    prompting._env.cache_clear()


def test_an_edited_prompt_names_the_cases_to_re_record(edited_prompts, tmp_path):
    ids = ["newhire-empty-history-brief"]  # recorded: the edited prompt misses its cassette
    assert (EVALS / "cassettes" / "openai" / f"{ids[0]}.yaml").exists()
    suite = run_suite(load_cases(EVALS / "cases", only=ids), providers=["openai"], work=tmp_path / "work")
    assert suite.rerecord() == {"openai": ids}
    for r in suite.results:
        assert not r.passed and r.error.endswith(f"cadence eval --record --provider openai --case {r.case.id}")
        assert [s.name for s in r.scores] == ["run"]
    assert "brief.j2" in suite.changed_prompts["openai"]
    data = to_json(suite)
    assert data["rerecord"] == {"openai": ids}
    assert f"cadence eval --record --provider openai --case {ids[0]}" in render_html(data)


def test_removing_the_gaming_rule_fails_the_gate_with_a_readable_reason(monkeypatch, tmp_path):
    monkeypatch.setattr(audit, "_gamed", lambda ctx: None)  # the rule that spots gaming, gone
    ids = ["gaming-discount-sales-audit", "gaming-discount-sales-brief"]
    suite = run_suite(load_cases(EVALS / "cases", only=ids), providers=["offline"], work=tmp_path / "work")
    diff = gate.compare(gate.load(), to_json(suite), partial=True)
    assert not diff["passed"]
    why = {(r["case"], r["scorer"]): r["explanation"] for r in diff["regressions"]}
    assert why[("gaming-discount-sales-audit", "flag_recall")] == "expected flag(s) not raised: sales-gamed-main:gamed."
    assert why[("gaming-discount-sales-brief", "flag_recall")] == "expected flag(s) not raised: sales-gamed-main:gamed."
    assert "REGRESSED  gaming-discount-sales-audit@no-model" in gate.diff_table(diff)
