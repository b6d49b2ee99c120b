"""The whole eval suite, replayed from cassettes and on the offline provider, gates on the baseline.

This is what CI runs through ``make test``: every case in evals/cases, the network blocked,
no key. It fails on a regression against evals/baseline.json, on a cassette that no longer
matches its request (a prompt changed), and when the run gets slow.
"""

from __future__ import annotations

import time

import pytest

from assistant.evals import baseline as gate
from assistant.evals.audit_labels import detector_figures
from assistant.evals.cases import load_cases
from assistant.evals.report import render_html, to_json, write_reports
from assistant.evals.runner import EVALS, NO_MODEL, run_suite

# CPU seconds of this process for the whole replay. Measured idle: 63 s of CPU (61 s wall) on a
# 2 vCPU AMD EPYC, the slower of the machines CI has run on, about half that on a 2 vCPU Xeon. CPU
# time, not wall: a shared box makes the wall clock slower, not the suite.
BUDGET_CPU_SECONDS = 120


@pytest.fixture(scope="module")
def suite(tmp_path_factory):
    cases = load_cases(EVALS / "cases")
    started = time.process_time()
    result = run_suite(cases, providers=["offline", "openai"], work=tmp_path_factory.mktemp("evals"))
    result.cpu_seconds = time.process_time() - started
    return cases, result, to_json(result, detectors=detector_figures())


def test_every_case_runs_on_offline_and_the_recorded_ones_replay(suite):
    cases, result, _ = suite
    ran = {(r.case.id, r.provider) for r in result.results}
    for case in cases:
        if case.uses_llm:
            assert (case.id, "offline") in ran
            if case.record:
                assert (case.id, "openai") in ran
        else:
            assert (case.id, NO_MODEL) in ran
    for case in cases:
        if case.record:
            assert (EVALS / "cassettes" / "openai" / f"{case.id}.yaml").exists(), f"{case.id}: no cassette"
    assert len(cases) >= 40


def test_no_cassette_needs_re_recording(suite):
    _, result, data = suite
    assert data["rerecord"] == {}, f"re-record: {data['rerecord']} (prompts changed: {data['changed_prompts']})"


def test_the_gate_passes_against_the_committed_baseline(suite, tmp_path):
    _, _, data = suite
    diff = gate.compare(gate.load(), data)
    write_reports(data, tmp_path, diff)  # kept in the test's folder for a look when it fails
    assert diff["baseline"], "evals/baseline.json is missing: run `cadence eval --update-baseline`"
    assert diff["passed"], gate.diff_table(diff)


def test_no_output_leaks_another_teams_canary(suite):
    _, result, _ = suite
    for r in result.results:
        privacy = [s for s in r.scores if s.name == "privacy"]
        assert not privacy or privacy[0].passed, f"{r.key}: {privacy[0].explanation}"


def test_the_kpi_audit_figures_are_reported_and_meet_the_baseline(suite):
    _, _, data = suite
    figures = data["detectors"]["detectors"]
    assert set(figures) == {"vanity", "gamed"} and all(f["labelled"] >= 150 for f in figures.values())
    assert sum(data["detectors"]["orgs"].values()) >= 150 and len(data["detectors"]["orgs"]) >= 5
    assert gate.detector_drops(gate.load(), data) == []
    assert "KPI audit on the labelled set" in render_html(data)


def test_the_html_report_shows_every_case(suite):
    _, result, data = suite
    html = render_html(data)
    for r in result.results:
        assert f'id="{r.case.id}-{r.provider}"' in html
    assert "<script" not in html.lower()  # check-in text is escaped, never markup


def test_the_suite_replays_within_budget(suite):
    _, result, _ = suite
    assert result.cpu_seconds < BUDGET_CPU_SECONDS, (
        f"the eval suite took {result.cpu_seconds:.0f} CPU s, {result.seconds:.0f} s wall "
        f"(budget {BUDGET_CPU_SECONDS} CPU s)")
