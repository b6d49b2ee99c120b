"""Recorded evals: cases in YAML, the real pipeline, deterministic scorers, a baseline gate.

    cases.py      strict case models; load_cases(folder)
    scorers.py    score + one-sentence explanation per expectation; no LLM judge
    recording.py  vcrpy cassettes per case and provider, endpoint.json, the network guard
    runner.py     fixtures imported once per run, a fresh database per case, run_suite()
    report.py     report.json and report.html
    baseline.py   evals/baseline.json and the regression gate

The command is ``cadence eval`` (see ``assistant/cli.py``).
"""
