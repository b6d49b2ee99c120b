"""benchmarks/run.py's own bookkeeping: the goals it reports met or missed, and the load
average it records around each timed phase (the timings themselves are `make bench`'s)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

RUN = Path(__file__).resolve().parents[1] / "benchmarks" / "run.py"


def _run_module():  # noqa: ANN202
    spec = importlib.util.spec_from_file_location("bench_run", RUN)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _kind(p95: float, tokens: int) -> dict:
    return {"available": True, "n": 8, "p95_ms": p95, "prompt_tokens": {"budget": 3000, "max": tokens}}


def test_goals_say_which_figure_missed():
    run = _run_module()
    latency = {"S": {k: _kind(30.0, 2900) for k in run.KINDS},
               "L": {"brief": _kind(45.0, 2990), "feedback": _kind(60.0, 2990), "goals": _kind(36.0, 3010)}}
    sqlite = {"latency": latency,
              "growth_p95_s_to_l": {"brief": 1.5, "feedback": 2.0, "goals": 1.2},
              "max_prompt_tokens": {s: {k: v["prompt_tokens"]["max"] for k, v in lat.items()}
                                    for s, lat in latency.items()}}
    goals = run.goals(sqlite, "L")
    assert goals["p95 brief at L <= 50 ms"]["met"] is True
    assert goals["p95 feedback at L <= 50 ms"]["met"] is False
    assert goals["growth brief p95 S->L < 1.3x"]["met"] is False
    assert goals["growth goals p95 S->L < 1.3x"]["met"] is True
    assert goals["prompt tokens within the budget at S"]["met"] is True
    assert goals["prompt tokens within the budget at L"]["met"] is False


def test_a_phase_records_its_load_average_and_seconds():
    run = _run_module()
    out = run.phase("a phase", lambda: {"value": 1})
    assert out["value"] == 1
    row = run.PHASES[-1]
    assert row["phase"] == "a phase" and out["phase"] == row
    assert len(row["loadavg_start"]) == 3 and len(row["loadavg_end"]) == 3 and row["seconds"] >= 0


def test_percentiles_interpolate():
    run = _run_module()
    assert run.pct([10.0, 20.0, 30.0, 40.0], 50) == 25.0
    assert run.pct([5.0], 95) == 5.0
