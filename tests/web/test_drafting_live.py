"""The pages over the real drafting pipeline (offline provider): feedback, brief, goal suggestions."""

from __future__ import annotations

import re
from datetime import date

from assistant.domain.models import Draft, Meeting
from assistant.settings import get_settings
from tests.web.conftest import post_form, sign_in


def test_checkin_gets_offline_feedback(client, tokens):
    sign_in(client, tokens["ppc@t.test"])
    resp = post_form(client, "/week", "/week", {"week": "2026-W39", "wins": "ACOS 26, down from 27.5",
                                                 "priorities": "Hold ACOS", "metric:ppc-acos": "on_track"})
    assert resp.status_code == 303, resp.text
    page = client.get(resp.headers["location"]).text
    assert 'id="feedback"' in page


def test_goal_suggestions_can_be_accepted(client, tokens, org):
    sign_in(client, tokens["growth-lead@t.test"])
    ppc = org["ppc@t.test"]
    resp = post_form(client, "/plan", f"/plan/suggest/{ppc.id}", {"quarter": "2026-Q4"})
    assert resp.status_code == 303, resp.text
    page = client.get(resp.headers["location"]).text
    assert "Accept as goal" in page and "Arithmetic" in page


def _cadence_pills(html: str, person_id: int) -> tuple[str, tuple[int, int, int]]:
    """The 1:1 heading and (held, cancelled, rushed) of one person's card on the Team page."""
    card = html.split(f'id="person-{person_id}"', 1)[1].split("</article>", 1)[0]
    heading = re.search(r"<dt>1:1s \(([^)]*)\)</dt>", card)
    pills = card.split('<dd class="cadence">', 1)[1].split("</dd>", 1)[0]
    counts = tuple(int(re.search(rf"(\d+) {word}", pills)[1]) for word in ("held", "cancelled", "rushed"))
    return heading[1] if heading else "", counts


def test_team_page_counts_the_1on1s_the_brief_counts(client, tokens, session, org, monkeypatch):
    """One week, one count: the Team row and the brief on the same person agree on their 1:1s.

    The week is the clock's (2026-W43), five weeks after the person's latest check-in: the
    twelve ISO weeks end there, so a 1:1 before them and one after the latest check-in are
    where a page judging by the latest check-in and the brief would part ways.
    """
    monkeypatch.setenv("CADENCE_TODAY", "2026-10-21")  # 2026-W43
    get_settings.cache_clear()
    ppc, am, lead = org["ppc@t.test"], org["am@t.test"], org["growth-lead@t.test"]
    session.add_all([Meeting(manager_id=lead.id, report_id=ppc.id, date=date(2026, 7, 1), status="held", minutes=30),
                     Meeting(manager_id=lead.id, report_id=ppc.id, date=date(2026, 10, 15), status="cancelled"),
                     Meeting(manager_id=lead.id, report_id=am.id, date=date(2026, 11, 20), status="held", minutes=25)])
    session.commit()
    sign_in(client, tokens["growth-lead@t.test"])
    heading, counts = _cadence_pills(client.get("/team").text, ppc.id)
    resp = post_form(client, "/team", f"/people/{ppc.id}/brief")
    assert resp.status_code == 303, resp.text
    draft = session.get(Draft, int(resp.headers["location"].rsplit("/", 1)[1]))
    cadence = draft.content["cadence"]
    assert heading == f"{cadence['weeks']} weeks to {draft.period}" == "12 weeks to 2026-W43"
    # W37's held 1:1 and W42's cancelled one; W27's is before the twelve weeks.
    assert counts == (cadence["meetings_held"], cadence["meetings_cancelled"], cadence["meetings_rushed"]) == (1, 1, 0)
