"""The seller-report page: map KPIs to metrics, upload, preview, commit; the KPI page says where a value came from."""

from __future__ import annotations

import re

from assistant.settings import get_settings
from tests.domain.reports import samples as s
from tests.web.conftest import csrf_of, post_form, sign_in

TOKEN = re.compile(r'name="token" value="([^"]+)"')


def _upload(client, names=("ads.csv", "biz.csv"), **data):  # noqa: ANN001, ANN003, ANN202
    files = {"ads.csv": s.ads_file(s.ads_rows()), "biz.csv": s.business_file(s.business_rows()),
             "notes.csv": b"a,b\n1,2\n"}
    csrf = csrf_of(client.get("/reports").text)
    return client.post("/reports/preview", data={"csrf": csrf, **data},
                       files=[("files", (n, files[n], "text/csv")) for n in names], follow_redirects=False)


def _map(client) -> None:  # noqa: ANN001
    r = post_form(client, "/reports", "/reports/mapping", {"metric:ppc-acos": "amazon.acos",
                                                          "metric:ppc-tacos": "amazon.tacos"})
    assert r.status_code == 200 and "Metric mapping saved." in r.text


def test_map_preview_commit_and_the_kpi_page_names_the_report(client, tokens):
    sign_in(client, tokens["ppc@t.test"])
    kpi_page = client.get("/kpis/ppc-acos").text
    assert 'href="/reports"' in kpi_page and "entered by hand" in kpi_page
    page = client.get("/reports").text
    assert 'name="metric:ppc-acos"' in page and "amazon.tacos" in page and 'enctype="multipart/form-data"' in page
    _map(client)
    assert 'value="amazon.acos" selected' in client.get("/reports").text

    preview = _upload(client)
    assert preview.status_code == 200, preview.text
    assert "Preview of the import" in preview.text and "Amazon Ads report" in preview.text
    assert preview.text.count('href="/kpis/ppc-acos"') == 3  # three weeks would change
    assert "2026-11-02" not in client.get("/kpis/ppc-acos").text  # nothing stored yet

    token = TOKEN.search(preview.text).group(1)
    done = post_form(client, "/reports", "/reports/commit", {"token": token})
    assert done.status_code == 200 and "Imported" in done.text
    kpi_page = client.get("/kpis/ppc-acos").text
    assert 'id="v-2026-11-02"' in kpi_page and "from the Amazon Ads report of" in kpi_page
    assert "from the Amazon Ads report and Business Report of" in client.get("/kpis/ppc-tacos").text
    assert "ads.csv" in client.get("/reports").text  # the recent imports list
    # The upload was spent: committing it again is a 404 page, not a second import.
    assert post_form(client, "/reports", "/reports/commit", {"token": token}).status_code == 404


def test_errors_show_on_the_upload_page(client, tokens):
    sign_in(client, tokens["ppc@t.test"])
    _map(client)
    r = _upload(client, names=("notes.csv",))
    assert r.status_code == 422 and "not a report Cadence reads" in r.text and 'role="alert"' in r.text
    r = post_form(client, "/reports", "/reports/mapping", {"metric:ppc-acos": "amazon.nope"})
    assert r.status_code == 422 and "unknown metric" in r.text
    assert not any((get_settings().home / "uploads").iterdir())  # a refused upload leaves nothing behind


def test_an_upload_is_its_uploaders_alone(client, tokens):
    sign_in(client, tokens["ppc@t.test"])
    _map(client)
    token = TOKEN.search(_upload(client).text).group(1)
    client.cookies.clear()
    sign_in(client, tokens["founder@t.test"])
    assert post_form(client, "/reports", "/reports/commit", {"token": token}).status_code == 404
    assert post_form(client, "/reports", "/reports/commit", {"token": "../x"}).status_code == 404
    r = post_form(client, "/reports", "/reports/cancel", {"token": token})
    assert r.status_code == 303  # cancelling another's upload does nothing, quietly
    assert (get_settings().home / "uploads" / token).is_dir()


def test_the_upload_form_needs_csrf_and_sign_in(client, tokens):
    r = client.post("/reports/preview", files=[("files", ("a.csv", b"x", "text/csv"))], follow_redirects=False)
    assert r.status_code in (303, 403)
    sign_in(client, tokens["ppc@t.test"])
    r = client.post("/reports/preview", data={"csrf": "wrong"}, files=[("files", ("a.csv", b"x", "text/csv"))])
    assert r.status_code == 403
