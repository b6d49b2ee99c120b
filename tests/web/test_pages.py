"""Pages through the TestClient: sign-in, CSRF, headers, permissions, escaping, drafts."""

from __future__ import annotations

from sqlmodel import select

from assistant.domain.models import ApiToken, CheckIn, Draft, RoleGoal
from assistant.settings import get_settings
from tests.web.conftest import add_draft, csrf_of, goals_content, post_form, sign_in


def fresh(session) -> None:  # noqa: ANN001
    """End the test session's read snapshot so it sees what the server committed."""
    session.rollback()
    session.expire_all()


XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def test_pages_need_sign_in_and_redirect_there(client, tokens):
    for path in ("/week", "/team", "/drafts", "/audit", "/plan"):
        resp = client.get(path, follow_redirects=False)
        assert resp.status_code == 303 and resp.headers["location"].startswith("/signin?next=")


def test_sign_in_sets_a_signed_httponly_cookie_and_sign_out_revokes(client, tokens, session):
    sign_in(client, tokens["ppc@t.test"])
    cookie = client.cookies.get("cadence_session")
    assert cookie and "cad_" not in cookie.split(".")[-1]
    assert "Pia Ppc" in client.get("/week").text
    web = session.exec(select(ApiToken).where(ApiToken.name == "web session")).all()
    assert len(web) == 1 and web[0].revoked_at is None
    resp = post_form(client, "/week", "/signout")
    assert resp.status_code == 303
    fresh(session)
    assert session.get(ApiToken, web[0].id).revoked_at is not None
    assert client.get("/week", follow_redirects=False).status_code == 303


def test_set_cookie_flags(client, tokens):
    form = client.get("/signin")
    resp = client.post("/signin", data={"csrf": csrf_of(form.text), "token": tokens["ppc@t.test"]},
                       follow_redirects=False)
    flags = resp.headers["set-cookie"].lower()
    assert "httponly" in flags and "samesite=lax" in flags


def test_bad_token_and_bad_csrf(client, tokens):
    form = client.get("/signin")
    bad = client.post("/signin", data={"csrf": csrf_of(form.text), "token": "cad_nope"})
    assert bad.status_code == 401 and "unknown or revoked" in bad.text
    forged = client.post("/signin", data={"csrf": "forged", "token": tokens["ppc@t.test"]})
    assert forged.status_code == 403 and "<h1>Not allowed</h1>" in forged.text
    cross = client.post("/signin", data={"csrf": csrf_of(form.text), "token": tokens["ppc@t.test"]},
                        headers={"origin": "https://evil.test"})
    assert cross.status_code == 403


def test_security_headers_on_pages_and_api(client, tokens):
    page = client.get("/signin")
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "object-src 'none'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["cache-control"] == "no-store"
    api = client.get("/api/health")
    assert api.headers["x-frame-options"] == "DENY"
    assert client.get("/static/style.css").status_code == 200


def test_api_keeps_json_errors(client, tokens):
    resp = client.get("/api/people/me")
    assert resp.status_code == 401 and resp.json()["error"] == "unauthorized"
    assert client.get("/api/nope").headers["content-type"].startswith("application/json")


def test_member_cannot_reach_team_or_plan(client, tokens):
    sign_in(client, tokens["ppc@t.test"])
    for path in ("/team", "/plan"):
        resp = client.get(path)
        assert resp.status_code == 403 and "managers and founders" in resp.text
    assert 'href="/team"' not in client.get("/week").text


def test_unseen_person_is_a_404_page(client, tokens, org):
    sign_in(client, tokens["growth-lead@t.test"])
    resp = client.get(f"/people/{org['picker@t.test'].id}")
    assert resp.status_code == 404 and "<h1>Not found</h1>" in resp.text
    assert client.get("/no/such/page").status_code == 404


