"""What is worth recognising: never a gamed or vanity KPI, never a volume count on its own."""

from __future__ import annotations

from assistant.assessment.model import BlockerThread, GoalReading, KpiReading, Win


def wins_worth_recognising(readings: list[KpiReading], goals: list[GoalReading],
                           threads: list[BlockerThread]) -> list[Win]:
    out = [Win(kind="kpi", label=r.name, kpi=r.key, sources=r.sources) for r in readings if r.praiseworthy]
    praised = {w.kpi for w in out}
    for g in goals:
        k = next((r for r in readings if r.key == g.kpi), None)
        if g.on_track and k is not None and k.verdict == "healthy" and g.kpi not in praised:
            out.append(Win(kind="goal", label=g.title, kpi=g.kpi, sources=g.sources))
    out += [Win(kind="blocker_cleared", label=t.label, sources=t.sources[-1:])
            for t in threads if t.status == "resolved" and t.recurring]
    return out
