"""The buttons that call the drafting pipeline: success, provider down (503), malformed draft (502), both with retry."""

from __future__ import annotations

from sqlmodel import select

from assistant.domain.models import CheckIn, Draft
from assistant.drafting import DRAFTERS
from assistant.errors import DraftInvalid, ProviderUnavailable
from tests.web.conftest import add_draft, brief_content, post_form, sign_in


def _down(*_args, **_kw):  # noqa: ANN002, ANN003, ANN202
    raise ProviderUnavailable("connection refused", retry_after=7)


def _malformed(*_args, **_kw):  # noqa: ANN002, ANN003, ANN202
    raise DraftInvalid("the draft failed validation after one repair: sections.0.items is empty")


def test_provider_down_keeps_the_checkin_and_offers_a_retry(client, tokens, session, org, monkeypatch):
    monkeypatch.setitem(DRAFTERS, "feedback", _down)
    sign_in(client, tokens["ppc@t.test"])
    resp = post_form(client, "/week", "/week", {"week": "2026-W41", "wins": "Shipped the test"})
    assert resp.status_code == 503 and resp.headers["retry-after"] == "7"
    assert "is saved" in resp.text and 'action="/week/feedback"' in resp.text and 'value="2026-W41"' in resp.text
    saved = session.exec(select(CheckIn).where(CheckIn.week == "2026-W41",
                                               CheckIn.person_id == org["ppc@t.test"].id)).one()
    assert saved.wins == "Shipped the test"
    retry = post_form(client, "/week", "/week/feedback", {"week": "2026-W41"})
    assert retry.status_code == 503


def test_feedback_draft_shows_on_my_week(client, tokens, session, org, monkeypatch):
    ppc = org["ppc@t.test"]

    def fake_feedback(s, viewer, subject, week):  # noqa: ANN001, ANN202
        return add_draft(s, kind="feedback", subject=subject, viewer=viewer, period=week, output={
            "sections": [{"title": "Wins", "items": [{"text": "Clear win with a number.", "sources": ["checkin:1"]}]},
                         {"title": "Sharpen next week", "items": [
                             {"text": "Which decision do you need from Gil?", "sources": []}]}]})

    monkeypatch.setitem(DRAFTERS, "feedback", fake_feedback)
    sign_in(client, tokens["ppc@t.test"])
    resp = post_form(client, "/week", "/week", {"week": "2026-W41", "wins": "ACOS 27"})
    assert resp.status_code == 303 and resp.headers["location"] == "/week?w=2026-W41&notice=saved"
    page = client.get(resp.headers["location"]).text
    assert 'id="feedback"' in page and "Clear win with a number." in page and 'href="/checkins/1"' in page
    assert "Which decision do you need from Gil?" in page
    assert client.get("/drafts?kind=feedback").text.count("Check-in feedback #") == 1
    assert ppc.id is not None


def test_prepare_brief_button(client, tokens, org, monkeypatch):
    def fake_brief(s, viewer, subject, week):  # noqa: ANN001, ANN202
        return add_draft(s, kind="brief", subject=subject, viewer=viewer, period=week,
                         **brief_content(s, subject, viewer))

    monkeypatch.setitem(DRAFTERS, "brief", fake_brief)
    sign_in(client, tokens["growth-lead@t.test"])
    resp = post_form(client, "/team", f"/people/{org['ppc@t.test'].id}/brief")
    assert resp.status_code == 303 and resp.headers["location"].startswith("/drafts/")
    assert "What moved" in client.get(resp.headers["location"]).text
    # Someone outside the manager's tree: 404, whatever the drafter would do.
    assert post_form(client, "/team", f"/people/{org['picker@t.test'].id}/brief").status_code == 404


def test_brief_and_goal_buttons_offer_a_retry_when_drafting_fails(client, tokens, session, org, monkeypatch):
    ppc = org["ppc@t.test"].id
    monkeypatch.setitem(DRAFTERS, "brief", _down)
    monkeypatch.setitem(DRAFTERS, "goals", _malformed)
    sign_in(client, tokens["growth-lead@t.test"])
    brief = post_form(client, "/team", f"/people/{ppc}/brief")
    assert brief.status_code == 503 and brief.headers["retry-after"] == "7"
    assert "The brief could not be written: the assistant is unavailable (connection refused)." in brief.text
    assert f'action="/people/{ppc}/brief"' in brief.text and "Try the brief again" in brief.text
    goals = post_form(client, "/plan", f"/plan/suggest/{ppc}", {"quarter": "2026-Q4"})
    assert goals.status_code == 502 and "retry-after" not in goals.headers
    assert "sections.0.items is empty" in goals.text and "Try the suggestions again" in goals.text
    assert f'action="/plan/suggest/{ppc}"' in goals.text and 'value="2026-Q4"' in goals.text
    # Neither failure leaves a draft behind.
    assert session.exec(select(Draft)).all() == []