def test_file_a_checkin_through_the_form(client, tokens, session, org):
    sign_in(client, tokens["ppc@t.test"])
    resp = post_form(client, "/week?w=2026-W40", "/week", {
        "week": "2026-W40", "wins": XSS, "priorities": "Hold TACOS", "blockers": "",
        "metric:ppc-acos": "on_track", "metric:ppc-tacos": "off_track"})
    assert resp.status_code == 303 and resp.headers["location"].startswith("/week?w=2026-W40&notice=saved")
    row = session.exec(select(CheckIn).where(CheckIn.person_id == org["ppc@t.test"].id,
                                             CheckIn.week == "2026-W40")).one()
    assert row.wins == XSS and row.metrics == {"ppc-acos": "on_track", "ppc-tacos": "off_track"}
    page = client.get(resp.headers["location"])
    assert "Check-in saved" in page.text
    assert "<script>alert" not in page.text and "&lt;script&gt;" in page.text
    shown = client.get(f"/checkins/{row.id}").text
    assert "<img src=x" not in shown and "&lt;img src=x onerror=alert(1)&gt;" in shown


def test_checkin_form_rejects_too_long_and_foreign_kpis(client, tokens):
    sign_in(client, tokens["ppc@t.test"])
    long = post_form(client, "/week", "/week", {"week": "2026-W41", "wins": "x" * 4001})
    assert long.status_code == 422 and "wins" in long.text
    foreign = post_form(client, "/week", "/week", {"week": "2026-W41", "wins": "Shipped the test.",
                                                   "metric:ops-turnover": "on_track"})
    assert foreign.status_code == 422 and "not your KPIs" in foreign.text


def test_team_page_shows_reports_status_and_cadence(client, tokens, monkeypatch):
    monkeypatch.setenv("CADENCE_TODAY", "2026-09-16")  # 2026-W38, the small org's latest week
    get_settings.cache_clear()
    sign_in(client, tokens["growth-lead@t.test"])
    html = client.get("/team").text
    assert "Pia Ppc" in html and "Abe Account" in html and "Pat Picker" not in html
    assert "2026-W38" in html and "Off target" in html and "1 held" in html
    assert "Prepare 1:1 brief" in html and "As of 2026-W38" not in html  # nothing stale


def test_the_team_page_says_how_old_the_data_is(client, tokens, org, monkeypatch):
    """Seven weeks on, the week in force is the clock's: the card says how old its data is."""
    monkeypatch.setenv("CADENCE_TODAY", "2026-11-04")  # 2026-W45
    get_settings.cache_clear()
    sign_in(client, tokens["growth-lead@t.test"])
    html = client.get("/team").text
    pia = html.split(f'id="person-{org["ppc@t.test"].id}"', 1)[1].split("</article>", 1)[0]
    assert "As of 2026-W45: last check-in 2026-W38, seven weeks ago; no KPI value since 2026-09-14, " \
           "seven weeks ago." in pia
    assert "no check-in</span> this week yet" in pia
    assert "Last 1:1: <strong>8 weeks ago</strong>" in pia and "1:1s slipping" in pia
    assert "1:1s (12 weeks to 2026-W45)" in pia and "1 held" in pia


def test_pages_take_today_from_the_settings(client, tokens, monkeypatch):
    """A pinned CADENCE_TODAY is the page's today: its week, and the values as of that week."""
    sign_in(client, tokens["ppc@t.test"])
    unpinned = client.get("/week").text
    assert "latest 10.5%" in unpinned and 'value="2026-W37"' not in unpinned
    monkeypatch.setenv("CADENCE_TODAY", "2026-09-09")
    get_settings.cache_clear()
    pinned = client.get("/week").text
    assert 'My week <span class="muted">2026-W37</span>' in pinned and 'name="week" value="2026-W37"' in pinned
    # TACOS as of the Sunday of 2026-W37: the 2026-09-14 value is still in the future.
    assert "latest 9.0%" in pinned and "latest 10.5%" not in pinned
    sign_in(client, tokens["growth-lead@t.test"])
    assert 'Team <span class="muted">2026-W37</span>' in client.get("/team").text


