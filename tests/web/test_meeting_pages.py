"""The 1:1 on the web: scheduling and status by the manager, agenda from My week and from a
brief, notes shared and private, action items ticked, and who sees which form."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from assistant.app import create_app
from assistant.domain.models import ActionItem, AgendaItem, Meeting
from assistant.settings import get_settings
from tests.web.conftest import add_draft, brief_content, post_form, sign_in

MANAGER, REPORT, FOUNDER, OUTSIDER = "growth-lead@t.test", "ppc@t.test", "founder@t.test", "ops-lead@t.test"


@pytest.fixture
def browsers(engine, tokens, monkeypatch):
    """A signed-in client per person (each with its own cookie jar)."""
    monkeypatch.setenv("CADENCE_TODAY", "2026-09-16")
    get_settings.cache_clear()  # the pinned day, not the one a fixture before read
    opened = {}
    for email in (MANAGER, REPORT, FOUNDER, OUTSIDER):
        c = TestClient(create_app())
        c.__enter__()
        sign_in(c, tokens[email])
        opened[email] = c
    yield opened
    for c in opened.values():
        c.__exit__(None, None, None)


def fresh(session) -> None:  # noqa: ANN001
    session.rollback()
    session.expire_all()


def schedule(client, person_id: int, day: str = "2026-09-22", back: str | None = None):  # noqa: ANN001, ANN201
    data = {"date": day} | ({"back": back} if back else {})
    return post_form(client, f"/people/{person_id}", f"/people/{person_id}/meetings", data)


def test_the_manager_schedules_records_and_writes_the_report_reads_all_but_the_private_note(browsers, org, session):
    manager, report, founder = browsers[MANAGER], browsers[REPORT], browsers[FOUNDER]
    resp = schedule(manager, org[REPORT].id)
    assert resp.status_code == 303
    url = resp.headers["location"].split("?")[0]
    meeting_id = int(url.rsplit("/", 1)[1])
    page = manager.get(url).text
    assert "Date and status" in page and "Schedule the next 1:1" in page and "scheduled" in page

    assert post_form(manager, url, url, {"form": "status", "status": "held", "date": "2026-09-16",
                                         "minutes": "40"}).status_code == 303
    assert post_form(manager, url, f"{url}/agenda", {"text": "Budget <b>split</b>"}).status_code == 303
    assert post_form(manager, url, url, {"form": "notes", "notes": "Agreed to test the bid rule.",
                                         "private_notes": "Manager-only worry"}).status_code == 303
    for text, owner, due in (("Send the test plan", "report", "2026-09-15"), ("Ask finance", "manager", "")):
        assert post_form(manager, url, f"{url}/actions", {"text": text, "owner": owner, "due": due}).status_code == 303
    assert post_form(report, url, url, {"form": "notes", "notes": "Agreed to test the bid rule.",
                                        "private_notes": "Report-only thought"}).status_code == 303

    fresh(session)
    m = session.get(Meeting, meeting_id)
    assert (m.status, m.minutes, str(m.date)) == ("held", 40, "2026-09-16")
    actions = session.exec(select(ActionItem).where(ActionItem.meeting_id == meeting_id)).all()
    assert {(a.text, a.owner_id) for a in actions} == {("Send the test plan", org[REPORT].id),
                                                        ("Ask finance", org[MANAGER].id)}

    seen = report.get(url).text
    assert "Agreed to test the bid rule." in seen and "Send the test plan" in seen and "Ask finance" in seen
    assert "Budget &lt;b&gt;split&lt;/b&gt;" in seen and "<b>split</b>" not in seen
    assert "Report-only thought" in seen and "Manager-only worry" not in seen
    assert "Date and status" not in seen  # only the manager runs the meeting
    assert "overdue" in seen
    mine = manager.get(url).text
    assert "Manager-only worry" in mine and "Report-only thought" not in mine

    above = founder.get(url).text
    assert "Agreed to test the bid rule." in above and "Send the test plan" in above
    assert "Manager-only worry" not in above and "Report-only thought" not in above
    assert 'name="private_notes"' not in above and "Add to agenda" not in above and "a manager above" in above
    assert browsers[OUTSIDER].get(url).status_code == 404

    # the report ticks an item done; the page shows it done and offers to reopen it
    send = next(a for a in actions if a.text == "Send the test plan")
    assert post_form(report, url, f"/actions/{send.id}", {"done": "1"}).status_code == 303
    fresh(session)
    assert session.get(ActionItem, send.id).done
    assert "Reopen" in report.get(url).text
    assert post_form(founder, url, f"/actions/{send.id}", {"done": "0"}).status_code == 403


def test_the_report_adds_to_the_next_agenda_from_my_week_and_sees_their_actions(browsers, org, session):
    manager, report = browsers[MANAGER], browsers[REPORT]
    assert "No 1:1 is scheduled yet" in report.get("/week").text
    meeting_id = int(schedule(manager, org[REPORT].id).headers["location"].split("?")[0].rsplit("/", 1)[1])
    post_form(manager, f"/meetings/{meeting_id}", f"/meetings/{meeting_id}/actions",
              {"text": "Draft the promo calendar", "owner": "report", "due": "2026-09-20"})
    week = report.get("/week").text
    assert "My next 1:1" in week and "2026-09-22" in week and "Draft the promo calendar" in week
    resp = post_form(report, "/week", f"/meetings/{meeting_id}/agenda",
                     {"text": "Can I own the promo budget?", "back": "/week#one-on-one"})
    assert resp.status_code == 303 and resp.headers["location"] == "/week#one-on-one"
    assert "Can I own the promo budget?" in report.get("/week").text
    fresh(session)
    item = session.exec(select(AgendaItem)).one()
    assert (item.author_id, item.meeting_id) == (org[REPORT].id, meeting_id)
    # a back link to another site is not followed
    resp = post_form(report, "/week", f"/meetings/{meeting_id}/agenda", {"text": "x", "back": "https://evil.test/"})
    assert resp.headers["location"].startswith(f"/meetings/{meeting_id}")


def test_each_brief_point_goes_on_the_agenda_with_one_click(browsers, org, session):
    manager = browsers[MANAGER]
    subject, viewer = org[REPORT], org[MANAGER]
    draft = add_draft(session, kind="brief", subject=subject, viewer=viewer, period="2026-W38",
                      **brief_content(session, subject, viewer))
    page = manager.get(f"/drafts/{draft.id}").text
    assert "Schedule your next 1:1" in page and "Add to agenda" not in page
    resp = schedule(manager, subject.id, back=f"/drafts/{draft.id}")
    assert resp.headers["location"] == f"/drafts/{draft.id}"
    page = manager.get(f"/drafts/{draft.id}").text
    forms = re.findall(r'<form method="post" action="/meetings/(\d+)/agenda" class="add-agenda">', page)
    assert len(forms) == 3  # two talking points and one question
    point = "ACOS fell to 27.5% while TACOS rose."  # the markdown emphasis is dropped
    resp = post_form(manager, f"/drafts/{draft.id}", f"/meetings/{forms[0]}/agenda",
                     {"text": point, "back": f"/drafts/{draft.id}"})
    assert resp.headers["location"] == f"/drafts/{draft.id}"
    page = manager.get(f"/drafts/{draft.id}").text
    assert page.count('class="add-agenda"') == 2 and "on the agenda" in page
    fresh(session)
    assert [a.text for a in session.exec(select(AgendaItem))] == [point]
    # the founder reads the brief but holds no 1:1 with the report through it: no buttons
    assert "Add to agenda" not in browsers[FOUNDER].get(f"/drafts/{draft.id}").text


def test_a_refused_form_keeps_what_was_typed(browsers, org):
    manager = browsers[MANAGER]
    url = schedule(manager, org[REPORT].id).headers["location"].split("?")[0]
    resp = post_form(manager, url, f"{url}/actions", {"text": "Keep this wording", "owner": "report",
                                                      "due": "2026-02-30"})
    assert resp.status_code == 422 and 'role="alert"' in resp.text and 'value="Keep this wording"' in resp.text
    resp = post_form(manager, url, url, {"form": "notes", "notes": "n" * 4001, "private_notes": "mine"})
    assert resp.status_code == 422 and "4000" in resp.text
    resp = schedule(manager, org[REPORT].id, day="2026-09-22")  # the same day again: it is the same 1:1
    assert resp.status_code == 303
    assert post_form(browsers[REPORT], url, url, {"form": "status", "status": "held"}).status_code == 403
    assert schedule(browsers[REPORT], org[REPORT].id).status_code == 403
    assert manager.post(f"{url}/agenda", data={"text": "no csrf"}).status_code == 403


def test_the_person_page_links_each_1on1_and_offers_scheduling_to_their_managers(browsers, org):
    schedule(browsers[MANAGER], org[REPORT].id)
    page = browsers[MANAGER].get(f"/people/{org[REPORT].id}").text
    assert re.search(r'<a href="/meetings/\d+">2026-09-22</a>', page) and "Schedule a 1:1" in page
    assert "Schedule a 1:1" not in browsers[REPORT].get(f"/people/{org[REPORT].id}").text


def test_marking_a_1on1_ahead_of_today_held_is_refused_in_the_form(browsers, org, session):
    manager = browsers[MANAGER]
    url = schedule(manager, org[REPORT].id, day="2026-09-22").headers["location"].split("?")[0]
    resp = post_form(manager, url, url, {"form": "status", "status": "held", "date": "2026-09-23", "minutes": "30"})
    assert resp.status_code == 422 and "has not happened yet" in resp.text
    status_card = resp.text.split('id="status"', 1)[1].split("</section>", 1)[0]
    assert 'role="alert"' in status_card and 'value="2026-09-23"' in status_card  # the error and the edit kept
    assert 'value="held" selected' in status_card
    fresh(session)
    assert session.get(Meeting, int(url.rsplit("/", 1)[1])).status == "scheduled"
    resp = post_form(manager, f"/people/{org[REPORT].id}", f"/people/{org[REPORT].id}/meetings",
                     {"date": "2026-09-30", "status": "rushed"})
    assert resp.status_code == 422 and "has not happened yet" in resp.text
