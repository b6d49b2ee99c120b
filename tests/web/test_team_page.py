"""Where each role lands, and the Team page's nudges: check-in, last 1:1, drafts waiting."""

from __future__ import annotations

from datetime import date

import pytest

from assistant.domain.models import ActionItem, CheckIn, Meeting
from assistant.settings import get_settings
from tests.web.conftest import add_draft, brief_content, csrf_of


@pytest.mark.parametrize("email,landing", [("ppc@t.test", "/week"), ("growth-lead@t.test", "/team"),
                                           ("founder@t.test", "/team")])
def test_each_role_lands_on_its_page(client, tokens, email, landing):
    form = client.get("/signin")
    resp = client.post("/signin", data={"csrf": csrf_of(form.text), "token": tokens[email], "next": "/"},
                       follow_redirects=False)
    assert resp.status_code == 303 and resp.headers["location"] == landing
    assert client.get("/", follow_redirects=False).headers["location"] == landing
    client.cookies.clear()
    assert client.get("/", follow_redirects=False).headers["location"] == "/signin"


def _card(html: str, person_id: int) -> str:
    return html.split(f'id="person-{person_id}"', 1)[1].split("</article>", 1)[0]


def _sign_in(client, token: str) -> None:  # noqa: ANN001
    form = client.get("/signin")
    client.post("/signin", data={"csrf": csrf_of(form.text), "token": token, "next": "/"})


def test_the_team_page_says_what_to_look_at_per_report(client, tokens, session, org, monkeypatch):
    monkeypatch.setenv("CADENCE_TODAY", "2026-09-30")  # 2026-W40
    get_settings.cache_clear()
    ppc, am, lead = org["ppc@t.test"], org["am@t.test"], org["growth-lead@t.test"]
    rushed = Meeting(manager_id=lead.id, report_id=am.id, date=date(2026, 9, 22), status="rushed", minutes=8)
    session.add(rushed)
    session.commit()
    session.add_all([ActionItem(meeting_id=rushed.id, text="Send the image brief", owner_id=am.id,
                                due=date(2026, 9, 25), created_by_id=lead.id),  # overdue on 2026-09-30
                     ActionItem(meeting_id=rushed.id, text="Book the photographer", owner_id=lead.id,
                                due=date(2026, 10, 9), created_by_id=lead.id),
                     ActionItem(meeting_id=rushed.id, text="Agree the keyword list", owner_id=am.id, done=True,
                                created_by_id=am.id)])
    session.commit()
    waiting = add_draft(session, kind="brief", subject=ppc, viewer=lead, period="2026-W38",
                        **brief_content(session, ppc, lead))
    add_draft(session, kind="brief", subject=am, viewer=org["founder@t.test"], period="2026-W38",
              **brief_content(session, am, org["founder@t.test"]))  # the founder's, not the manager's to act on
    _sign_in(client, tokens["growth-lead@t.test"])
    html = client.get("/team").text
    pia, abe = _card(html, ppc.id), _card(html, am.id)
    assert "no check-in</span> this week yet" in pia  # W38 is filed, W40 is not
    assert "Last 1:1: <strong>3 weeks ago</strong>" in pia and "2026-09-10" in pia  # W37's held 1:1
    assert f'href="/drafts/{waiting.id}">1 draft waiting for you' in pia
    assert "Last 1:1: <strong>last week</strong>" in abe and "rushed" in abe and "waiting for you" not in abe
    assert f'href="/meetings/{rushed.id}">2 open action items</a> <span class="pill pill-bad">1 overdue' in abe
    assert "open action item" not in pia
    assert "Your 1:1s with them, 12 weeks to 2026-W40" in html
    session.add(Meeting(manager_id=lead.id, report_id=ppc.id, date=date(2026, 10, 2), status="scheduled"))
    session.commit()
    assert "3 weeks ago" in _card(client.get("/team").text, ppc.id)  # a scheduled 1:1 has not happened


