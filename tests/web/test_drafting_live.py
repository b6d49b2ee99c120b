"""The pages over the real drafting pipeline (offline provider): feedback, brief, goal suggestions."""

from __future__ import annotations

import pytest

from tests.web.conftest import post_form, sign_in

pytest.importorskip("assistant.drafting")


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
