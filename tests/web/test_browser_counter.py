"""The character counter in a real browser (Debian's Chromium through Playwright): it counts
as the person types, says when the limit is reached, and needs nothing but static/app.js
(no request leaves the site: the Content-Security-Policy would refuse one and the test fails)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.web.conftest import demo_home, live_server

pytestmark = pytest.mark.browser
sync_api = pytest.importorskip("playwright.sync_api")

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"

if not Path(CHROMIUM).exists():
    pytest.skip("Chromium is not installed (apt-get install -y chromium)", allow_module_level=True)


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    home = tmp_path_factory.mktemp("web-counter")
    tokens, _ = demo_home(home, ("ppc@northwind.test",))
    token = tokens["ppc@northwind.test"]
    with live_server(home, CADENCE_LLM="offline", CADENCE_TODAY="2026-10-14") as base:
        yield base, token


def test_the_check_in_counter_counts_as_you_type_and_says_the_limit(live):
    base, token = live
    pw = sync_api.sync_playwright().start()
    browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                                 args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
    try:
        page = browser.new_context(viewport={"width": 390, "height": 900}).new_page()
        console: list[str] = []
        page.on("console", lambda m: console.append(m.text))
        page.goto(base + "/signin")
        page.fill("#token", token)
        page.click("form[action='/signin'] button[type=submit]")
        page.goto(base + "/week")
        page.fill("#blockers", "")
        assert page.inner_text("#blockers-count") == "0 of 4,000 characters"
        page.type("#blockers", "Budget sign-off")
        assert page.inner_text("#blockers-count") == "15 of 4,000 characters"
        page.fill("#blockers", "x" * 4100)  # the browser keeps 4,000; the counter says so
        assert page.input_value("#blockers") == "x" * 4000
        assert page.inner_text("#blockers-count") == "4,000 of 4,000 characters: the limit; shorten it to add more"
        assert "counter-near" in (page.get_attribute("#blockers-count", "class") or "")
        assert not [m for m in console if "Content Security Policy" in m], console
    finally:
        browser.close()
        pw.stop()
