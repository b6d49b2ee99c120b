"""Exports written the way sellers receive them, with the raw figures kept beside each file.

Each ``*_rows`` function makes the figures (seeded, so tests are repeatable); each ``*_file``
spells them as the export does, with the real oddities: a BOM, trailing spaces in headers,
"ACoS", en dashes, B2B columns next to the totals, "$1,234.56", "%" and blank cells for
zero. Tests compute what they expect from the rows, never through the parser.
"""

from __future__ import annotations

import csv
import io
import random
from collections import defaultdict
from datetime import date, datetime, timedelta

MONDAY = date(2026, 11, 2)  # ISO week 2026-W45
WEEKS = 3


def days(n: int = 7 * WEEKS, start: date = MONDAY) -> list[date]:
    return [start + timedelta(days=i) for i in range(n)]


def monday(d: date) -> date:
    return d - timedelta(days=d.weekday())


def weekly(rows: list[dict], fields: tuple[str, ...], key: str = "date") -> dict[date, dict[str, float]]:
    """Sums of ``fields`` by the Monday of each row's ISO week."""
    out: dict[date, dict[str, float]] = defaultdict(lambda: dict.fromkeys(fields, 0.0))
    for row in rows:
        for f in fields:
            out[monday(row[key])][f] += row[f]
    return dict(out)


def money(v: float, symbol: str = "$") -> str:
    return f"{symbol}{v:,.2f}"


def _csv(header: list[str], lines: list[list[object]], *, delimiter: str = ",", bom: bool = True) -> bytes:
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(lines)
    return (("\ufeff" if bom else "") + buf.getvalue()).encode("utf-8")


