"""A 100,000-row daily ads report: correct weekly values, streamed in bounded memory (slow suite)."""

from __future__ import annotations

import csv
import random
import time
import tracemalloc
from datetime import date, timedelta

import pytest

from assistant.domain.models import Kpi
from assistant.domain.reports.importer import Upload
from tests.domain.reports.conftest import run, values

ROWS = 100_000
START = date(2026, 8, 3)  # a Monday: 91 days are 13 whole weeks


@pytest.mark.slow
def test_a_100k_row_ads_report(session, org, tmp_path):
    rng = random.Random(11)
    path = tmp_path / "sp_daily.csv"
    spend_by_week: dict[date, int] = {}
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        out = csv.writer(f)
        out.writerow(["Date", "Campaign Name", "Impressions", "Clicks", "Spend ", "7 Day Total Sales ",
                      "7 Day Total Orders (#)", "Currency"])
        for i in range(ROWS):
            day = START + timedelta(days=i * 91 // ROWS)
            cents = rng.randint(0, 250_000)
            monday = day - timedelta(days=day.weekday())
            spend_by_week[monday] = spend_by_week.get(monday, 0) + cents
            out.writerow([f"{day:%b %d, %Y}", f"SP {i % 300}", rng.randint(0, 9000), rng.randint(0, 90),
                          f"${cents / 100:,.2f}", f"${rng.randint(0, 900_000) / 100:,.2f}", rng.randint(0, 9), "USD"])
    kpi = Kpi(key="ad-spend", owner_id=org["ppc@t.test"].id, name="Ad spend", unit="currency",
              metric="amazon.ad_spend")
    session.add(kpi)
    session.commit()

    t = time.perf_counter()
    with path.open(encoding="utf-8-sig", newline="") as f:
        assert sum(1 for _ in csv.reader(f)) == ROWS + 1
    bare = time.perf_counter() - t
    tracemalloc.start()
    t = time.perf_counter()
    with path.open("rb") as f:
        result = run(session, [Upload(path.name, f)])
    took = time.perf_counter() - t
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"\n100k-row ads report: import {took:.2f} s (under tracemalloc), bare csv {bare:.2f} s, "
          f"peak traced memory {peak / 1e6:.1f} MB for a {path.stat().st_size / 1e6:.1f} MB file")
    assert result.files[0].rows == ROWS and len(result.changes) == 13
    got = values(session, kpi)
    assert got == pytest.approx({w: c / 100 for w, c in spend_by_week.items()})
    # Streaming: the rows are never all in memory (as Python lists they would take well over 100 MB).
    assert peak < 40e6

