"""Quarters in force and being planned; objectives; KPI links suggested by meaning."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select

from assistant.domain.kpi_links import MIN_CONFIDENCE, confirm_link, links_for
from assistant.domain.models import Kpi, Quarter
from assistant.domain.quarters import (
    create_objective,
    list_quarters,
    past_midpoint,
    planning_quarter,
    quarter_in_force,
    quarter_objectives,
    update_objective,
)
from assistant.domain.schemas import ObjectiveCreate, ObjectiveUpdate
from assistant.errors import Conflict, Forbidden


@pytest.mark.parametrize(("day", "past", "planning"), [
    (date(2026, 10, 1), False, "2026-Q4"), (date(2026, 11, 15), False, "2026-Q4"),
    (date(2026, 11, 16), True, "2027-Q1"), (date(2026, 12, 31), True, "2027-Q1"),
    (date(2027, 2, 14), False, "2027-Q1"), (date(2027, 2, 15), True, "2027-Q2"),
])
def test_planning_looks_ahead_past_the_midpoint(day, past, planning):
    assert past_midpoint(day) is past
    assert planning_quarter(day) == planning


def test_quarter_in_force_is_the_calendars_even_when_a_later_quarter_is_planned(session, org):
    session.add(Quarter(id="2027-Q3"))  # a goal filed far ahead makes a row; it decides nothing
    session.commit()
    assert quarter_in_force(date(2026, 11, 20)) == "2026-Q4"
    rows = {q.id: q for q in list_quarters(session, date(2026, 11, 20))}
    assert rows["2026-Q4"].current and rows["2027-Q1"].next and not rows["2027-Q3"].current


def test_objectives_created_once_reworded_and_retired(session, org):
    founder = org["founder@t.test"]
    row = create_objective(session, founder, "2027-Q1", ObjectiveCreate(key="gm35", title="Gross margin above 35%"))
    with pytest.raises(Conflict):
        create_objective(session, founder, "2027-Q1", ObjectiveCreate(key="gm35", title="again"))
    with pytest.raises(Forbidden):
        create_objective(session, org["growth-lead@t.test"], "2027-Q1", ObjectiveCreate(key="x", title="y"))
    update_objective(session, founder, "2027-Q1", row.id, ObjectiveUpdate(retired=True))
    assert quarter_objectives(session, "2027-Q1") == []
    assert [o.key for o in quarter_objectives(session, "2027-Q1", retired=True)] == ["gm35"]


def _plan_q1(session, founder) -> None:  # noqa: ANN001
    for key, title in [("gm35", "Gross margin back above 35%"), ("stock", "No stock-outs on the top 20 SKUs"),
                       ("launch", "Launch the spring collection by April 1")]:
        create_objective(session, founder, "2027-Q1", ObjectiveCreate(key=key, title=title))


def test_links_follow_meaning_across_renamed_objectives(session, org):
    _plan_q1(session, org["founder@t.test"])
    kpis = list(session.exec(select(Kpi)))
    links = {link.kpi.key: link for link in links_for(session, kpis, "2027-Q1").values()}
    # Last quarter's 'margin' / 'instock' keys are gone; the meaning carries over.
    assert links["ppc-tacos"].objective.key == "gm35" and links["ppc-tacos"].status == "suggested"
    assert "Lift contribution margin to 25%" in links["ppc-tacos"].reason
    assert links["ops-turnover"].objective.key == "stock"
    assert links["brand-margin"].objective.key == "gm35"
    assert all(link.confidence >= MIN_CONFIDENCE for link in links.values() if link.objective)


def test_a_kpi_serving_nothing_is_named_against_the_new_objectives(session, org):
    founder = org["founder@t.test"]
    create_objective(session, founder, "2027-Q1", ObjectiveCreate(key="hire", title="Hire a head of engineering"))
    kpis = list(session.exec(select(Kpi).where(Kpi.key == "ops-turnover")))
    link = links_for(session, kpis, "2027-Q1")[kpis[0].id]
    assert link.objective is None
    assert "'Hire a head of engineering'" in link.reason and "2027-Q1" in link.reason and "instock" not in link.reason


def test_a_confirmed_link_wins_and_stays_in_its_quarter(session, org):
    founder = org["founder@t.test"]
    _plan_q1(session, founder)
    acos = session.exec(select(Kpi).where(Kpi.key == "ppc-acos")).one()
    confirm_link(session, founder, "2027-Q1", "ppc-acos", "launch")
    assert links_for(session, [acos], "2027-Q1")[acos.id].objective.key == "launch"
    assert links_for(session, [acos], "2027-Q1")[acos.id].status == "confirmed"
    assert links_for(session, [acos], "2026-Q4")[acos.id].status == "suggested"
    with pytest.raises(Forbidden):
        confirm_link(session, org["ppc@t.test"], "2027-Q1", "ppc-acos", "gm35")
