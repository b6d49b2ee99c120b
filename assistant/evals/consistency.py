"""The Team page and the brief side by side: the numbers each states about one person's week.

A manager reads "4 cancelled" on the Team page and opens the brief: it must say 4 too. The
eval drafts the brief (offline provider: the facts do not depend on the model) and builds the
Team page's rows as the page does, then compares, field by field, what both state: the week
judged, 1:1s held, cancelled and rushed, weeks since the last held 1:1, whether this week's
check-in is filed, and each KPI's audit verdict (and its on-target status, when the brief
keeps its readings).
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from assistant.domain.models import Person

CADENCE = (("held", "meetings_held"), ("cancelled", "meetings_cancelled"), ("rushed", "meetings_rushed"),
           ("weeks_since_held", "weeks_since_held"))
"""(the assessment's name, the brief facts' name) for each 1:1 count."""
ABSENT = "absent"


def team_numbers(row: Any) -> dict[str, Any]:
    """What a Team page row states: its assessment (``row.a``) and this week's check-in (``row.checkin``)."""
    a = row.a
    return {"week": a.week, **{name: getattr(a.cadence, name) for name, _ in CADENCE},
            "checkin_filed": row.checkin is not None,
            "kpis": {k.key: {"on_target": k.on_target, "verdict": k.verdict} for k in a.kpis}}


def brief_numbers(facts: dict[str, Any]) -> dict[str, Any]:
    """What a brief's stored facts state, ``absent`` for a number they do not carry.

    A brief states its check-in as the data's age (the last check-in's week), its KPIs' audit
    verdicts as ``verdicts`` and their readings, with on-target status, as ``kpis`` when it keeps them.
    """
    cadence = facts.get("cadence") or {}
    week = facts.get("week", ABSENT)
    checkin = facts.get("checkin") or {}
    age = facts.get("data_age") or {}
    filed = checkin.get("filed", ABSENT if "last_checkin_week" not in age else age["last_checkin_week"] == week)
    readings = {k["key"]: k for k in facts.get("kpis") or [] if isinstance(k, dict) and "key" in k}
    verdicts = facts.get("verdicts") or {k: r.get("verdict", ABSENT) for k, r in readings.items()}
    return {"week": week, **{name: cadence.get(key, ABSENT) for name, key in CADENCE}, "checkin_filed": filed,
            "kpis": {k: {"on_target": readings.get(k, {}).get("on_target", ABSENT), "verdict": v}
                     for k, v in verdicts.items()}}


def observe(session: Session, viewer: Person, subject: Person, week: str) -> dict[str, Any]:
    """The brief's numbers for ``week`` and the Team page's row for ``subject``, as ``viewer`` sees both."""
    from assistant.drafting import DRAFTERS
    from assistant.llm.offline import OfflineProvider
    from assistant.web.team_view import team_groups

    draft = DRAFTERS["brief"](session, viewer, subject, week, provider=OfflineProvider())
    rows = [r for g in team_groups(session, viewer) for r in g.rows if r.person.id == subject.id]
    return {"brief": brief_numbers(dict(draft.facts)), "team": team_numbers(rows[0]) if rows else None}


def differences(team: dict[str, Any], brief: dict[str, Any]) -> tuple[list[str], int]:
    """One phrase per number the two disagree on, and how many numbers were compared."""
    diffs: list[str] = []
    compared = 0
    labels = {"week": "judges the week", "held": "counts held 1:1s", "cancelled": "counts cancelled 1:1s",
              "rushed": "counts rushed 1:1s", "weeks_since_held": "counts weeks since a held 1:1",
              "checkin_filed": "says whether this week's check-in is filed"}
    for key, label in labels.items():
        compared += 1
        t, b = team.get(key), brief.get(key, ABSENT)
        if b == ABSENT:
            diffs.append(f"the Team page {label} ({t}), the brief does not say")
        elif t != b:
            diffs.append(f"the Team page {label} {t}, the brief {b}")
    brief_kpis = brief.get("kpis") or {}
    for key, t in (team.get("kpis") or {}).items():
        b = brief_kpis.get(key)
        if b is None:
            compared += 1
            diffs.append(f"the Team page shows {key} ({t['verdict']}), the brief does not")
            continue
        for field in ("verdict", "on_target"):
            if field == "on_target" and b.get(field, ABSENT) == ABSENT:
                continue  # a brief that keeps only verdicts states no status to compare
            compared += 1
            if b.get(field, ABSENT) == ABSENT:
                diffs.append(f"the Team page gives {key} {field} {t[field]}, the brief does not say")
            elif b[field] != t[field]:
                diffs.append(f"the Team page gives {key} {field} {t[field]}, the brief {b[field]}")
    return diffs, compared
