"""The committed baseline (evals/baseline.json) and the regression gate.

The gate fails when, for a provider that ran:

- a scorer that passed on a case in the baseline fails now (or the case no longer runs), or
- a scorer's mean over all cases, or the share of cases passing, drops below the baseline, or
- the KPI audit's precision or recall for the vanity or the gamed flag, measured on the
  labelled set in evals/kpi_audit/, drops below the baseline's (compared whenever measured).

A new case, or a fix, never fails the gate; ``cadence eval --update-baseline`` records the
new state deliberately. A run limited with ``--case`` is compared case by case only (its
totals cover a subset, so comparing them would mean nothing).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from assistant.evals.runner import EVALS

BASELINE = EVALS / "baseline.json"
EPSILON = 1e-9


def from_report(report: dict[str, Any]) -> dict[str, Any]:
    """The compact form committed to the repository: per case and scorer, pass or fail."""
    providers: dict[str, Any] = {}
    for c in report["cases"]:
        p = providers.setdefault(c["provider"], {"cases": {}})
        p["cases"][c["id"]] = {"passed": c["passed"], "scorers": {s["name"]: s["passed"] for s in c["scores"]}}
    for name, t in report["totals"].items():
        providers.setdefault(name, {"cases": {}})["totals"] = {
            "cases": t["cases"], "scorers": {k: {"passed": v["passed"], "total": v["total"], "mean": v["mean"]}
                                              for k, v in t["scorers"].items()}}
    for p in providers.values():
        p["cases"] = dict(sorted(p["cases"].items()))
    out = {"version": 1, "prompt_hashes": report.get("prompt_hashes", {}),
           "models": {k: v.get("model") for k, v in report.get("providers", {}).items()},
           "providers": dict(sorted(providers.items()))}
    if report.get("detectors"):
        out["detectors"] = detector_floor(report["detectors"])
    return out


def detector_floor(figures: dict[str, Any]) -> dict[str, Any]:
    """The part of the detector figures the gate compares: precision and recall per flag."""
    return {code: {"precision": f["precision"], "recall": f["recall"], "labelled": f["labelled"]}
            for code, f in sorted(figures["detectors"].items())}


def detector_drops(baseline: dict[str, Any], report: dict[str, Any]) -> list[dict[str, Any]]:
    """A KPI audit flag whose precision or recall on the labelled set fell below the baseline's."""
    if not baseline.get("detectors") or not report.get("detectors"):
        return []
    now = detector_floor(report["detectors"])
    drops = []
    for code, was in baseline["detectors"].items():
        for metric in ("precision", "recall"):
            got = now.get(code, {}).get(metric)
            if got is None or got < was[metric] - EPSILON:
                drops.append({"provider": "kpi audit", "scorer": f"{code} {metric}", "was": was[metric], "now": got})
    return drops


def load(path: Path = BASELINE) -> dict[str, Any] | None:
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def save(report: dict[str, Any], path: Path = BASELINE) -> Path:
    path.write_text(json.dumps(from_report(report), indent=2, sort_keys=False) + "\n", encoding="utf-8")
    return path


def compare(baseline: dict[str, Any] | None, report: dict[str, Any], *, partial: bool = False) -> dict[str, Any]:
    """Regressions, total drops and improvements of ``report`` against ``baseline``."""
    now = from_report(report)
    regressions: list[dict[str, Any]] = []
    improvements: list[dict[str, Any]] = []
    drops: list[dict[str, Any]] = []
    if baseline is None:
        return {"baseline": False, "passed": True, "regressions": [], "drops": [], "improvements": [], "new": []}
    explanations = {(c["id"], c["provider"], s["name"]): s["explanation"]
                    for c in report["cases"] for s in c["scores"]}
    new: list[str] = []
    for provider, current in now["providers"].items():
        base = baseline.get("providers", {}).get(provider)
        if base is None:
            new.extend(f"{cid}@{provider}" for cid in current["cases"])
            continue
        for cid, was in base["cases"].items():
            got = current["cases"].get(cid)
            if got is None:
                if not partial:
                    regressions.append({"case": cid, "provider": provider, "scorer": "(case)",
                                        "was": "pass" if was["passed"] else "fail", "now": "missing",
                                        "explanation": "the case is in the baseline but did not run."})
                continue
            for scorer, ok in was["scorers"].items():
                now_ok = got["scorers"].get(scorer)
                row = {"case": cid, "provider": provider, "scorer": scorer,
                       "explanation": explanations.get((cid, provider, scorer), "the scorer no longer applies.")}
                if ok and not now_ok:
                    regressions.append({**row, "was": "pass", "now": "fail" if now_ok is False else "n/a"})
                elif not ok and now_ok:
                    improvements.append({**row, "was": "fail", "now": "pass"})
        new.extend(f"{cid}@{provider}" for cid in current["cases"] if cid not in base["cases"])
        if partial:
            continue
        bt, ct = base.get("totals", {}), current.get("totals", {})
        if bt and ct:
            b_rate = bt["cases"]["passed"] / max(bt["cases"]["total"], 1)
            c_rate = ct["cases"]["passed"] / max(ct["cases"]["total"], 1)
            if c_rate < b_rate - EPSILON:
                drops.append({"provider": provider, "scorer": "(cases passing)", "was": round(b_rate, 4),
                              "now": round(c_rate, 4)})
            for scorer, b in bt["scorers"].items():
                c = ct["scorers"].get(scorer)
                if c is not None and c["mean"] < b["mean"] - EPSILON:
                    drops.append({"provider": provider, "scorer": scorer, "was": b["mean"], "now": c["mean"]})
    drops += detector_drops(baseline, report)
    return {"baseline": True, "passed": not regressions and not drops, "regressions": regressions,
            "drops": drops, "improvements": improvements, "new": sorted(new)}


def diff_table(diff: dict[str, Any], *, limit: int = 40) -> str:
    """The diff as a short fixed-width table for the terminal."""
    if not diff.get("baseline"):
        return "no baseline yet (evals/baseline.json); write one with `cadence eval --update-baseline`"
    lines = []
    rows = [("REGRESSED", r) for r in diff["regressions"]] + [("improved", r) for r in diff["improvements"]]
    if rows:
        lines.append(f"{'':10} {'case@provider':<46} {'scorer':<18} {'was':<5} {'now':<7} why")
        for tag, r in rows[:limit]:
            key = f"{r['case']}@{r['provider']}"
            lines.append(f"{tag:<10} {key:<46} {r['scorer']:<18} {r['was']:<5} {r['now']:<7} {r['explanation']}")
        if len(rows) > limit:
            lines.append(f"... and {len(rows) - limit} more (see report.json)")
    for d in diff["drops"]:
        lines.append(f"{'DROPPED':<10} {'total on ' + d['provider']:<46} {d['scorer']:<18} "
                     f"{d['was']:<5} {d['now']:<7} the total fell below the baseline")
    if diff["new"]:
        lines.append(f"new (not in the baseline): {', '.join(diff['new'][:10])}"
                     + (f" and {len(diff['new']) - 10} more" if len(diff["new"]) > 10 else ""))
    if not lines:
        lines.append("no change against the baseline")
    return "\n".join(lines)
