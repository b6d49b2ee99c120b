"""The metric vocabulary a KPI may name (``metric: amazon.acos``), and how a period's value is made.

Every metric is ``scale x sum(numerator) / sum(denominator)`` over the period's quantities
(or just the sum when it has no denominator): the sums come first, then one ratio for the
period, never a mean of daily ratios. A weekly value is the ISO week, Monday to Sunday,
stored at its Monday; monthly, quarterly and yearly values are the calendar period, stored
at its first day. A flow (ads, sales, sessions, orders) counts for a period only when the
stored days cover the whole period; an inventory snapshot is a level, so a period takes its
latest snapshot.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from assistant.domain.models import Frequency, Unit
from assistant.domain.reports.detect import LABELS

STOCK_KINDS = frozenset({"fba_inventory"})


@dataclass(frozen=True)
class Metric:
    name: str
    label: str
    unit: Unit
    numerator: tuple[str, ...]
    """Quantities as ``<report kind>.<quantity>``, added up."""
    denominator: tuple[str, ...] = ()
    scale: float = 1.0
    formula: str = ""

    @property
    def quantities(self) -> tuple[str, ...]:
        return self.numerator + self.denominator

    @property
    def kinds(self) -> tuple[str, ...]:
        """The report kinds it needs, in the order its quantities name them."""
        return tuple(dict.fromkeys(q.split(".", 1)[0] for q in self.quantities))

    def value(self, sums: dict[str, float]) -> float | None:
        """The metric from the period's sums; None when the denominator is zero."""
        top = sum(sums[q] for q in self.numerator)
        if not self.denominator:
            return round(top * self.scale, 6)
        bottom = sum(sums[q] for q in self.denominator)
        return round(self.scale * top / bottom, 6) if bottom else None


def _m(name: str, label: str, unit: Unit, num: str, den: str = "", scale: float = 1.0, formula: str = "") -> Metric:
    return Metric(name, label, unit, tuple(num.split("+")), tuple(den.split("+")) if den else (), scale, formula)


ADS, BIZ, ORD, SES, FBA = "amazon_ads", "business_report", "shopify_orders", "shopify_sessions", "fba_inventory"
METRICS: dict[str, Metric] = {m.name: m for m in (
    _m("amazon.ad_spend", "Ad spend", Unit.currency, f"{ADS}.spend", formula="sum of Spend"),
    _m("amazon.ad_sales", "Ad sales", Unit.currency, f"{ADS}.sales", formula="sum of 7 Day Total Sales"),
    _m("amazon.ad_orders", "Ad orders", Unit.count, f"{ADS}.orders", formula="sum of 7 Day Total Orders (#)"),
    _m("amazon.ad_clicks", "Ad clicks", Unit.count, f"{ADS}.clicks", formula="sum of Clicks"),
    _m("amazon.ad_impressions", "Ad impressions", Unit.count, f"{ADS}.impressions", formula="sum of Impressions"),
    _m("amazon.acos", "ACOS", Unit.percent, f"{ADS}.spend", f"{ADS}.sales", 100, "ad spend / ad sales x 100"),
    _m("amazon.roas", "ROAS", Unit.ratio, f"{ADS}.sales", f"{ADS}.spend", 1, "ad sales / ad spend"),
    _m("amazon.cpc", "Cost per click", Unit.currency, f"{ADS}.spend", f"{ADS}.clicks", 1, "ad spend / clicks"),
    _m("amazon.ctr", "Click-through rate", Unit.percent, f"{ADS}.clicks", f"{ADS}.impressions", 100,
       "clicks / impressions x 100"),
    _m("amazon.ad_conversion_rate", "Ad conversion rate", Unit.percent, f"{ADS}.orders", f"{ADS}.clicks", 100,
       "ad orders / clicks x 100"),
    _m("amazon.total_sales", "Total sales", Unit.currency, f"{BIZ}.sales", formula="sum of Ordered Product Sales"),
    _m("amazon.units_ordered", "Units ordered", Unit.count, f"{BIZ}.units", formula="sum of Units Ordered"),
    _m("amazon.sessions", "Sessions", Unit.count, f"{BIZ}.sessions", formula="sum of Sessions - Total"),
    _m("amazon.page_views", "Page views", Unit.count, f"{BIZ}.page_views", formula="sum of Page Views - Total"),
    _m("amazon.unit_session_percentage", "Unit session percentage", Unit.percent, f"{BIZ}.units",
       f"{BIZ}.sessions", 100, "units ordered / sessions x 100"),
    _m("amazon.tacos", "TACOS", Unit.percent, f"{ADS}.spend", f"{BIZ}.sales", 100,
       "ad spend (Amazon Ads) / Ordered Product Sales (Business Report) x 100"),
    _m("shopify.orders", "Orders", Unit.count, f"{ORD}.orders", formula="orders created, cancelled ones left out"),
    _m("shopify.average_order_value", "Average order value", Unit.currency, f"{ORD}.subtotal", f"{ORD}.orders", 1,
       "sum of Subtotal / orders"),
    _m("shopify.discount_rate", "Discount rate", Unit.percent, f"{ORD}.discount", f"{ORD}.subtotal+{ORD}.discount",
       100, "sum of Discount Amount / (sum of Subtotal + sum of Discount Amount) x 100"),
    _m("shopify.refund_rate", "Refund rate", Unit.percent, f"{ORD}.refunded", f"{ORD}.total", 100,
       "sum of Refunded Amount / sum of Total x 100"),
    _m("shopify.sessions", "Sessions", Unit.count, f"{SES}.sessions", formula="sum of Sessions"),
    _m("shopify.conversion_rate", "Conversion rate", Unit.percent, f"{SES}.completed_sessions", f"{SES}.sessions",
       100, "sessions that completed checkout / sessions x 100"),
    _m("shopify.add_to_cart_rate", "Add-to-cart rate", Unit.percent, f"{SES}.cart_sessions", f"{SES}.sessions", 100,
       "sessions with cart additions / sessions x 100"),
    _m("amazon.units_available", "Units available", Unit.count, f"{FBA}.available",
       formula="sum of available over SKUs, latest snapshot"),
    _m("amazon.aged_inventory_share", "Aged inventory share", Unit.percent, f"{FBA}.aged_over_180",
       f"{FBA}.aged_total", 100, "units aged over 180 days / units in every age band x 100"),
    _m("amazon.weeks_of_cover", "Weeks of cover", Unit.ratio, f"{FBA}.available+{FBA}.inbound",
       f"{FBA}.shipped_t30", 30 / 7, "(available + inbound) / (units shipped in 30 days / 30 x 7)"),
    _m("amazon.stockout_share", "Stock-out share", Unit.percent, f"{FBA}.skus_stocked_out", f"{FBA}.skus_selling",
       100, "SKUs that sold in 30 days with nothing available / SKUs that sold in 30 days x 100"),
)}


