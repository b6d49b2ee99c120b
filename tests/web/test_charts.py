"""The server-side SVG chart: a pure function, well-formed, escaped, honest about its target."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from datetime import date, timedelta

from assistant.web.charts import fmt_value, line_chart

NS = {"s": "http://www.w3.org/2000/svg"}
START = date(2026, 9, 7)


def weeks(values):  # noqa: ANN001, ANN201
    return [(START + timedelta(weeks=i), v) for i, v in enumerate(values)]


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # raises on malformed XML


def test_series_with_target_draws_line_points_and_target():
    svg = line_chart(weeks([32.1, 30.0, 27.5, 21.9]), title="ACOS", target=25, unit="percent", direction="down")
    root = parse(svg)
    assert root.tag.endswith("svg") and root.get("role") == "img" and root.get("aria-label") == "ACOS"
    assert len(root.findall(".//s:circle", NS)) == 4
    poly = root.find(".//s:polyline", NS)
    assert poly is not None and len(poly.get("points").split()) == 4
    target = root.find(".//s:line[@class='chart-target']", NS)
    assert target is not None and target.get("y1") == target.get("y2")
    assert "target 25.0%" in svg and "21.9%" in svg  # target label and the last value


def test_target_line_sits_between_values_it_separates():
    root = parse(line_chart(weeks([10, 20]), title="x", target=15))
    ys = [float(c.get("cy")) for c in root.findall(".//s:circle", NS)]
    ty = float(root.find(".//s:line[@class='chart-target']", NS).get("y1"))
    assert min(ys) < ty < max(ys)


def test_target_outside_the_values_stays_inside_the_plot():
    root = parse(line_chart(weeks([1, 2, 3]), title="x", target=100, height=200))
    ty = float(root.find(".//s:line[@class='chart-target']", NS).get("y1"))
    assert 0 < ty < 200


def _text(root: ET.Element, cls: str) -> ET.Element:
    return root.find(f".//s:text[@class='{cls}']", NS)


def test_last_value_sits_beside_its_point_and_the_target_label_at_the_far_end():
    # Ends on its target: the target label goes to the left end, away from the last points.
    root = parse(line_chart(weeks([5.2, 4.6, 4.1, 3.8]), title="returns", target=4.0, unit="percent"))
    last_x = max(float(c.get("cx")) for c in root.findall(".//s:circle", NS))
    value, target = _text(root, "chart-last"), _text(root, "chart-target-label")
    assert value.text == "3.8%" and float(value.get("x")) > last_x and value.get("text-anchor") is None
    assert target.get("text-anchor") == "start" and float(target.get("x")) < 100
    assert float(value.get("x")) + 40 <= float(root.get("viewBox").split()[2])  # room for "3.8%" in the gutter
    # Starts on its target and moves away: the label goes to the right end.
    away = parse(line_chart(weeks([4.0, 4.6, 5.2]), title="returns", target=4.0, unit="percent"))
    assert _text(away, "chart-target-label").get("text-anchor") == "end"


def test_text_is_escaped():
    svg = line_chart(weeks([1, 2]), title='<script>alert(1)</script> & "q"', target=None)
    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg
    parse(svg)


def test_empty_single_flat_and_non_finite_series():
    assert "No values yet" in line_chart([], title="empty")
    parse(line_chart([], title="empty"))
    one = parse(line_chart(weeks([5]), title="one", target=5))
    assert len(one.findall(".//s:circle", NS)) == 1
    flat = parse(line_chart(weeks([3, 3, 3]), title="flat"))
    assert all(math.isfinite(float(c.get("cy"))) for c in flat.findall(".//s:circle", NS))
    mixed = parse(line_chart(weeks([1, float("nan"), float("inf"), 2]), title="mixed"))
    assert len(mixed.findall(".//s:circle", NS)) == 2


def test_points_are_drawn_in_date_order_and_highlight_marks_one():
    pts = weeks([1, 2, 3])
    root = parse(line_chart(list(reversed(pts)), title="x", highlight=pts[1][0]))
    xs = [float(c.get("cx")) for c in root.findall(".//s:circle", NS)]
    assert xs == sorted(xs)
    assert len(root.findall(".//s:circle[@class='chart-point chart-point-hl']", NS)) == 1


def test_pure_same_input_same_output():
    pts = weeks([4, 5, 6])
    assert line_chart(pts, title="t", target=5) == line_chart(pts, title="t", target=5)


def test_fmt_value():
    assert fmt_value(12.345, "percent") == "12.3%"
    assert fmt_value(2_500_000) == "2.5M"
    assert fmt_value(1240) == "1,240"
    assert fmt_value(0.42) == "0.42"
    assert fmt_value(12.5, "currency") == "$12.5"


def test_gridline_ticks_are_values_from_the_series_or_target():
    """Ticks name the lowest and highest value drawn, never an interpolated number (was 17.66)."""
    root = parse(line_chart(weeks([9.5, 8.1, 7.2]), title="Organic rank", target=6.0, direction="down"))
    ticks = [t.text for t in root.findall(".//s:text[@class='chart-tick']", NS) if t.get("text-anchor") == "end"]
    assert ticks[:2] == ["6", "9.5"]  # then the last date, also right-aligned
