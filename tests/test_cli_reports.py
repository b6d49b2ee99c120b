"""`cadence import-report` end to end, in a subprocess like a user runs it."""

from __future__ import annotations

import yaml

from tests.conftest import SMALL_ORG
from tests.domain.reports import samples as s
from tests.test_cli import cadence


def test_import_report_dry_run_then_commit(tmp_path):
    home = tmp_path / "clihome"
    org = yaml.safe_load(SMALL_ORG.read_text())
    for kpi in org["kpis"]:
        kpi["metric"] = {"ppc-acos": "amazon.acos", "ppc-tacos": "amazon.tacos"}.get(kpi["id"])
        if kpi["metric"] is None:
            del kpi["metric"]
    org_file = tmp_path / "org.yaml"
    org_file.write_text(yaml.safe_dump(org))
    assert cadence("import", str(org_file), home=home).returncode == 0
    ads, biz = tmp_path / "sp.csv", tmp_path / "BusinessReport.csv"
    ads.write_bytes(s.ads_file(s.ads_rows()))
    biz.write_bytes(s.business_file(s.business_rows()))

    dry = cadence("import-report", str(ads), "--dry-run", home=home)
    assert dry.returncode == 0, dry.stderr
    assert "sp.csv: Amazon Ads report (found), 63 rows, 2026-11-02 to 2026-11-22" in dry.stdout
    assert "  ppc-acos 2026-11-02: none -> " in dry.stdout and "would change 3 KPI value(s)" in dry.stdout
    assert "note: ppc-tacos 2026-11-02, 2026-11-09, 2026-11-16: left out, no Business Report" in dry.stdout

    done = cadence("import-report", str(ads), str(biz), "--as", "ppc@t.test", home=home)
    assert done.returncode == 0 and "changed 6 KPI value(s)" in done.stdout and "recorded as import 1" in done.stdout
    again = cadence("import-report", str(biz), str(ads), home=home)
    assert "changed 0 KPI value(s), 6 unchanged" in again.stdout

    assert "unsupported file type" in cadence("import-report", str(org_file), home=home).stderr
    notes = tmp_path / "notes.csv"
    notes.write_text("Month,Budget\nNov,100\n")
    bad = cadence("import-report", str(notes), home=home)
    assert bad.returncode == 2 and "notes.csv: not a report Cadence reads" in bad.stderr
    forced = cadence("import-report", str(ads), "--kind", "shopify_orders", home=home)
    assert forced.returncode == 2 and "no header of a Shopify orders export" in forced.stderr
