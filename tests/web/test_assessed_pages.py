"""The Team, person and KPI pages on the demo org read one assessment: a gamed or vanity KPI
is never a green "On target", each page states the same trend with the points it cites, and a
manager's group says how they run their reports' 1:1s."""

from __future__ import annotations

import re

import pytest

from assistant.domain.auth import create_token
from assistant.domain.orgfile import import_org, read_org_file
from assistant.domain.team import person_by_email
from assistant.settings import get_settings
from tests.conftest import ROOT
from tests.web.conftest import sign_in

GREEN = 'pill-good">On target'


@pytest.fixture
def demo(session, monkeypatch):
    monkeypatch.setenv("CADENCE_TODAY", "2026-10-07")  # 2026-W41, the demo file's last week
    get_settings.cache_clear()
    import_org(session, read_org_file(ROOT / "demo" / "northwind.yaml"))
    session.commit()
    people = {e: person_by_email(session, e) for e in ("founder@northwind.test", "ops-lead@northwind.test",
                                                       "ppc@northwind.test", "creative@northwind.test")}
    tokens = {e: create_token(session, p) for e, p in people.items()}
    session.commit()
    return people, tokens


def row(html: str, key: str) -> str:
    """The Team page's table row of one KPI."""
    return html.split(f'href="/kpis/{key}"', 1)[1].split("</tr>", 1)[0]


def trend(html: str) -> str:
    """The first trend label with its cited points, tags removed."""
    m = re.search(r'<span class="trend trend-\w+"[^>]*>(\w+)</span> <span class="muted">([^<]+)</span>', html)
    assert m, "no trend with its points"
    return f"{m.group(1)} {m.group(2)}"


def test_a_gamed_or_vanity_kpi_is_never_green_on_any_page(client, demo):
    people, tokens = demo
    sign_in(client, tokens["founder@northwind.test"])
    team = client.get("/team").text
    acos, impressions = row(team, "ppc-acos"), row(team, "creative-impressions")
    assert 'pill-muted">On target' in acos and ">gamed</a>" in acos and GREEN not in acos
    assert 'pill-muted">On target' in impressions and ">vanity</a>" in impressions and GREEN not in impressions
    assert GREEN in row(team, "am-organic-rank")  # a healthy KPI on target is green
    kpi = client.get("/kpis/ppc-acos").text
    head = kpi.split("</h1>", 1)[0]
    assert ">gamed</a>" in head and GREEN not in head
    assert "guardrail" in kpi.lower() and "worsening" in kpi  # TACOS beside it, moving the wrong way
    person = client.get(f"/people/{people['ppc@northwind.test'].id}").text
    card = person.split('id="kpi-ppc-acos"', 1)[1].split("</figure>", 1)[0]
    assert ">gamed</a>" in card and GREEN not in card
    # The owner's My week lists the same readings: ACOS on target, never the green pill.
    sign_in(client, tokens["ppc@northwind.test"])
    mine = client.get("/week").text.split("<h2>My KPIs</h2>", 1)[1].split("</section>", 1)[0]
    acos_line = mine.split('href="/kpis/ppc-acos"', 1)[1].split("</p>", 1)[0]
    assert 'pill-muted">On target' in acos_line and GREEN not in acos_line


def test_the_person_page_and_the_kpi_page_state_the_same_trend_and_run(client, demo):
    people, tokens = demo
    sign_in(client, tokens["founder@northwind.test"])
    person = client.get(f"/people/{people['ppc@northwind.test'].id}").text
    card = person.split('id="kpi-ppc-acos"', 1)[1].split("</figure>", 1)[0]
    kpi = client.get("/kpis/ppc-acos").text
    reading = kpi.split('id="reading"', 1)[1].split("</section>", 1)[0]
    said = trend(card)
    assert said == trend(reading) and said.startswith("improving ") and "→ 21.9%" in said
    run = re.search(r"on target for the last \d+ values, since [\d-]+", card).group(0)
    assert run in reading


def test_the_owner_sees_their_gamed_kpi_framed_for_them(client, demo):
    _, tokens = demo
    sign_in(client, tokens["ppc@northwind.test"])
    head = client.get("/kpis/ppc-acos").text.split("</h1>", 1)[0]
    assert "worth a look together" in head and ">gamed</a>" not in head and GREEN not in head


def test_a_managers_group_says_how_they_run_their_reports_1_1s(client, demo):
    people, tokens = demo
    sign_in(client, tokens["founder@northwind.test"])
    team = client.get("/team").text
    ops = team.split("Priya Raman's reports", 1)[1].split('class="team-group"', 1)[0]
    head = ops.split('class="rhythm small">', 1)[1].split("</p>", 1)[0]
    assert "poor" in head and "slipping</span> with Aisha Bello, Marco Rossi" in head
    priya = team.split(f'id="person-{people["ops-lead@northwind.test"].id}"', 1)[1].split("</article>", 1)[0]
    assert "Their reports' 1:1s" in priya and 'pill-bad">poor' in priya
    sign_in(client, tokens["ops-lead@northwind.test"])
    mine = client.get("/team").text
    assert "Your 1:1s with them, 12 weeks to 2026-W41" in mine and "slipping</span> with Aisha Bello" in mine


def test_a_role_kpi_nobody_holds_and_a_members_own_page_render_their_readings(client, tokens, org):
    sign_in(client, tokens["founder@t.test"])
    role_kpi = client.get("/kpis/brand-margin")
    assert role_kpi.status_code == 200 and "No target/value" in role_kpi.text and "no value yet" in role_kpi.text
    sign_in(client, tokens["ppc@t.test"])
    own = client.get(f"/people/{org['ppc@t.test'].id}")
    assert own.status_code == 200 and 'id="kpi-ppc-acos"' in own.text and "Prepare 1:1 brief" not in own.text
