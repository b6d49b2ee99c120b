"""Pages write amounts in the org's currency: the KPI page, its chart and a draft's markdown."""

from __future__ import annotations

from assistant.domain.auth import create_token
from tests.drafting.test_currency import gbp_org  # noqa: F401 - shared fixture
from tests.web.conftest import sign_in


def test_a_gbp_orgs_kpi_page_and_chart_write_pounds(client, session, gbp_org):  # noqa: F811
    token = create_token(session, gbp_org["ppc@t.test"])
    session.commit()
    sign_in(client, token)
    html = client.get("/kpis/ppc-cpc").text
    assert "target £1 (lower is better)" in html and "<strong>£1.1</strong>" in html
    assert "target £1</text>" in html  # the chart's target line
    assert "$" not in html.split("<body", 1)[1].split("<script", 1)[0]


def test_the_markdown_download_writes_pounds(client, session, gbp_org):  # noqa: F811
    token = create_token(session, gbp_org["growth-lead@t.test"])
    session.commit()
    sign_in(client, token)
    resp = client.post("/drafts/brief", data={"person": str(gbp_org["ppc@t.test"].id), "week": "2026-W38",
                                              "csrf": _csrf(client)}, follow_redirects=False)
    assert resp.status_code == 303, resp.text
    md = client.get(resp.headers["location"] + "/markdown").text
    assert "Cost per click was £1.1 on 2026-09-14 against a target of £1" in md and "$" not in md


def _csrf(client) -> str:  # noqa: ANN001
    from tests.web.conftest import csrf_of

    return csrf_of(client.get("/drafts").text)
