"""A draft as its readers see it: people, KPIs, check-ins and playbook sections by name; no
token usage, provider, model, raw flag codes, emails or source ids; the markdown export with
footnotes; Accept explained and Discard confirmed; a brief prepared for a chosen week."""

from __future__ import annotations

import copy
import html as html_lib
import re

from sqlmodel import select

from assistant.domain.models import Draft
from tests.web.conftest import csrf_of, post_form, sign_in

SOURCE_ID = re.compile(r"\b(?:checkin|meeting|kpi|playbook):[\w.@-]+")


def test_the_draft_page_names_people_kpis_and_sources_and_hides_internals(client, tokens, brief, org):
    sign_in(client, tokens["growth-lead@t.test"])
    html = client.get(f"/drafts/{brief.id}").text
    body = html.split('<main id="main"', 1)[1]
    for internal in ("prompt_tokens", "Usage:", "Drafted by offline", "(offline)", "no_guardrail", "t.test"):
        assert internal not in body, internal
    chips = [html_lib.unescape(c) for c in re.findall(r'class="src"[^>]*>([^<]+)<', body)]
    assert "Pia's check-in, W37" in chips and "1:1 of 2026-09-10" in chips, chips
    assert "ACOS on 2026-09-14" in chips and "Playbook: ACOS down, TACOS up" in chips
    assert all(not SOURCE_ID.search(c) and not re.fullmatch(r".* \d+", c) for c in chips), chips
    flags = body.split('<ul class="flags">', 1)[1].split("</ul>", 1)[0]
    assert "<strong>ACOS</strong>" in flags and ">gamed<" in flags and "ppc-acos</strong>" not in flags
    assert "Asked for by you" in body
    # Accept is explained; Discard asks first (two steps, no script needed).
    assert "nothing is sent to Pia Ppc" in body
    assert "<summary class=\"btn btn-danger\">Discard</summary>" in body and "Yes, discard it" in body


def test_the_markdown_export_uses_names_and_footnotes(client, tokens, brief, session, org):
    draft = session.get(Draft, brief.id)
    output = copy.deepcopy(draft.output)
    output["sections"][0]["items"][0]["text"] += " Per [kpi:ppc-tacos@2026-09-14]."  # an id written into prose
    draft.output = output
    session.add(draft)
    session.commit()
    sign_in(client, tokens["growth-lead@t.test"])
    md = client.get(f"/drafts/{brief.id}/markdown").text
    assert md.startswith("# 1:1 prep: Pia Ppc (2026-W38)") and "for Gil Growth" in md
    assert "@t.test" not in md and not SOURCE_ID.search(md), md
    notes = dict(re.findall(r"^\[\^(\d+)\]: (.+)$", md, re.M))
    inline = re.search(r"Per \[\^(\d+)\]\.", md)  # the id in the prose became a footnote
    assert inline and notes[inline[1]] == "TACOS on 2026-09-14"
    assert {"Pia's check-in, W37", "ACOS on 2026-09-14", "Playbook: ACOS down, TACOS up", "1:1 of 2026-09-10"} <= set(
        notes.values())
    # Each source is one footnote, however often it is cited.
    assert len(notes) == len(set(notes.values()))
    # The copy on the page is the same text.
    page = client.get(f"/drafts/{brief.id}").text
    assert "Pia Ppc (2026-W38)" in page.split('id="draft-md"', 1)[1].split("</textarea>", 1)[0]


def test_a_brief_for_a_chosen_week_from_the_drafts_list_and_the_brief(client, tokens, org, session, monkeypatch):
    from assistant.settings import get_settings

    monkeypatch.setenv("CADENCE_TODAY", "2026-09-23")
    get_settings.cache_clear()
    sign_in(client, tokens["growth-lead@t.test"])
    listing = client.get("/drafts").text
    form = listing.split('action="/drafts/brief"', 1)[1].split("</form>", 1)[0]
    assert '<option value="2026-W39">2026-W39 (this week)</option>' in form and "2026-W28" in form
    assert f'<option value="{org["ppc@t.test"].id}">Pia Ppc</option>' in form and "Gil Growth" not in form
    resp = post_form(client, "/drafts", "/drafts/brief", {"person": str(org["ppc@t.test"].id), "week": "2026-W37"})
    assert resp.status_code == 303, resp.text
    draft = session.get(Draft, int(resp.headers["location"].rsplit("/", 1)[1]))
    assert (draft.kind, draft.period, draft.subject_id) == ("brief", "2026-W37", org["ppc@t.test"].id)
    page = client.get(resp.headers["location"]).text
    assert '<option value="2026-W37" selected>' in page and "Prepare this brief for another week" in page
    bad = post_form(client, "/drafts", "/drafts/brief", {"person": str(org["ppc@t.test"].id), "week": "2026-W60"})
    assert bad.status_code == 422
    # Someone outside the viewer's view is a 404 whatever the week; a member has no brief form.
    outside = post_form(client, "/drafts", "/drafts/brief", {"person": str(org["picker@t.test"].id),
                                                            "week": "2026-W37"})
    assert outside.status_code == 404
    assert len(session.exec(select(Draft)).all()) == 1
    sign_in(client, tokens["ppc@t.test"])
    assert 'action="/drafts/brief"' not in client.get("/drafts").text
    token = csrf_of(client.get("/drafts").text)
    assert client.post("/drafts/brief", data={"csrf": token, "person": str(org["am@t.test"].id),
                                              "week": "2026-W37"}).status_code == 403


def test_a_goals_export_names_kpis_and_people(client, tokens, session, org):
    from tests.web.conftest import add_draft, goals_content

    parts = goals_content()
    parts["output"]["goals"][0]["sources"] = ["kpi:ppc-tacos@2026-09-14"]
    parts["meta"] |= {"subject": "ppc@t.test", "viewer": "growth-lead@t.test", "provider": "offline", "model": "x",
                      "grounding": {"checked": 1, "ungrounded": []}}
    draft = add_draft(session, kind="goals", subject=org["ppc@t.test"], viewer=org["growth-lead@t.test"],
                      period="2026-Q4", **parts)
    sign_in(client, tokens["growth-lead@t.test"])
    md = client.get(f"/drafts/{draft.id}/markdown").text
    assert "Role goals for 2026-Q4: Pia Ppc" in md and "KPI: TACOS" in md and "for Gil Growth" in md
    assert "@t.test" not in md and not SOURCE_ID.search(md) and "[^1]: TACOS on 2026-09-14" in md


def test_grounding_says_where_a_claim_was_dropped_in_words(client, tokens, session, org):
    from tests.web.conftest import add_draft, brief_content

    parts = brief_content(session, org["ppc@t.test"], org["growth-lead@t.test"])
    parts["meta"]["grounding"] = {"checked": 5, "repaired": True, "ungrounded": [
        {"where": "sections[1].items[0]", "problems": ["disagrees with the assessment"]},
        {"where": "questions[0]", "problems": ["cites a number the data does not hold"]}]}
    draft = add_draft(session, kind="brief", subject=org["ppc@t.test"], viewer=org["growth-lead@t.test"],
                      period="2026-W38", **parts)
    sign_in(client, tokens["growth-lead@t.test"])
    card = client.get(f"/drafts/{draft.id}").text.split("<h2>Grounding</h2>", 1)[1].split("</section>", 1)[0]
    assert "5 claims checked against the data, after one repair." in card and "True" not in card
    assert "What to ask, point 1: disagrees with the assessment" in card
    assert "Questions, 1: cites a number the data does not hold" in card
    assert "sections[" not in card and "all grounded" not in card and "2 dropped as ungrounded" in card
