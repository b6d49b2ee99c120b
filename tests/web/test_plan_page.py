"""The Quarter plan page: which quarter it opens on, objectives and KPI links for founders."""

from __future__ import annotations

import re

import pytest
from sqlmodel import select

from assistant.domain.models import KpiLink, Objective, Person
from assistant.settings import get_settings
from tests.web.conftest import post_form, sign_in


def fresh(session) -> None:  # noqa: ANN001
    session.rollback()
    session.expire_all()


def _today(monkeypatch, day: str) -> None:
    monkeypatch.setenv("CADENCE_TODAY", day)
    get_settings.cache_clear()


@pytest.mark.parametrize(("day", "opens_on"), [("2026-11-20", "2027-Q1"), ("2026-10-20", "2026-Q4"),
                                               ("2027-02-16", "2027-Q2")])
def test_plan_opens_on_next_quarter_past_the_midpoint(client, tokens, monkeypatch, day, opens_on):
    _today(monkeypatch, day)
    sign_in(client, tokens["founder@t.test"])
    html = client.get("/plan").text
    assert f'Quarter plan <span class="muted">{opens_on}</span>' in html
    # The next quarter is offered in the selector even before it has objectives.
    options = re.findall(r'<option value="(\d{4}-Q\d)"', html)
    assert opens_on in options


def test_founder_adds_edits_retires_objectives_and_confirms_a_link(client, tokens, session, monkeypatch):
    _today(monkeypatch, "2026-11-20")
    sign_in(client, tokens["founder@t.test"])
    resp = post_form(client, "/plan", "/plan/objectives",
                     {"quarter": "2027-Q1", "key": "gm35", "title": "Gross margin back  above 35%"})
    assert resp.status_code == 303 and resp.headers["location"].startswith("/plan?q=2027-Q1")
    post_form(client, "/plan", "/plan/objectives", {"quarter": "2027-Q1", "key": "stock",
                                                    "title": "No stock-outs on the top 20 SKUs"})
    fresh(session)
    gm = session.exec(select(Objective).where(Objective.quarter_id == "2027-Q1", Objective.key == "gm35")).one()
    assert gm.title == "Gross margin back above 35%"
    html = client.get("/plan?q=2027-Q1").text
    # Links are suggested by meaning, with a reason, and offered for confirmation.
    assert "Which objective each KPI serves in 2027-Q1" in html and "suggested" in html
    assert 'action="/plan/links"' in html
    resp = post_form(client, "/plan?q=2027-Q1", "/plan/links", {"quarter": "2027-Q1", "kpi": "ppc-tacos",
                                                                "objective": "gm35"})
    assert resp.status_code == 303
    fresh(session)
    link = session.exec(select(KpiLink).where(KpiLink.quarter_id == "2027-Q1")).one()
    assert link.objective_id == gm.id
    post_form(client, "/plan?q=2027-Q1", f"/plan/objectives/{gm.id}", {"quarter": "2027-Q1", "title": "Margin 36%",
                                                                       "action": "save"})
    post_form(client, "/plan?q=2027-Q1", f"/plan/objectives/{gm.id}", {"quarter": "2027-Q1", "action": "retire"})
    fresh(session)
    gm = session.get(Objective, gm.id)
    assert gm.title == "Margin 36%" and gm.retired
    html = client.get("/plan?q=2027-Q1").text
    assert "<s>Margin 36%</s>" in html and "Restore" in html


def test_managers_read_the_plan_but_do_not_write_objectives(client, tokens, session):
    sign_in(client, tokens["growth-lead@t.test"])
    html = client.get("/plan?q=2026-Q4").text
    assert 'action="/plan/objectives"' not in html and "Lift contribution margin to 25%" in html
    resp = post_form(client, "/plan?q=2026-Q4", "/plan/objectives", {"quarter": "2026-Q4", "key": "x",
                                                                     "title": "Sneaky"})
    assert resp.status_code == 403
    resp = post_form(client, "/plan?q=2026-Q4", "/plan/links", {"quarter": "2026-Q4", "kpi": "ppc-acos",
                                                                "objective": "instock"})
    assert resp.status_code == 403
    fresh(session)
    assert session.exec(select(KpiLink)).all() == []