# ---------------------------------------------------------------- Amazon Ads
def ads_rows(seed: int = 1, span: list[date] | None = None, campaigns: int = 3) -> list[dict]:
    rng = random.Random(seed)
    rows = []
    for day in span or days():
        for c in range(campaigns):
            impressions = rng.randint(0, 40_000)
            clicks = rng.randint(0, max(1, impressions // 50))
            spend = round(clicks * rng.uniform(0.3, 2.5), 2)
            orders = rng.randint(0, max(1, clicks // 8)) if clicks else 0
            sales = round(orders * rng.uniform(15, 60), 2) if orders else 0.0
            rows.append({"date": day, "campaign": f"SP - Hero {c} - Exact", "impressions": impressions,
                         "clicks": clicks, "spend": spend, "sales": sales, "orders": orders})
    return rows


def ads_file(rows: list[dict], *, date_style: str = "mon", currency: str = "USD", symbol: str = "$") -> bytes:
    header = ["Date", "Portfolio name", "Currency", "Campaign Name", "Impressions", "Clicks",
              "Click-Thru Rate (CTR)", "Cost Per Click (CPC)", "Spend ", "7 Day Total Sales ",
              "Total Advertising Cost of Sales (ACoS) ", "Total Return on Advertising Spend (RoAS)",
              "7 Day Total Orders (#)", "7 Day Total Units (#)", "7 Day Conversion Rate"]
    lines = []
    for r in rows:
        d = r["date"]
        when = {"mon": f"{d:%b %d, %Y}", "us": f"{d.month}/{d.day}/{d.year}", "iso": d.isoformat()}[date_style]
        ctr = f"{100 * r['clicks'] / r['impressions']:.2f}%" if r["impressions"] else ""
        acos = f"{100 * r['spend'] / r['sales']:.2f}%" if r["sales"] else ""
        lines.append([when, "Not grouped", currency, r["campaign"], r["impressions"], r["clicks"], ctr,
                      money(r["spend"] / r["clicks"], symbol) if r["clicks"] else "", money(r["spend"], symbol),
                      money(r["sales"], symbol) if r["sales"] else "", acos, "", r["orders"] or "",
                      r["orders"] or "", ""])
    return _csv(header, lines)


# ---------------------------------------------------------------- Business Report
def business_rows(seed: int = 2, span: list[date] | None = None) -> list[dict]:
    rng = random.Random(seed)
    out = []
    for day in span or days():
        sessions = rng.randint(800, 3000)
        units = rng.randint(20, sessions // 20)
        out.append({"date": day, "sessions": sessions, "page_views": sessions + rng.randint(100, 900),
                    "units": units, "sales": round(units * rng.uniform(18, 40), 2),
                    "b2b_sessions": rng.randint(0, 90), "b2b_sales": round(rng.uniform(0, 900), 2)})
    return out


def business_file(rows: list[dict], *, dash: str = "\u2013") -> bytes:
    # B2B columns first: a match on a name's start would read them instead of the totals.
    header = ["Date", f"Sessions {dash} Total {dash} B2B", f"Sessions {dash} Total",
              f"Page Views {dash} Total {dash} B2B", f"Page Views {dash} Total", "Unit Session Percentage",
              "Units ordered - B2B", "Units ordered", "Ordered Product Sales - B2B", "Ordered Product Sales",
              "Total Order Items"]
    lines = [[f"{r['date'].month}/{r['date'].day}/{r['date'].year}", r["b2b_sessions"], f"{r['sessions']:,}",
              r["b2b_sessions"] * 2, f"{r['page_views']:,}", f"{100 * r['units'] / r['sessions']:.2f}%", 1,
              r["units"], money(r["b2b_sales"]), money(r["sales"]), r["units"]] for r in rows]
    return _csv(header, lines)


# ---------------------------------------------------------------- Shopify
def order_rows(seed: int = 3, span: list[date] | None = None) -> list[dict]:
    rng = random.Random(seed)
    out, n = [], 1000
    for day in span or days():
        for _ in range(rng.randint(0, 6)):
            n += 1
            subtotal = round(rng.uniform(20, 250), 2)
            discount = round(subtotal * 0.1, 2) if rng.random() < 0.3 else 0.0
            total = round(subtotal + 5.95 + subtotal * 0.08, 2)
            out.append({"name": f"#{n}", "date": day, "subtotal": subtotal, "discount": discount, "total": total,
                        "refunded": round(total * rng.choice([0, 0, 0, 0.5, 1]), 2),
                        "cancelled": rng.random() < 0.1, "items": rng.randint(1, 3),
                        "time": f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:07"})
    return out


def orders_file(rows: list[dict]) -> bytes:
    header = ["Name", "Email", "Financial Status", "Paid at", "Fulfillment Status", "Currency", "Subtotal",
              "Shipping", "Taxes", "Total", "Discount Code", "Discount Amount", "Created at", "Lineitem quantity",
              "Lineitem name", "Lineitem price", "Lineitem sku", "Cancelled at", "Refunded Amount"]
    lines = []
    for r in rows:
        created = f"{r['date'].isoformat()} {r['time']} -0500"
        lines.append([r["name"], "buyer@example.test", "paid", created, "fulfilled", "USD", f"{r['subtotal']:.2f}",
                      "5.95", "1.00", f"{r['total']:.2f}", "SAVE10" if r["discount"] else "",
                      f"{r['discount']:.2f}" if r["discount"] else "", created, 1, "Widget", "10.00", "W-1",
                      created if r["cancelled"] else "", f"{r['refunded']:.2f}" if r["refunded"] else "0.00"])
        for i in range(1, r["items"]):  # further line items: order fields left blank, as Shopify does
            lines.append([r["name"], "buyer@example.test", "", "", "", "", "", "", "", "", "", "", "", 2,
                          f"Extra {i}", "4.00", f"X-{i}", "", ""])
    return _csv(header, lines, bom=False)


def session_rows(seed: int = 4, span: list[date] | None = None) -> list[dict]:
    rng = random.Random(seed)
    out = []
    for day in span or days():
        sessions = rng.randint(500, 4000)
        cart = rng.randint(20, sessions // 8)
        checkout = rng.randint(5, cart)
        out.append({"date": day, "sessions": sessions, "cart": cart, "checkout": checkout,
                    "completed": rng.randint(1, checkout)})
    return out


def sessions_file(rows: list[dict]) -> bytes:
    header = ["Day", "Online store visitors", "Sessions", "Sessions with cart additions",
              "Sessions that reached checkout", "Sessions that completed checkout", "Conversion rate"]
    lines = [[r["date"].isoformat(), int(r["sessions"] * 0.8), r["sessions"], r["cart"], r["checkout"],
              r["completed"], f"{100 * r['completed'] / r['sessions']:.2f}%"] for r in rows]
    return _csv(header, lines)


# ---------------------------------------------------------------- FBA inventory
def fba_rows(seed: int = 5, snapshots: tuple[date, ...] = (date(2026, 11, 4), date(2026, 11, 6),
                                                           date(2026, 11, 13)), skus: int = 12) -> list[dict]:
    rng = random.Random(seed)
    out = []
    for snap in snapshots:
        for s in range(skus):
            ages = [rng.randint(0, 300), rng.randint(0, 200), rng.randint(0, 90), rng.randint(0, 40),
                    rng.randint(0, 20), rng.randint(0, 10)]
            available = 0 if rng.random() < 0.25 else rng.randint(1, 900)
            out.append({"date": snap, "sku": f"SKU-{s}", "available": available, "inbound": rng.randint(0, 300),
                        "ages": ages, "shipped_t30": 0 if rng.random() < 0.2 else rng.randint(1, 600)})
    return out


AGE_COLUMNS = ["inv-age-0-to-90-days", "inv-age-91-to-180-days", "inv-age-181-to-270-days",
               "inv-age-271-to-365-days", "inv-age-366-to-455-days", "inv-age-456-plus-days"]


def fba_file(rows: list[dict]) -> bytes:
    header = ["snapshot-date", "sku", "fnsku", "asin", "product-name", "condition", "available",
              "pending-removal-quantity", *AGE_COLUMNS, "currency", "units-shipped-t7", "units-shipped-t30",
              "units-shipped-t60", "units-shipped-t90", "inbound-quantity", "recommended-action"]
    lines = [[r["date"].isoformat(), r["sku"], "X00", "B00", "Widget, large", "New", r["available"], 0, *r["ages"],
              "USD", r["shipped_t30"] // 4, r["shipped_t30"], r["shipped_t30"] * 2, r["shipped_t30"] * 3,
              r["inbound"], "No action"] for r in rows]
    return _csv(header, lines, delimiter="\t", bom=False)


def ads_xlsx(rows: list[dict]) -> bytes:
    """The ads report as a workbook: real dates and numbers in the cells, not text."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["Date", "Campaign Name", "Impressions", "Clicks", "Spend", "7 Day Total Sales",
                  "7 Day Total Orders (#)", "Currency"])
    for r in rows:
        sheet.append([datetime.combine(r["date"], datetime.min.time()), r["campaign"], r["impressions"],
                      r["clicks"], r["spend"], r["sales"] or None, r["orders"], "USD"])
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()
