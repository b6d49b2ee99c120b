"""KPI values on the web: one on the KPI page, many from a previewed CSV (the API's rules)."""

from __future__ import annotations

import json
from datetime import date

from sqlmodel import select

from assistant.domain.models import Draft, Kpi, KpiValue
from assistant.settings import get_settings
from tests.web.conftest import csrf_of, post_form, sign_in


def stored(session, key: str) -> dict[date, float]:  # noqa: ANN001
    session.rollback()
    session.expire_all()
    kpi = session.exec(select(Kpi).where(Kpi.key == key)).one()
    return {v.period: v.value for v in session.exec(select(KpiValue).where(KpiValue.kpi_id == kpi.id))}


def test_a_manager_enters_a_value_and_the_next_brief_uses_it(client, tokens, session, org, monkeypatch):
    monkeypatch.setenv("CADENCE_TODAY", "2026-09-16")  # 2026-W38: the brief from the Team page is on W38
    get_settings.cache_clear()
    sign_in(client, tokens["growth-lead@t.test"])
    first = post_form(client, "/team", f"/people/{org['ppc@t.test'].id}/brief")
    session.rollback()
    before = session.get(Draft, int(first.headers["location"].rsplit("/", 1)[1]))
    assert "TACOS was 10.5% on 2026-09-14" in json.dumps(before.output)
    page = client.get("/kpis/ppc-tacos").text
    assert 'action="/kpis/ppc-tacos/values#enter-value"' in page
    # A Wednesday of 2026-W38: a weekly KPI files it under that week's Monday, replacing 10.5.
    resp = post_form(client, "/kpis/ppc-tacos", "/kpis/ppc-tacos/values", {"period": "2026-09-16", "value": "12.75"})
    assert resp.status_code == 303 and "saved=2026-09-14" in resp.headers["location"]
    assert stored(session, "ppc-tacos")[date(2026, 9, 14)] == 12.75
    after = client.get(resp.headers["location"]).text
    assert "Value saved for the period starting 2026-09-14" in after and "12.8%" in after
    brief = post_form(client, "/team", f"/people/{org['ppc@t.test'].id}/brief")
    assert brief.status_code == 303, brief.text
    session.rollback()  # the test session's snapshot ends: it sees the server's commits
    draft = session.get(Draft, int(brief.headers["location"].rsplit("/", 1)[1]))
    assert draft.period == "2026-W38" and draft.id != before.id
    said = json.dumps(draft.output)
    assert "TACOS was 12.75% on 2026-09-14" in said and "10.5%" not in said


def test_a_bad_value_is_refused_inline_with_the_form_kept(client, tokens, session):
    sign_in(client, tokens["ppc@t.test"])  # the KPI's owner
    before = stored(session, "ppc-acos")
    for form, words in (({"period": "2026-09-21", "value": "12,5"}, "not a plain number"),
                        ({"period": "2026-09-21", "value": "abc"}, "not a plain number"),
                        ({"period": "", "value": "12"}, "period: pick a day"),
                        ({"period": "2026-09-21", "value": "1e13"}, "value")):
        resp = post_form(client, "/kpis/ppc-acos", "/kpis/ppc-acos/values", form)
        assert resp.status_code == 422 and words in resp.text, resp.text
        assert 'class="alert"' in resp.text and f'name="value" value="{form["value"]}"' in resp.text
        assert f'name="period" value="{form["period"]}"' in resp.text
        assert "<svg" in resp.text  # the whole KPI page, not an error page
    assert stored(session, "ppc-acos") == before


def test_only_the_owner_their_managers_and_founders_enter_values(client, tokens, session):
    sign_in(client, tokens["ppc@t.test"])
    assert post_form(client, "/week", "/kpis/ops-turnover/values", {"period": "2026-10-01", "value": "5"}
                     ).status_code == 404
    sign_in(client, tokens["growth-lead@t.test"])  # another team's KPI
    assert post_form(client, "/team", "/kpis/ops-turnover/values", {"period": "2026-10-01", "value": "5"}
                     ).status_code == 404
    assert date(2026, 10, 1) not in stored(session, "ops-turnover")
    sign_in(client, tokens["ops-lead@t.test"])  # the owner's manager's manager; a monthly KPI: the 1st
    resp = post_form(client, "/team", "/kpis/ops-turnover/values", {"period": "2026-10-17", "value": "5.4"})
    assert resp.status_code == 303 and "saved=2026-10-01" in resp.headers["location"]
    assert stored(session, "ops-turnover")[date(2026, 10, 1)] == 5.4