def test_a_drafted_suggestion_shows_one_sentence_the_steps_behind_a_toggle_and_a_suggested_link(
        client, tokens, session, monkeypatch):
    _today(monkeypatch, "2026-11-20")
    sign_in(client, tokens["founder@t.test"])
    post_form(client, "/plan", "/plan/objectives", {"quarter": "2027-Q1", "key": "gm35",
                                                    "title": "Contribution margin back above 35%"})
    ppc = session.exec(select(Person).where(Person.email == "ppc@t.test")).one()
    resp = post_form(client, "/plan?q=2027-Q1", f"/plan/suggest/{ppc.id}", {"quarter": "2027-Q1"})
    assert resp.status_code == 303, resp.text
    html = client.get("/plan?q=2027-Q1").text
    assert "<summary class=\"small\">Every step</summary>" in html and "suggested link" in html
    assert re.search(r"<p>baseline [^<]*; proposed [^<]* by 2027-03-31[^<]*</p>", html)


def test_only_whoever_asked_for_the_suggestions_is_offered_accept(client, tokens, session, org):
    from tests.web.conftest import add_draft, goals_content

    draft = add_draft(session, kind="goals", subject=org["ppc@t.test"], viewer=org["founder@t.test"],
                      **goals_content(), period="2026-Q4")
    accept = f'action="/plan/suggestions/{draft.id}/0/accept"'
    sign_in(client, tokens["growth-lead@t.test"])
    html = client.get("/plan?q=2026-Q4").text
    card = html.split(f'id="person-{org["ppc@t.test"].id}"', 1)[1].split("</article>", 1)[0]
    assert "Hold TACOS at or under 9.5% through Q4" in card and ">Accept as goal<" not in card
    assert "who accepts them" in card and " readonly" in card
    assert "KPI: TACOS" in card and "<code>ppc-tacos</code>" not in card  # the KPI's name, not its id
    # The button would have been a 403: only the requester changes a draft.
    assert post_form(client, "/plan?q=2026-Q4", f"/plan/suggestions/{draft.id}/0/accept").status_code == 403
    sign_in(client, tokens["founder@t.test"])
    html = client.get("/plan?q=2026-Q4").text
    assert accept in html and ">Accept as goal<" in html and "who accepts them" not in html


def test_a_target_that_is_not_a_number_is_refused_beside_the_form_with_the_edit_kept(client, tokens, session, org):
    from assistant.domain.models import RoleGoal
    from tests.web.conftest import add_draft, goals_content

    ppc = org["ppc@t.test"]
    sign_in(client, tokens["growth-lead@t.test"])
    resp = post_form(client, "/plan?q=2026-Q4", "/plan/goals", {
        "person_id": str(ppc.id), "quarter": "2026-Q4", "title": "Keep new-to-brand above 30%", "target": "abc",
        "kpi": "ppc-tacos"})
    assert resp.status_code == 422 and "could not convert" not in resp.text
    card = resp.text.split(f'id="person-{ppc.id}"', 1)[1].split("</article>", 1)[0]
    add = card.split('<details class="add-goal" open>', 1)[1]
    assert "the target &#39;abc&#39; is not a number" in add and 'value="Keep new-to-brand above 30%"' in add
    assert 'value="abc" aria-invalid="true"' in add and '<option value="ppc-tacos" selected>' in add

    goal = session.exec(select(RoleGoal).where(RoleGoal.person_id == ppc.id)).first()
    resp = post_form(client, "/plan?q=2026-Q4", f"/plan/goals/{goal.id}",
                     {"title": "Reworded title", "target": "1e999", "status": "active", "quarter": "2026-Q4"})
    assert resp.status_code == 422 and 'value="Reworded title"' in resp.text and "is not a number" in resp.text
    fresh(session)
    assert session.get(RoleGoal, goal.id).title == "Bring TACOS under 10%"

    draft = add_draft(session, kind="goals", subject=ppc, viewer=org["growth-lead@t.test"], **goals_content(),
                      period="2026-Q4")
    resp = post_form(client, "/plan?q=2026-Q4", f"/plan/suggestions/{draft.id}/0/accept",
                     {"title": "My wording", "target": "ten", "quarter": "2026-Q4"})
    assert resp.status_code == 422 and ">My wording</textarea>" in resp.text and 'value="ten"' in resp.text