def test_brief_page_links_every_source(client, tokens, brief, org):
    sign_in(client, tokens["growth-lead@t.test"])
    html = client.get(f"/drafts/{brief.id}").text
    assert 'href="/kpis/ppc-acos#v-2026-09-14"' in html
    assert 'href="/playbook/gaming-acos-tacos"' in html
    assert 'href="/checkins/' in html and 'href="/meetings/' in html
    assert "<strong>27.5%</strong>" in html  # markdown rendered through the sanitiser
    # ACOS, flagged, then its guardrail TACOS: Pia's own KPI, charted once, right after it.
    assert html.count("<svg") == 2 and "Guardrail beside the flagged KPI" not in html
    assert html.index('aria-label="ACOS"') < html.index('aria-label="TACOS"')
    kpi = client.get("/kpis/ppc-acos")
    # The KPI's own chart, then its guardrail's, titled as one.
    assert kpi.status_code == 200 and kpi.text.count("<svg") == 2
    assert kpi.text.index('aria-label="ACOS"') < kpi.text.index('aria-label="TACOS"') < kpi.text.index(
        "<figcaption>Guardrail of ACOS</figcaption>")
    meeting = client.get("/meetings/1", follow_redirects=False)  # a 1:1 a brief cites has its own page
    assert meeting.status_code == 200 and "<h1>Gil Growth and" in meeting.text


def test_brief_is_not_for_its_subject(client, tokens, brief):
    sign_in(client, tokens["ppc@t.test"])
    assert client.get(f"/drafts/{brief.id}").status_code == 404


def test_accept_edit_discard(client, tokens, brief, session):
    sign_in(client, tokens["growth-lead@t.test"])
    url = f"/drafts/{brief.id}"
    assert 'name="item-0-0"' in client.get(url + "?edit=1").text
    resp = post_form(client, url, url + "/edit", {"item-0-0": "Reworded <b>claim</b>", "item-1-0": "",
                                                  "questions-0": "A better question?"})
    assert resp.status_code == 303
    fresh(session)
    draft = session.get(Draft, brief.id)
    assert draft.status == "edited"
    assert draft.content["sections"][0]["items"][0]["text"] == "Reworded <b>claim</b>"
    assert draft.content["sections"][0]["items"][0]["sources"][0].startswith("checkin:")
    assert draft.content["sections"][1]["items"] == [] and draft.content["questions"] == ["A better question?"]
    assert "Reworded &lt;b&gt;claim&lt;/b&gt;" in client.get(url).text
    assert post_form(client, url, url + "/accept").status_code == 303
    fresh(session)
    assert session.get(Draft, brief.id).status == "accepted"
    md = client.get(url + "/markdown")
    assert md.headers["content-type"].startswith("text/markdown") and "## What moved" in md.text
    assert post_form(client, url, url + "/discard").status_code == 303
    fresh(session)
    assert session.get(Draft, brief.id).status == "discarded"


def test_drafts_history_filters(client, tokens, brief, session, org):
    add_draft(session, kind="goals", subject=org["ppc@t.test"], viewer=org["growth-lead@t.test"],
              **goals_content(), period="2026-Q4")
    sign_in(client, tokens["growth-lead@t.test"])
    everything = client.get("/drafts").text
    assert "1:1 brief #" in everything and "Goal suggestions #" in everything
    only_goals = client.get("/drafts?kind=goals").text
    assert "1:1 brief #" not in only_goals and "Goal suggestions #" in only_goals
    assert "No drafts match" in client.get("/drafts?status=accepted").text


def test_accept_goal_suggestion_into_role_goal(client, tokens, session, org):
    ppc = org["ppc@t.test"]
    draft = add_draft(session, kind="goals", subject=ppc, viewer=org["growth-lead@t.test"], **goals_content(),
                      period="2026-Q4")
    sign_in(client, tokens["growth-lead@t.test"])
    page = client.get("/plan?q=2026-Q4").text
    assert "Hold TACOS at or under 9.5% through Q4" in page and "10.5% - 1.0 pt = 9.5%" in page
    # The suggested title is edited in a textarea (long titles stay readable); the goal keeps one line.
    assert 'rows="2" maxlength="300" required>Hold TACOS at or under 9.5% through Q4</textarea>' in page
    action = f"/plan/suggestions/{draft.id}/0/accept"
    assert f'action="{action}"' in page
    resp = post_form(client, "/plan?q=2026-Q4", action, {"title": "Hold TACOS at or under 9.5%\r\n through  Q4",
                                                        "target": "9.5"})
    assert resp.status_code == 303 and resp.headers["location"].startswith("/plan?q=2026-Q4&notice=Goal+saved")
    goal = session.exec(select(RoleGoal).where(RoleGoal.title.startswith("Hold TACOS"))).one()
    assert goal.person_id == ppc.id and goal.target == 9.5 and goal.objective_key == "margin"
    assert goal.title == "Hold TACOS at or under 9.5% through Q4"
    edit = post_form(client, "/plan", f"/plan/goals/{goal.id}", {"title": "Hold TACOS at 9%", "target": "9",
                                                                 "status": "active"})
    assert edit.status_code == 303
    fresh(session)
    assert session.get(RoleGoal, goal.id).target == 9