CSV = "kpi,period,value\nppc-tacos,2026-09-14,11\nppc-acos,2026-09-21,26.25\nppc-acos,2026-09-14,27.5\n"


def test_the_upload_page_lists_the_viewers_kpi_ids_and_goes_back_where_it_may(client, tokens):
    sign_in(client, tokens["ppc@t.test"])
    page = client.get("/values/upload?back=/team").text  # a member has no Team page to go back to
    assert "<code>ppc-tacos</code>" in page and "ops-turnover" not in page
    assert 'href="/week">Cancel' in page
    assert 'href="/kpis/ppc-acos">Cancel' in client.get("/values/upload?back=/kpis/ppc-acos").text
    assert 'href="/week">Cancel' in client.get("/values/upload?back=//evil.test").text
    sign_in(client, tokens["growth-lead@t.test"])
    assert 'href="/team">Cancel' in client.get("/values/upload").text


def _preview(client, text: str = "", file: str | None = None):  # noqa: ANN001, ANN202
    token = csrf_of(client.get("/values/upload?back=/team").text)
    files = {"file": ("values.csv", file.encode(), "text/csv")} if file is not None else None
    return client.post("/values/preview", data={"csrf": token, "text": text, "back": "/team"}, files=files)


def test_an_upload_is_previewed_then_saved_whole(client, tokens, session):
    sign_in(client, tokens["growth-lead@t.test"])
    assert 'href="/values/upload?back=/team"' in client.get("/team").text
    before_tacos, before_acos = stored(session, "ppc-tacos"), stored(session, "ppc-acos")
    preview = _preview(client, file=CSV)
    assert preview.status_code == 200, preview.text
    assert "1 new, 1 changed, 1 unchanged" in preview.text
    assert "10.5%" in preview.text and "26.25%" in preview.text  # what is stored now, and the exact new figure
    assert stored(session, "ppc-tacos") == before_tacos and stored(session, "ppc-acos") == before_acos
    edit = client.post("/values/edit", data={"csrf": csrf_of(preview.text), "text": CSV, "back": "/team"})
    assert edit.status_code == 200 and "ppc-acos,2026-09-21,26.25" in edit.text  # back to fix a row
    commit = client.post("/values/commit", data={"csrf": csrf_of(preview.text), "text": CSV, "back": "/team"})
    assert commit.status_code == 200 and "Values saved" in commit.text
    assert stored(session, "ppc-tacos")[date(2026, 9, 14)] == 11
    assert stored(session, "ppc-acos")[date(2026, 9, 21)] == 26.25


def test_an_upload_with_one_bad_row_saves_nothing_and_keeps_the_text(client, tokens, session):
    sign_in(client, tokens["growth-lead@t.test"])
    before = stored(session, "ppc-tacos")
    foreign = CSV + "ops-turnover,2026-10-01,5\n"  # another team's KPI: unknown to this viewer
    for resp in (_preview(client, text=foreign), _preview(client, file=foreign)):
        assert resp.status_code == 422 and "unknown KPI &#39;ops-turnover&#39;" in resp.text
        assert "ppc-acos,2026-09-21,26.25" in resp.text  # back in the textarea to fix
    bad = _preview(client, text="kpi,period,value\nppc-tacos,2026-09-14,eleven\n")
    assert bad.status_code == 422 and "line 2" in bad.text
    # A commit is checked again: rows changed after the preview are refused whole.
    page = client.get("/values/upload").text
    commit = client.post("/values/commit", data={"csrf": csrf_of(page), "text": foreign, "back": "/team"})
    assert commit.status_code == 422 and "unknown KPI" in commit.text
    assert stored(session, "ppc-tacos") == before
    assert _preview(client).status_code == 422  # nothing chosen or pasted