def metrics_of(kind: str) -> list[Metric]:
    return [m for m in METRICS.values() if kind in m.kinds]


# ---------------------------------------------------------------- periods
def period_bounds(day: date, frequency: str) -> tuple[date, date]:
    """The period of ``frequency`` that holds ``day``: (first day, last day)."""
    if frequency == Frequency.weekly:
        start = day - timedelta(days=day.weekday())
        return start, start + timedelta(days=6)
    if frequency == Frequency.monthly:
        start = day.replace(day=1)
    elif frequency == Frequency.quarterly:
        start = date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    else:
        start = date(day.year, 1, 1)
    months = {Frequency.monthly: 1, Frequency.quarterly: 3}.get(Frequency(frequency), 12)
    year, month = divmod(start.month - 1 + months, 12)
    return start, date(start.year + year, month + 1, 1) - timedelta(days=1)


def periods_between(first: date, last: date, frequency: str) -> list[tuple[date, date]]:
    """Every period of ``frequency`` that overlaps first..last, in order."""
    out = []
    start, end = period_bounds(first, frequency)
    while start <= last:
        out.append((start, end))
        start, end = period_bounds(end + timedelta(days=1), frequency)
    return out


@dataclass(frozen=True)
class Stored:
    """One stored total: a quantity of a report kind over first..last (one day, or a range)."""

    quantity: str
    start: date
    end: date
    value: float


def period_sums(metric: Metric, period: tuple[date, date], totals: Iterable[Stored]) -> tuple[dict | None, str]:
    """The period's sums of the metric's quantities, or None and why they cannot be had."""
    start, end = period
    days = (end - start).days + 1
    inside: dict[str, list[Stored]] = {q: [] for q in metric.quantities}
    for t in totals:
        if t.quantity not in inside or t.end < start or t.start > end:
            continue
        if t.start < start or t.end > end:
            return None, f"a row for {t.start}..{t.end} crosses the period; export daily rows"
        inside[t.quantity].append(t)
    sums: dict[str, float] = {}
    for q, rows in inside.items():
        if not rows:
            kind, field = q.split(".", 1)
            return None, f"no {LABELS.get(kind, kind)} with {field.replace('_', ' ')} for the period yet"
        if q.split(".", 1)[0] in STOCK_KINDS:
            sums[q] = max(rows, key=lambda t: t.start).value
            continue
        covered = sum((t.end - t.start).days + 1 for t in rows)
        if covered < days:
            return None, f"only {covered} of {days} days are in the reports"
        sums[q] = sum(t.value for t in sorted(rows, key=lambda t: t.start))
    return sums, ""


def check_metric(name: str | None) -> str | None:
    """A metric name from the vocabulary (or None); anything else is a ValueError that suggests one."""
    if name is None or name in METRICS:
        return name
    import difflib  # noqa: PLC0415 - only a typo pays for it

    close = difflib.get_close_matches(name, list(METRICS), n=1)
    hint = f"; did you mean {close[0]!r}?" if close else f"; the vocabulary: {', '.join(METRICS)}"
    raise ValueError(f"unknown metric {name!r}{hint}")
