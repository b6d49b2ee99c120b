"""The import command: all or nothing, idempotent, order-independent TACOS, dry runs, permissions."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from sqlmodel import select

from assistant.domain.kpis import upsert_values
from assistant.domain.models import Company, KpiValue, ReportImport, ReportTotal
from assistant.domain.reports.store import value_sources
from assistant.domain.schemas import KpiValueIn
from assistant.errors import Forbidden, InvalidInput
from tests.domain.reports import samples as s
from tests.domain.reports.conftest import key_of, run, upload, values

W45, W46, W47 = date(2026, 11, 2), date(2026, 11, 9), date(2026, 11, 16)


def ads(rows=None, name="ads.csv"):  # noqa: ANN001, ANN201
    return upload(name, s.ads_file(rows if rows is not None else s.ads_rows()))


def biz(rows=None, name="business.csv"):  # noqa: ANN001, ANN201
    return upload(name, s.business_file(rows if rows is not None else s.business_rows()))


def _snapshot(session) -> tuple:  # noqa: ANN001
    session.expire_all()
    vals = sorted((v.kpi_id, v.period, v.value, v.import_id) for v in session.exec(select(KpiValue)))
    totals = sorted((t.quantity, t.start, t.end, t.value) for t in session.exec(select(ReportTotal)))
    return vals, totals


def test_reimporting_the_same_files_changes_nothing(session, mapped):
    first = run(session, [ads(), biz()])
    assert first.changes
    before = _snapshot(session)
    again = run(session, [ads(), biz()])
    assert again.changes == [] and again.unchanged == len(first.changes)
    assert _snapshot(session) == before


def test_tacos_is_the_same_whichever_report_comes_first(session, mapped, engine):
    tacos = mapped[key_of("amazon.tacos")]
    a_first = run(session, [ads()])
    assert values(session, tacos) == {} and any("Business Report" in n for n in a_first.notes)
    run(session, [biz()])
    ads_then_biz = values(session, tacos)
    assert set(ads_then_biz) == {W45, W46, W47}

    for table in (KpiValue, ReportTotal, ReportImport):
        for row in session.exec(select(table)):
            session.delete(row)
    session.commit()
    run(session, [biz()])
    assert values(session, tacos) == {}
    run(session, [ads()])
    assert values(session, tacos) == ads_then_biz


def test_a_bad_file_stores_nothing_from_any_file_of_the_command(session, mapped):
    before = _snapshot(session)
    header, *lines = s.business_file(s.business_rows()).decode("utf-8-sig").split("\r\n")
    no_sales = "\r\n".join([header.replace("Ordered Product Sales,", "Ordered Sales,"), *lines]).encode()
    with pytest.raises(InvalidInput) as err:
        run(session, [ads(), upload("biz.csv", no_sales)])
    msg = err.value.message
    assert "biz.csv: no 'Ordered Product Sales' column, which amazon.tacos, amazon.total_sales need" in msg
    session.rollback()
    assert _snapshot(session) == before
    assert session.exec(select(ReportImport)).first() is None


def test_a_bad_cell_names_file_line_and_column(session, mapped):
    rows = list(csv.reader(io.StringIO(s.ads_file(s.ads_rows()).decode("utf-8-sig"), newline="")))
    rows[7][4] = "lots"
    buf = io.StringIO()
    csv.writer(buf).writerows(rows)
    with pytest.raises(InvalidInput) as err:
        run(session, [upload("ads.csv", buf.getvalue().encode())])
    assert "ads.csv: line 8, column 'Impressions': not a number: 'lots'" in err.value.message


def test_hand_entered_values_outside_the_reports_are_kept(session, mapped, org):
    acos = mapped[key_of("amazon.acos")]
    owner = org["ppc@t.test"]
    upsert_values(session, owner, [KpiValueIn(kpi=acos.key, period=date(2026, 10, 26), value=31.0),
                                   KpiValueIn(kpi=acos.key, period=W45, value=99.0)])
    session.commit()
    result = run(session, [ads()])
    got = values(session, acos)
    assert got[date(2026, 10, 26)] == 31.0  # a week the report does not cover
    assert got[W45] != 99.0 and any(c.old == 99.0 and c.period == W45 for c in result.changes)
    # The small org's own ACOS KPI has no metric: the import never touches it.
    assert not session.exec(select(KpiValue).where(KpiValue.period >= W45,
                                                   KpiValue.kpi_id.not_in([k.id for k in mapped.values()]))).all()


def test_an_overlapping_export_replaces_those_periods(session, mapped):
    spend = mapped[key_of("amazon.ad_spend")]
    run(session, [ads()])
    rows = [dict(r, spend=r["spend"] + 1.0) if r["date"] >= W46 else r for r in s.ads_rows()
            if r["date"] >= W46]
    run(session, [ads(rows, name="ads-later.csv")])
    got = values(session, spend)
    first = s.weekly(s.ads_rows(), ("spend",))
    assert got[W45] == pytest.approx(first[W45]["spend"])  # kept: the new export starts on W46
    assert got[W46] == pytest.approx(first[W46]["spend"] + 3 * 7)  # 3 campaigns x 7 days, one dollar more each


def test_a_partial_week_completed_by_a_later_export(session, mapped):
    rows = s.ads_rows()
    clicks = mapped[key_of("amazon.ad_clicks")]
    result = run(session, [ads([r for r in rows if r["date"] < date(2026, 11, 5)], name="mon-wed.csv")])
    assert values(session, clicks) == {}
    assert any(n.startswith(f"{clicks.key} 2026-11-02: left out, only 3 of 7 days") for n in result.notes)
    run(session, [ads([r for r in rows if date(2026, 11, 5) <= r["date"] <= date(2026, 11, 8)], name="thu-sun.csv")])
    assert values(session, clicks) == {W45: sum(r["clicks"] for r in rows if r["date"] < W46)}


def test_dry_run_lists_the_changes_and_writes_nothing(session, mapped):
    before = _snapshot(session)
    result = run(session, [ads(), biz()], dry_run=True)
    assert result.dry_run and result.import_id is None and result.changes
    change = next(c for c in result.changes if c.kpi == key_of("amazon.ad_orders") and c.period == W45)
    assert change.old is None and change.new == sum(r["orders"] for r in s.ads_rows() if r["date"] < W46)
    assert _snapshot(session) == before and session.exec(select(ReportImport)).first() is None
    committed = run(session, [ads(), biz()])
    assert [c.model_dump() for c in committed.changes] == [c.model_dump() for c in result.changes]


def test_the_import_is_recorded_and_values_say_where_they_came_from(session, mapped, org):
    result = run(session, [ads(), biz()], viewer=org["growth-lead@t.test"], via="api")
    record = session.get(ReportImport, result.import_id)
    assert record.person_id == org["growth-lead@t.test"].id and record.via == "api"
    assert record.kinds == ["amazon_ads", "business_report"]
    assert [f["name"] for f in record.files] == ["ads.csv", "business.csv"]
    assert len(record.changes) == len(result.changes)
    day = record.created_at.date()
    label = f"{day.day} {day:%b}"
    acos, tacos = mapped[key_of("amazon.acos")], mapped[key_of("amazon.tacos")]
    assert value_sources(session, acos.id, acos.metric)[W45].startswith(f"from the Amazon Ads report of {label}")
    assert value_sources(session, tacos.id, tacos.metric)[W45].startswith(
        f"from the Amazon Ads report and Business Report of {label}")
    # A value corrected by hand is no longer the report's.
    upsert_values(session, org["ppc@t.test"], [KpiValueIn(kpi=acos.key, period=W45, value=12.0)])
    session.commit()
    assert W45 not in value_sources(session, acos.id, acos.metric)


def test_only_kpis_the_viewer_may_update(session, mapped, org):
    with pytest.raises(Forbidden):
        run(session, [ads()], viewer=org["am@t.test"])  # a member whose KPIs no report feeds
    session.rollback()
    result = run(session, [ads()], viewer=org["ppc@t.test"])
    assert result.changes and {c.kpi for c in result.changes} <= set(mapped)
    with pytest.raises(Forbidden):
        run(session, [ads()], viewer=org["ops-lead@t.test"])  # a manager of another team


def test_one_currency_per_org(session, mapped):
    run(session, [ads()])
    session.expire_all()
    assert session.exec(select(Company)).one().currency == "USD"
    euro = s.ads_file(s.ads_rows(span=s.days(7, date(2026, 11, 23))), currency="EUR", symbol="€")
    with pytest.raises(InvalidInput) as err:
        run(session, [upload("ads-de.csv", euro)])
    assert err.value.message.startswith("ads-de.csv is in EUR, but this org's values are in USD")


def test_two_reports_of_one_kind_for_the_same_days_are_refused(session, mapped):
    with pytest.raises(InvalidInput) as err:
        run(session, [ads(name="campaigns.csv"), ads(name="search-terms.csv")])
    assert "campaigns.csv and search-terms.csv are both Amazon Ads reports covering 2026-11-02" in err.value.message


def test_a_range_row_across_two_weeks_is_refused(session, mapped):
    header = "Start Date,End Date,Campaign Name,Impressions,Clicks,Spend,7 Day Total Sales,7 Day Total Orders (#)\n"
    inside = header + "11/02/2026,11/08/2026,A,1000,50,$100.00,$400.00,8\n"
    result = run(session, [upload("summary.csv", inside.encode())])
    acos = mapped[key_of("amazon.acos")]
    assert values(session, acos) == {W45: 25.0}
    across = header + "11/05/2026,11/11/2026,A,1000,50,$100.00,$400.00,8\n"
    with pytest.raises(InvalidInput) as err:
        run(session, [upload("summary2.csv", across.encode())])
    assert "spans two weeks; export daily rows" in err.value.message
    assert result.files[0].first == W45 and result.files[0].last == date(2026, 11, 8)


def test_a_business_report_by_asin_takes_its_range(session, mapped):
    by_asin = (b"(Parent) ASIN,(Child) ASIN,Title,Sessions - Total,Page Views - Total,Units Ordered,"
               b"Ordered Product Sales\n"
               b'B01,B011,"Widget, blue",1000,1400,50,"$1,500.00"\nB01,B012,Widget red,500,600,25,$750.00\n')
    with pytest.raises(InvalidInput) as err:
        run(session, [upload("asin.csv", by_asin)])
    assert "no 'Date' column" in err.value.message and "--dates" in err.value.message
    run(session, [upload("asin.csv", by_asin)], dates=(W45, date(2026, 11, 8)))
    assert values(session, mapped[key_of("amazon.total_sales")]) == {W45: 2250.0}
    assert values(session, mapped[key_of("amazon.unit_session_percentage")]) == {W45: 5.0}
