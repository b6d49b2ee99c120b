"""The run's record: report.json (machine-readable) and report.html (a table a person scans).

report.json holds, per case and provider, every scorer's score and explanation; totals
per provider and scorer; the providers and models; the prompt hashes; token usage; and
which cases must be re-recorded; the KPI audit's precision and recall for the vanity and
gamed flags on the labelled set; and the claim guard's catch and false-drop rates on mutated
drafts (``assistant.evals.mutations``). report.html shows those figures, then failed scorers first,
each case's draft beside its expectations. Both are written by ``write_reports``.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment

from assistant.core.templates import environment
from assistant.evals.recording import prompt_hashes
from assistant.evals.runner import CaseResult, SuiteResult

VERSION = 1


def totals(results: list[CaseResult]) -> dict[str, Any]:
    """Per provider: cases passed, and per scorer the passes, the count and the mean score."""
    out: dict[str, Any] = {}
    for r in results:
        t = out.setdefault(r.provider, {"cases": {"passed": 0, "total": 0}, "scorers": {},
                                        "usage": {"prompt_tokens": 0, "completion_tokens": 0}})
        t["cases"]["total"] += 1
        t["cases"]["passed"] += int(r.passed)
        usage = (r.output or {}).get("usage") or {}
        for k in ("prompt_tokens", "completion_tokens"):
            t["usage"][k] += int(usage.get(k) or 0)
        for s in r.scores:
            st = t["scorers"].setdefault(s.name, {"passed": 0, "total": 0, "sum": 0.0})
            st["total"] += 1
            st["passed"] += int(s.passed)
            st["sum"] += s.score
    for t in out.values():
        for st in t["scorers"].values():
            st["mean"] = round(st.pop("sum") / st["total"], 4)
        t["scorers"] = dict(sorted(t["scorers"].items()))
    return dict(sorted(out.items()))


def case_record(r: CaseResult) -> dict[str, Any]:
    return {
        "id": r.case.id, "task": r.case.task, "provider": r.provider, "fixture": r.case.fixture,
        "viewer": r.case.viewer, "subject": r.case.subject, "period": r.case.week or r.case.quarter,
        "passed": r.passed, "seconds": r.seconds, "error": r.error, "rerecord": r.rerecord,
        "scores": [{"name": s.name, "score": s.score, "passed": s.passed, "explanation": s.explanation}
                   for s in r.scores],
        "usage": (r.output or {}).get("usage"),
        "expect": r.case.expect.model_dump(mode="json", exclude_defaults=True),
        "output": r.output,
    }


def to_json(suite: SuiteResult, detectors: dict[str, Any] | None = None,
            mutations: dict[str, Any] | None = None) -> dict[str, Any]:
    """The run as report.json; ``detectors``: the KPI audit's precision and recall on the labelled
    set (``assistant.evals.audit_labels.detector_figures``); ``mutations``: the guard's catch and
    false-drop rates (``assistant.evals.mutations.measure().as_dict()``); each when measured."""
    return {
        "version": VERSION,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "seconds": suite.seconds,
        "mode": "record" if suite.record else "replay",
        "providers": suite.providers,
        "prompt_hashes": prompt_hashes(),
        "changed_prompts": suite.changed_prompts,
        "rerecord": suite.rerecord(),
        "totals": totals(suite.results),
        "cases": [case_record(r) for r in suite.results],
        **({"detectors": detectors} if detectors is not None else {}),
        **({"guard_mutations": mutations} if mutations is not None else {}),
    }


def _env() -> Environment:
    # HTML; lenient, because it shows every kind's output and asks for keys (questions) only some have.
    env = environment(Path(__file__).resolve().parent / "templates", autoescape=True, tidy=False, strict=False)
    env.filters["pretty"] = lambda v: json.dumps(v, indent=2, ensure_ascii=False, default=str)
    return env


def render_html(report: dict[str, Any], diff: dict[str, Any] | None = None) -> str:
    """The HTML page: totals, the baseline diff, then every case, failed scorers first."""
    rows = []
    for c in report["cases"]:
        failed = [s for s in c["scores"] if not s["passed"]]
        rows.append({**c, "failed": failed, "ok": [s for s in c["scores"] if s["passed"]]})
    rows.sort(key=lambda c: (c["passed"], -len(c["failed"]), c["id"], c["provider"]))
    return _env().get_template("report.html.j2").render(report=report, rows=rows, diff=diff)


def write_reports(report: dict[str, Any], folder: Path, diff: dict[str, Any] | None = None) -> tuple[Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    data = {**report, "baseline_diff": diff}
    json_path, html_path = folder / "report.json", folder / "report.html"
    json_path.write_text(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
    html_path.write_text(render_html(report, diff), encoding="utf-8")
    return json_path, html_path
