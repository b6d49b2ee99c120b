"""KPI trend charts as inline SVG, drawn on the server (no chart library, no CDN, no script).

``line_chart`` is a pure function: a series in, an SVG string out. Every piece of text in it
(title, labels, values) is escaped, so a KPI named ``<script>`` draws as text. Colours come
from CSS classes in static/style.css; only geometry is written here.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from datetime import date

from markupsafe import Markup, escape

from assistant.core.money import money

WIDTH, HEIGHT = 360, 190
# PAD_R is the gutter where the last value is written beside its point, clear of the line.
PAD_L, PAD_R, PAD_T, PAD_B = 46, 54, 30, 30


def fmt_value(v: float, unit: str = "") -> str:
    """A short human number: 12.5%, 2.5M, 1,240, 0.42; an amount in the currency in force (£4.2)."""
    if unit == "percent":
        return f"{v:.1f}%"
    a = abs(v)
    if a >= 1_000_000:
        s = f"{v / 1_000_000:.1f}M"
    elif a >= 10_000:
        s = f"{v / 1000:.0f}k"
    elif a >= 100 or float(v).is_integer():
        s = f"{v:,.0f}"
    else:
        s = f"{v:.2f}".rstrip("0").rstrip(".")
    return money(s) if unit == "currency" else s


def _nice_range(lo: float, hi: float) -> tuple[float, float]:
    if hi == lo:
        pad = abs(hi) * 0.1 or 1.0
        return lo - pad, hi + pad
    pad = (hi - lo) * 0.08
    return lo - pad, hi + pad


def line_chart(points: Sequence[tuple[date, float]], *, title: str, target: float | None = None,
               unit: str = "", direction: str = "up", highlight: date | Collection[date] | None = None,
               width: int = WIDTH, height: int = HEIGHT) -> Markup:
    """An SVG line chart of ``points`` (period, value) with an optional dashed target line.

    Non-finite values are dropped. The last point is labelled with its value; ``highlight``
    marks one period or several (e.g. the two points a trend cites). ``direction`` only words the target label.
    """
    pts = sorted((d, float(v)) for d, v in points if v is not None and math.isfinite(v))
    marked = {highlight} if isinstance(highlight, date) else set(highlight or ())
    label = escape(title)
    head = (f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="{label}" '
            f'xmlns="http://www.w3.org/2000/svg"><title>{label}</title>'
            f'<text class="chart-title" x="{PAD_L}" y="18">{label}</text>')
    if not pts:
        empty = head + (f'<text class="chart-empty" x="{width / 2:.0f}" y="{height / 2:.0f}" '
                        'text-anchor="middle">No values yet</text></svg>')
        # the label was escaped above (bandit B704 reviewed)
        return Markup(empty)  # nosec B704
    values = [v for _, v in pts] + ([target] if target is not None and math.isfinite(target) else [])
    lo, hi = _nice_range(min(values), max(values))
    plot_w, plot_h = width - PAD_L - PAD_R, height - PAD_T - PAD_B

    def x(i: int) -> float:
        return PAD_L + (plot_w * i / (len(pts) - 1) if len(pts) > 1 else plot_w / 2)

    def y(v: float) -> float:
        return PAD_T + plot_h * (1 - (v - lo) / (hi - lo))

    parts = [head, f'<line class="chart-axis" x1="{PAD_L}" y1="{PAD_T + plot_h}" '
             f'x2="{PAD_L + plot_w}" y2="{PAD_T + plot_h}"/>']
    # Gridlines at the lowest and highest value drawn: a tick is a number from the data (or
    # the target), never an interpolated one like 17.66 that nobody reported.
    for v in sorted({min(values), max(values)}):
        parts.append(f'<line class="chart-grid" x1="{PAD_L}" y1="{y(v):.1f}" x2="{PAD_L + plot_w}" y2="{y(v):.1f}"/>'
                     f'<text class="chart-tick" x="{PAD_L - 6}" y="{y(v) + 4:.1f}" text-anchor="end">'
                     f'{escape(fmt_value(v, unit))}</text>')
    if target is not None and math.isfinite(target):
        better = "or lower" if direction == "down" else "or higher"
        # Label the end of the target line the series is farther from: a KPI that ends on its
        # target would otherwise have its last points drawn through the label.
        at_right = abs(pts[-1][1] - target) > abs(pts[0][1] - target)
        lx, anchor = (PAD_L + plot_w, "end") if at_right else (PAD_L + 4, "start")
        parts.append(f'<line class="chart-target" x1="{PAD_L}" y1="{y(target):.1f}" x2="{PAD_L + plot_w}" '
                     f'y2="{y(target):.1f}"><title>Target {escape(fmt_value(target, unit))} {better}</title></line>'
                     f'<text class="chart-target-label" x="{lx}" y="{y(target) - 5:.1f}" '
                     f'text-anchor="{anchor}">target {escape(fmt_value(target, unit))}</text>')
    coords = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, (_, v) in enumerate(pts))
    parts.append(f'<polyline class="chart-line" points="{coords}"/>')
    for i, (d, v) in enumerate(pts):
        cls = "chart-point chart-point-hl" if d in marked else "chart-point"
        parts.append(f'<circle class="{cls}" cx="{x(i):.1f}" cy="{y(v):.1f}" r="{5 if d in marked else 3}">'
                     f'<title>{d.isoformat()}: {escape(fmt_value(v, unit))}</title></circle>')
    last_d, last_v = pts[-1]
    parts.append(f'<text class="chart-last" x="{x(len(pts) - 1) + 7:.1f}" y="{y(last_v) + 4:.1f}">'
                 f'{escape(fmt_value(last_v, unit))}</text>')
    base = PAD_T + plot_h + 18
    parts.append(f'<text class="chart-tick" x="{PAD_L}" y="{base}">{pts[0][0].isoformat()}</text>')
    if len(pts) > 1:
        parts.append(f'<text class="chart-tick" x="{PAD_L + plot_w}" y="{base}" text-anchor="end">'
                     f'{last_d.isoformat()}</text>')
    parts.append("</svg>")
    # every text part was escaped as it was added (bandit B704 reviewed)
    return Markup("".join(parts))  # nosec B704
