"""A 1:1 run in a real browser (Debian's Chromium through Playwright, against a live server on
the demo org): the manager schedules it, records it held with an agenda, shared and private
notes and two action items; the report adds to the next agenda from My week and reads the
1:1 without the manager's private note; the next brief opens with the open action item.

Screenshots of the 1:1 page as each of them, and of the brief, go to /tmp/shots/ (not committed).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.web.conftest import demo_home, live_server

pytestmark = pytest.mark.browser
sync_api = pytest.importorskip("playwright.sync_api")

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
SHOTS = Path("/tmp/shots")
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
TODAY = "2026-10-14"  # the demo's latest week; the server's clock is pinned to it
MANAGER, REPORT = "growth-lead@northwind.test", "ppc@northwind.test"
PRIVATE = "Watch Tomás's workload before adding the promo"

if not Path(CHROMIUM).exists():
    pytest.skip("Chromium is not installed (apt-get install -y chromium)", allow_module_level=True)


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    home = tmp_path_factory.mktemp("web-1on1")
    tokens, ids = demo_home(home, (MANAGER, REPORT))
    report_id = ids[REPORT]
    with live_server(home, ready="/signin", CADENCE_LLM="offline", CADENCE_TODAY=TODAY) as base:
        yield {"base": base, "tokens": tokens, "home": home, "report_id": report_id}


@pytest.fixture(scope="module")
def browser():
    pw = sync_api.sync_playwright().start()
    b = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
    yield b
    b.close()
    pw.stop()


class Person_:
    """One signed-in browser context; fails the test on a CSP violation or a dialog."""

    def __init__(self, browser, live, email: str, width: int = 1280) -> None:  # noqa: ANN001
        self.base = live["base"]
        self.context = browser.new_context(viewport={"width": width, "height": 900})
        self.page = self.context.new_page()
        self.console: list[str] = []
        self.dialogs: list[str] = []
        self.page.on("console", lambda m: self.console.append(m.text))
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        self.page.goto(self.base + "/signin")
        self.page.fill("#token", live["tokens"][email])
        self.page.click("form[action='/signin'] button[type=submit]")
        self.page.wait_for_load_state()
        assert "/signin" not in self.page.url

    def go(self, path: str):  # noqa: ANN201
        return self.page.goto(self.base + path)

    def submit(self, form: str, button: str) -> None:
        """Click ``button`` in the form matched by ``form`` and wait for the page it leads to."""
        with self.page.expect_navigation():
            self.page.locator(form).get_by_role("button", name=button).click()

    def shot(self, name: str) -> Path:
        SHOTS.mkdir(exist_ok=True)
        path = SHOTS / f"{name}-{self.page.viewport_size['width']}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def close(self) -> None:
        assert not [m for m in self.console if "Content Security Policy" in m], self.console
        assert self.dialogs == []
        self.context.close()


def test_a_1on1_recorded_held_read_by_the_report_and_opened_by_the_next_brief(browser, live):
    manager = Person_(browser, live, MANAGER)
    report_id = live["report_id"]

    # The manager schedules today's 1:1 from Tomás's page and records it held.
    manager.go(f"/people/{report_id}")
    manager.page.fill("form.schedule-form input[name=date]", TODAY)
    manager.submit("form.schedule-form", "Schedule a 1:1")
    assert "/meetings/" in manager.page.url and "The next 1:1 is scheduled." in manager.page.inner_text(".notice")
    meeting_url = manager.page.url.split("?")[0]
    manager.page.select_option("#status select[name=status]", "held")
    manager.page.fill("#status input[name=minutes]", "35")
    manager.submit("#status form[action^='/meetings/']", "Save")
    assert "held" in manager.page.inner_text(".eyebrow").lower()

    manager.page.fill("#agenda-text", "How the category campaigns are going")
    manager.submit("form.agenda-form", "Add to agenda")
    manager.page.fill("#notes-shared", "Agreed to run the bid rule test on the hero campaign first.")
    manager.page.fill("#notes-private", PRIVATE)
    manager.submit("#notes form", "Save notes")
    for text, owner, due in (("Send the bid rule test plan", "report", "2026-10-21"),
                             ("Ask finance about the promo budget", "manager", "2026-10-17")):
        manager.page.fill("#action-text", text)
        manager.page.select_option(".action-form select[name=owner]", owner)
        manager.page.fill(".action-form input[name=due]", due)
        manager.submit("form.action-form", "Add action item")
    assert manager.page.locator(".action-list li.action").count() == 2
    assert manager.page.input_value("#notes-private") == PRIVATE
    manager.shot("meeting-manager")
    # ... and schedules the next one, whose agenda the report can add to from My week.
    manager.page.fill("#status form.schedule-form input[name=date]", "2026-10-21")
    manager.submit("#status form.schedule-form", "Schedule the next 1:1")

    # The report adds an agenda item from My week and reads the held 1:1.
    report = Person_(browser, live, REPORT)
    report.go("/week")
    card = report.page.locator("#one-on-one")
    assert "2026-10-21" in card.inner_text() and "Send the bid rule test plan" in card.inner_text()
    report.page.fill("#one-on-one input[name=text]", "Can I own the promo calendar?")
    report.submit("#one-on-one form.agenda-form", "Add to agenda")
    assert "Can I own the promo calendar?" in report.page.locator("#one-on-one").inner_text()
    report.shot("week-report")
    report.go(meeting_url.removeprefix(live["base"]))
    seen = report.page.inner_text("main")
    assert "How the category campaigns are going" in seen
    assert report.page.input_value("#notes-shared").startswith("Agreed to run the bid rule test")
    assert "Send the bid rule test plan" in seen and "Ask finance about the promo budget" in seen
    assert PRIVATE not in report.page.content() and report.page.input_value("#notes-private") == ""
    assert report.page.locator("#status").count() == 0  # the manager runs the meeting
    report.shot("meeting-report")

    # The next brief opens with what was agreed; one of its points goes on the agenda in a click.
    manager.go(f"/people/{report_id}")
    manager.submit("form[action$='/brief']", "Prepare 1:1 brief")
    assert "/drafts/" in manager.page.url
    first = manager.page.locator(".draft-section").first
    assert first.locator("h3").inner_text() == "What was agreed last time"
    assert "Send the bid rule test plan" in first.inner_text() and "due 2026-10-21" in first.inner_text()
    assert "Can I own the promo calendar?" in manager.page.locator(".draft-section").nth(1).inner_text()
    assert PRIVATE not in manager.page.content()
    buttons = manager.page.locator("form.add-agenda")
    before = buttons.count()
    assert before >= 3
    with manager.page.expect_navigation():
        buttons.nth(before - 1).get_by_role("button", name="Add to agenda").click()
    assert manager.page.locator("form.add-agenda").count() == before - 1
    assert manager.page.locator(".pill", has_text="on the agenda").count() == 1
    manager.shot("brief-manager")

    phone = Person_(browser, live, REPORT, width=390)
    phone.go(meeting_url.removeprefix(live["base"]))
    overflow = phone.page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the 1:1 page scrolls sideways on a phone by {overflow}px"
    phone.shot("meeting-report")
    for person in (manager, report, phone):
        person.close()
    log = (live["home"] / "server.log").read_text(errors="replace")
    assert "Traceback" not in log, log[-3000:]