def test_second_accept_of_a_suggestion_is_a_conflict_and_the_draft_records_the_goal(client, tokens, session, org):
    draft = add_draft(session, kind="goals", subject=org["ppc@t.test"], viewer=org["growth-lead@t.test"],
                      **goals_content(), period="2026-Q4")
    sign_in(client, tokens["growth-lead@t.test"])
    action = f"/plan/suggestions/{draft.id}/0/accept"
    form = {"title": "Hold TACOS at or under 9.5% through Q4", "target": "9.5"}
    assert post_form(client, "/plan?q=2026-Q4", action, form).status_code == 303
    fresh(session)
    tacos = select(RoleGoal).where(RoleGoal.title.startswith("Hold TACOS"))
    goal = session.exec(tacos).one()
    stored = session.get(Draft, draft.id)
    assert stored.status == "accepted" and stored.content["goals"][0]["accepted_goal_id"] == goal.id
    page = client.get("/plan?q=2026-Q4").text
    assert "Accepted as a goal" in page and f'action="{action}"' in page
    again = post_form(client, "/plan?q=2026-Q4", action, form)
    assert again.status_code == 409 and "<h1>Conflict</h1>" in again.text and f"already goal {goal.id}" in again.text
    fresh(session)
    assert len(session.exec(tacos).all()) == 1
    # A reworded target is stored as the manager's edit, and the draft says it was edited.
    other = add_draft(session, kind="goals", subject=org["ppc@t.test"], viewer=org["growth-lead@t.test"],
                      **goals_content(), period="2026-Q4")
    edited = post_form(client, "/plan?q=2026-Q4", f"/plan/suggestions/{other.id}/0/accept",
                       {"title": "Hold TACOS at or under 9.5% through Q4", "target": "9"})
    assert edited.status_code == 303
    fresh(session)
    assert session.get(Draft, other.id).status == "edited"
    assert sorted(g.target for g in session.exec(tacos).all()) == [9, 9.5]


def test_sign_in_link_works_once(client, session, org):
    from assistant.web.signin import create_signin_link

    link = create_signin_link(session, org["am@t.test"], "http://testserver")
    session.commit()
    path = link.removeprefix("http://testserver")
    page = client.get(path)
    assert page.status_code == 200 and "works once" in page.text
    token = path.split("t=", 1)[1]
    first = client.post("/signin/link", data={"csrf": csrf_of(page.text), "t": token}, follow_redirects=False)
    assert first.status_code == 303 and "Abe Account" in client.get("/week").text
    page2 = client.get(path)
    again = client.post("/signin/link", data={"csrf": csrf_of(page2.text), "t": token})
    assert again.status_code == 401 and "already used" in again.text


def test_audit_page(client, tokens):
    sign_in(client, tokens["founder@t.test"])
    html = client.get("/audit").text
    assert "KPI audit" in html and "ppc-acos" in html and "brand-margin" in html


def test_goals_draft_page_points_to_the_plan(client, tokens, session, org):
    draft = add_draft(session, kind="goals", subject=org["ppc@t.test"], viewer=org["growth-lead@t.test"],
                      **goals_content(), period="2026-Q4")
    sign_in(client, tokens["growth-lead@t.test"])
    html = client.get(f"/drafts/{draft.id}").text
    assert "Hold TACOS at or under 9.5% through Q4" in html and "10.5% - 1.0 pt = 9.5%" in html
    assert f'href="/plan?q=2026-Q4#person-{org["ppc@t.test"].id}"' in html


def test_out_of_range_ids_are_a_clear_error_not_a_crash(client, tokens):
    sign_in(client, tokens["founder@t.test"])
    for path in ("/drafts/99999999999999999999", "/people/99999999999999999999", "/checkins/4294967296"):
        r = client.get(path)
        assert r.status_code in (404, 422), (path, r.status_code)