def test_an_empty_check_in_is_not_called_checked_in(client, tokens, session, org, monkeypatch):
    monkeypatch.setenv("CADENCE_TODAY", "2026-09-30")  # 2026-W40
    get_settings.cache_clear()
    ppc, am = org["ppc@t.test"], org["am@t.test"]
    session.add_all([CheckIn(person_id=ppc.id, week="2026-W40", wins="Cut ACOS on the hero SKU to 24%",
                             priorities="Launch the bundle by Friday"),
                     CheckIn(person_id=am.id, week="2026-W40", wins="-", priorities="same as last week")])
    session.commit()
    _sign_in(client, tokens["growth-lead@t.test"])
    html = client.get("/team").text
    pia, abe = _card(html, ppc.id), _card(html, am.id)
    assert "checked in</a> this week" in pia and "empty check-in" not in pia
    assert "empty check-in</a> this week: no wins or priorities written" in abe and "checked in</a>" not in abe


def _rhythm(group: str) -> str:
    return group.split('class="rhythm small">', 1)[1].split("</p>", 1)[0]


def test_a_founder_sees_the_team_grouped_by_manager_with_each_managers_rhythm(client, tokens, org, monkeypatch):
    monkeypatch.setenv("CADENCE_TODAY", "2026-09-30")  # 2026-W40
    get_settings.cache_clear()
    _sign_in(client, tokens["founder@t.test"])
    html = client.get("/team").text
    heads = [h for h in ("Your reports", "Gil Growth's reports", "Oda Ops's reports",
                         "Wes Warehouse's reports") if h in html]
    assert len(heads) == 4 and [html.index(h) for h in heads] == sorted(html.index(h) for h in heads)
    growth = html.split("Gil Growth's reports", 1)[1].split('class="team-group"', 1)[0]
    assert "Pia Ppc" in growth and "Abe Account" in growth and "Pat Picker" not in growth
    assert "Gil Growth's 1:1s with them, 12 weeks to 2026-W40" in _rhythm(growth) and "1 held" in _rhythm(growth)
    ops = html.split("Oda Ops's reports", 1)[1].split('class="team-group"', 1)[0]
    assert "Wes Warehouse" in ops and "0 held" in _rhythm(ops) and "1 cancelled" in _rhythm(ops)


def test_the_team_card_and_the_brief_from_it_say_the_same_numbers(client, tokens, session, org, monkeypatch):
    """The brief the card's button prepares is on the week the card shows, with the card's 1:1 counts."""
    import re

    from assistant.domain.models import Draft

    monkeypatch.setenv("CADENCE_TODAY", "2026-09-30")  # 2026-W40: Pia's last data is W38
    get_settings.cache_clear()
    ppc, lead = org["ppc@t.test"], org["growth-lead@t.test"]
    session.add(Meeting(manager_id=lead.id, report_id=ppc.id, date=date(2026, 9, 17), status="cancelled"))
    session.commit()
    _sign_in(client, tokens["growth-lead@t.test"])
    html = client.get("/team").text
    card = _card(html, ppc.id)
    shown = {k: int(re.search(rf"(\d+) {k}</span>", card).group(1)) for k in ("held", "cancelled", "rushed")}
    assert shown == {"held": 1, "cancelled": 1, "rushed": 0}
    assert "Last 1:1: <strong>3 weeks ago</strong>" in card
    resp = client.post(f"/people/{ppc.id}/brief", data={"csrf": csrf_of(html)}, follow_redirects=False)
    assert resp.status_code == 303, resp.text
    session.rollback()
    draft = session.get(Draft, int(resp.headers["location"].rsplit("/", 1)[1]))
    assert draft.period == "2026-W40"
    cadence = draft.facts["cadence"]
    assert {k: cadence[f"meetings_{k}"] for k in shown} == shown and cadence["weeks_since_held"] == 3
