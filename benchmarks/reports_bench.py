"""Seller-report import against a bare ``csv`` parse of the same 100,000-row daily ads report.

    python benchmarks/reports_bench.py [--rows 100000] [--json]

Writes the report (90 days x campaigns, formatted as Amazon exports it: "$1,234.56",
"Nov 02, 2026", trailing spaces, a BOM), then times, in this one process: a bare
``csv.reader`` pass over the file (every row split, nothing converted), the parse alone
(``parse_report``: every figure read and summed by day), the whole import into a fresh
SQLite database with KPIs mapped to five ads metrics (parse, checks, totals, values,
record, commit), and polars' ``read_csv`` of the file when polars is installed (the
columnar reader the import would fall back on if plain Python were too slow). Peak memory
is the process's max RSS before and after the import.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

HEADER = ["Date", "Portfolio name", "Currency", "Campaign Name", "Ad Group Name", "Targeting", "Match Type",
          "Impressions", "Clicks", "Click-Thru Rate (CTR)", "Cost Per Click (CPC)", "Spend ", "7 Day Total Sales ",
          "Total Advertising Cost of Sales (ACoS) ", "Total Return on Advertising Spend (RoAS)",
          "7 Day Total Orders (#)", "7 Day Total Units (#)", "7 Day Conversion Rate"]
START = date(2026, 8, 3)  # a Monday; 91 days = 13 whole ISO weeks


def write_report(path: Path, rows: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    per_day = max(1, rows // 91)
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        out = csv.writer(f)
        out.writerow(HEADER)
        for i in range(rows):
            day = START + timedelta(days=min(90, i // per_day))
            imp = rng.randint(0, 20000)
            clicks = rng.randint(0, imp // 40 + 1)
            spend = clicks * rng.uniform(0.2, 2.0)
            orders = rng.randint(0, clicks // 6 + 1) if clicks else 0
            sales = orders * rng.uniform(10, 80)
            out.writerow([f"{day:%b %d, %Y}", "Not grouped", "USD", f"SP - {i % 400} - Exact", f"AG {i % 37}",
                          f"keyword {i}", "EXACT", imp, clicks, f"{100 * clicks / imp:.2f}%" if imp else "",
                          f"${spend / clicks:.2f}" if clicks else "", f"${spend:,.2f}",
                          f"${sales:,.2f}" if sales else "", f"{100 * spend / sales:.2f}%" if sales else "",
                          f"{sales / spend:.2f}" if spend else "", orders or "", orders or "",
                          f"{100 * orders / clicks:.2f}%" if clicks else ""])


def bare_parse(path: Path) -> int:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return sum(1 for _ in csv.reader(f))


def _best(fn, runs: int = 3) -> float:  # noqa: ANN001
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def run(rows: int) -> dict:
    work = Path(tempfile.mkdtemp(prefix="cadence-bench-reports-"))
    os.environ["CADENCE_HOME"] = str(work / "home")
    from sqlmodel import Session

    from assistant.core.db import get_engine, migrate
    from assistant.domain.models import Company, Kpi, Person
    from assistant.domain.reports.detect import parse_report
    from assistant.domain.reports.importer import Upload, import_reports

    path = work / "sp_daily.csv"
    write_report(path, rows)
    out: dict = {"rows": rows, "file_mb": round(path.stat().st_size / 1e6, 1)}
    out["bare_csv_s"] = round(_best(lambda: bare_parse(path)), 3)

    def parse_only() -> None:
        with path.open("rb") as f:
            parse_report(path.name, f)

    out["parse_s"] = round(_best(parse_only), 3)
    engine = get_engine()
    migrate(engine)
    with Session(engine) as session:
        session.add(Company(name="Bench"))
        person = Person(email="ppc@bench.test", name="P", role="PPC specialist")
        session.add(person)
        session.flush()
        for metric in ("amazon.acos", "amazon.ad_spend", "amazon.cpc", "amazon.ctr", "amazon.roas"):
            session.add(Kpi(key=metric.replace(".", "-"), owner_id=person.id, name=metric, metric=metric))
        session.commit()
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    imports = []
    for _ in range(3):  # the first writes 13 weeks x 5 KPIs; the repeats find nothing to change
        t = time.perf_counter()
        with Session(engine) as session, path.open("rb") as f:
            result = import_reports(session, None, [Upload(path.name, f)])
            session.commit()
        imports.append(time.perf_counter() - t)
        out.setdefault("values_written", len(result.changes))
    out["import_s"] = round(imports[0], 3)
    out["reimport_s"] = round(statistics.median(imports[1:]), 3)
    out["import_vs_bare_csv"] = round(imports[0] / out["bare_csv_s"], 2)
    out["max_rss_mb_before_import"] = round(rss_before / 1024)
    out["max_rss_mb_after_import"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    try:
        import polars
    except ImportError:
        out["polars_read_csv_s"] = None
        out["polars"] = "not installed (the import does not need it)"
    else:
        out["polars_read_csv_s"] = round(_best(lambda: polars.read_csv(path, infer_schema_length=0)), 3)
        out["polars"] = polars.__version__
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--json", action="store_true", help="Print only the JSON (for benchmarks/run.py).")
    args = parser.parse_args()
    result = run(args.rows)
    print(json.dumps(result) if args.json else json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
