"""My week beyond the check-in form: the role goals in force with their progress, and the
limit of every long field said up front (a live count with static/app.js)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select

from assistant.domain.models import TEXT_MAX, Kpi, KpiValue
from assistant.domain.schemas import AGENDA_MAX
from assistant.settings import get_settings
from tests.web.conftest import post_form, sign_in


@pytest.fixture
def in_q4(monkeypatch):
    monkeypatch.setenv("CADENCE_TODAY", "2026-10-07")
    get_settings.cache_clear()


def _card(html: str) -> str:
    return html.split('id="goals"', 1)[1].split("</section>", 1)[0]


def test_my_week_shows_the_goals_in_force_with_their_progress(client, tokens, session, in_q4):
    sign_in(client, tokens["ppc@t.test"])
    card = _card(client.get("/week").text)
    assert "My goals for 2026-Q4" in card and "<strong>Bring TACOS under 10%</strong>" in card
    assert "TACOS no value yet · target at most 10.0%" in card and "no reading yet" in card
    tacos = session.exec(select(Kpi).where(Kpi.key == "ppc-tacos")).one()
    session.add(KpiValue(kpi_id=tacos.id, period=date(2026, 10, 5), value=9.4))
    session.commit()
    # The goal's condition as the assessment reads it: the quarter's latest TACOS against the bound.
    card = _card(client.get("/week").text)
    assert "TACOS 9.4% on 2026-10-05 · target at most 10.0%" in card and ">on track<" in card
    # A week of another quarter shows that quarter's goals (none in Q3 here).
    q3 = client.get("/week?w=2026-W30").text.split('id="goals"', 1)[1].split("</section>", 1)[0]
    assert "My goals for 2026-Q3" in q3 and "No role goals for 2026-Q3 yet" in q3


def test_long_fields_say_their_limit_and_the_server_keeps_it(client, tokens, in_q4):
    sign_in(client, tokens["ppc@t.test"])
    html = client.get("/week").text
    for field in ("wins", "priorities", "blockers"):
        wired = f'maxlength="{TEXT_MAX}" aria-describedby="{field}-hint {field}-count" data-counter="{field}-count"'
        assert wired in html
        assert f'id="{field}-count" aria-live="polite">Up to 4,000 characters.' in html
    resp = post_form(client, "/week", "/week", {"week": "2026-W41", "wins": "w" * (TEXT_MAX + 1)})
    assert resp.status_code == 422 and "4000" in resp.text and "w" * TEXT_MAX in resp.text  # the edit is kept


def test_the_1on1_page_counts_notes_agenda_and_action_items(client, tokens, org, in_q4):
    sign_in(client, tokens["growth-lead@t.test"])
    resp = post_form(client, f"/people/{org['ppc@t.test'].id}", f"/people/{org['ppc@t.test'].id}/meetings",
                     {"date": "2026-10-14"})
    html = client.get(resp.headers["location"]).text
    for field, limit in (("notes-shared", TEXT_MAX), ("notes-private", TEXT_MAX), ("agenda-text", AGENDA_MAX),
                         ("action-text", AGENDA_MAX)):
        assert f'data-counter="{field}-count"' in html and f'maxlength="{limit}"' in html
        assert f'id="{field}-count" aria-live="polite">Up to {limit:,} characters.' in html


def test_an_empty_check_in_is_saved_only_when_pressed_again(client, tokens, session):
    from assistant.domain.models import CheckIn, Person

    sign_in(client, tokens["ppc@t.test"])
    me = session.exec(select(Person).where(Person.email == "ppc@t.test")).one()
    def filed() -> int:
        session.rollback()  # a fresh read: the app wrote in its own session
        return len(session.exec(select(CheckIn).where(CheckIn.person_id == me.id, CheckIn.week == "2026-W45")).all())

    assert filed() == 0
    first = post_form(client, "/week", "/week", {"week": "2026-W45", "wins": " ", "priorities": "",
                                                  "blockers": "Waiting on the supplier."})
    assert first.status_code == 422 and "No wins and no priorities written" in first.text
    assert 'name="confirm_empty"' in first.text and "Waiting on the supplier." in first.text  # the form is kept
    assert filed() == 0
    again = post_form(client, "/week", "/week", {"week": "2026-W45", "wins": "", "priorities": "",
                                                  "blockers": "Waiting on the supplier.", "confirm_empty": "1"})
    assert again.status_code == 303 and filed() == 1


def test_the_person_page_shows_the_same_goal_reading(client, tokens, session, in_q4):
    from assistant.domain.models import Person

    tacos = session.exec(select(Kpi).where(Kpi.key == "ppc-tacos")).one()
    session.add(KpiValue(kpi_id=tacos.id, period=date(2026, 10, 5), value=9.4))
    session.commit()
    ppc = session.exec(select(Person).where(Person.email == "ppc@t.test")).one()
    sign_in(client, tokens["growth-lead@t.test"])
    card = _card(client.get(f"/people/{ppc.id}").text)
    assert "Role goals for 2026-Q4" in card and "<strong>Bring TACOS under 10%</strong>" in card
    assert "TACOS 9.4% on 2026-10-05 · target at most 10.0%" in card and ">on track<" in card

