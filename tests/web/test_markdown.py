"""The markdown sanitiser: input HTML never survives, only a fixed set of tags is added."""

from __future__ import annotations

import re

import pytest

from assistant.web.markdown import render_markdown

TAG = re.compile(r"<\s*([a-zA-Z][a-zA-Z0-9]*)")
HREF = re.compile(r'href="([^"]*)"')
ALLOWED = {"p", "ul", "li", "strong", "em", "code", "a", "h3", "h4", "h5", "h6"}


@pytest.mark.parametrize("evil", [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "<a href='javascript:alert(1)'>x</a>",
    "[click](javascript:alert(1))",
    "[click](//evil.test/x)",
    "[click](https://evil.test/x)",
    "![pixel](https://evil.test/p.png)",
    "![pixel](/static/favicon.svg)",
    '**<b onmouseover="x">bold</b>**',
])
def test_no_html_no_external_links_no_images(evil):
    html = str(render_markdown(evil))
    assert set(TAG.findall(html)) <= ALLOWED, html
    assert all(h.startswith("/") and not h.startswith("//") for h in HREF.findall(html)), html
    assert "<img" not in html and "<script" not in html


def test_supported_markup():
    text = "# Title\nSome **bold** and *em* and `code`.\n\n- one\n- two [see](/kpis/ppc-acos#v-2026-09-14)"
    html = str(render_markdown(text))
    assert "<h3>Title</h3>" in html
    assert "<strong>bold</strong>" in html and "<em>em</em>" in html and "<code>code</code>" in html
    assert "<ul><li>one</li><li>two <a href=\"/kpis/ppc-acos#v-2026-09-14\">see</a></li></ul>" in html


def test_code_spans_are_not_reformatted_and_empty_is_empty():
    assert "<code>**x**</code>" in str(render_markdown("`**x**`"))
    assert str(render_markdown("")) == "" and str(render_markdown(None)) == ""
