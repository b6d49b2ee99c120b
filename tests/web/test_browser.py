"""The web app in a real browser: Debian's Chromium driven by Playwright, against a live server.

The server runs as a subprocess on a free 127.0.0.1 port with its own CADENCE_HOME holding the
demo org (demo/northwind.yaml). Screenshots of the main pages land in test-output/.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import Session, select

from assistant.core import db as dbmod
from assistant.domain.auth import create_token
from assistant.domain.models import Person
from assistant.domain.orgfile import import_org, read_org_file
from tests.web.conftest import add_draft, goals_content, live_server

pytestmark = pytest.mark.browser
sync_api = pytest.importorskip("playwright.sync_api")

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
SHOTS = ROOT / "test-output"
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
PEOPLE = {"founder": "founder@northwind.test", "manager": "growth-lead@northwind.test",
          "member": "ppc@northwind.test"}
GOAL_TITLE = "Hold TACOS at or under 9.5% through Q4"
LANDING = {"founder": "**/team", "manager": "**/team", "member": "**/week"}

if not Path(CHROMIUM).exists():
    pytest.skip("Chromium is not installed (apt-get install -y chromium)", allow_module_level=True)


def _seed(home: Path) -> dict[str, str]:
    """The demo org, a token per access level, and a goal suggestion for the member."""
    engine = dbmod.make_engine(f"sqlite:///{home / 'cadence.db'}")
    dbmod.migrate(engine)
    with Session(engine, expire_on_commit=False) as session:
        import_org(session, read_org_file(ROOT / "demo" / "northwind.yaml"))
        session.commit()
        people = {p.email: p for p in session.exec(select(Person))}
        tokens = {level: create_token(session, people[email]) for level, email in PEOPLE.items()}
        session.commit()
        add_draft(session, kind="goals", subject=people[PEOPLE["member"]], viewer=people[PEOPLE["manager"]],
                  **goals_content(), period="2026-Q4")
    engine.dispose()
    return tokens


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    home = tmp_path_factory.mktemp("web-live")
    tokens = _seed(home)
    with live_server(home, ready="/signin", CADENCE_LLM="offline") as base:
        yield {"base": base, "tokens": tokens, "home": home}


@pytest.fixture(scope="module")
def browser():
    pw = sync_api.sync_playwright().start()
    b = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
    yield b
    b.close()
    pw.stop()


@pytest.fixture(scope="module", autouse=True)
def _shots_dir():
    SHOTS.mkdir(exist_ok=True)


class Visit:
    """One signed-in browser context, recording dialogs and CSP violations."""

    def __init__(self, browser, live, level: str, width: int = 1280) -> None:  # noqa: ANN001
        self.base = live["base"]
        self.context = browser.new_context(viewport={"width": width, "height": 900})
        self.page = self.context.new_page()
        self.dialogs: list[str] = []
        self.console: list[str] = []
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        self.page.on("console", lambda m: self.console.append(m.text))
        self.page.goto(self.base + "/signin")
        self.page.fill("#token", live["tokens"][level])
        self.page.click("form[action='/signin'] button[type=submit]")
        self.page.wait_for_url(LANDING[level])  # a member lands on their week, a lead on the team

    def go(self, path: str):  # noqa: ANN201
        return self.page.goto(self.base + path)

    def shot(self, name: str) -> None:
        width = self.page.viewport_size["width"]
        self.page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)

    def close(self) -> None:
        assert not [m for m in self.console if "Content Security Policy" in m], self.console
        self.context.close()


@pytest.fixture
def visit(browser, live):
    opened: list[Visit] = []

    def _open(level: str, width: int = 1280) -> Visit:
        v = Visit(browser, live, level, width)
        opened.append(v)
        return v

    yield _open
    for v in opened:
        v.close()


@pytest.mark.parametrize("level,name,leads", [("founder", "Maya Lindqvist", True),
                                               ("manager", "Daniel Okafor", True),
                                               ("member", "Tomás Herrera", False)])
def test_sign_in_as_each_access_level(visit, level, name, leads):
    v = visit(level)
    assert name in v.page.inner_text(".who")
    nav = v.page.inner_text("nav.nav")
    assert ("Team" in nav) is leads and ("Quarter plan" in nav) is leads
    v.shot(f"week-{level}")
    v.page.click(".signout button")
    v.page.wait_for_url("**/signin")
    assert v.go("/week").url.endswith("/signin?next=/week")


def test_member_files_a_checkin_and_sees_feedback(visit):
    v = visit("member")
    v.go("/week?w=2026-W42")
    v.page.fill("#wins", "Moved 20% of the branded budget into category campaigns.")
    v.page.fill("#priorities", "Bring TACOS back under 12%.")
    v.page.fill("#blockers", "Need a decision on the Q4 budget split.")
    v.page.check("input[name='metric:ppc-tacos'][value='off_track']")
    v.page.click("#checkin button[type=submit]")
    v.page.wait_for_load_state()
    assert "Check-in saved" in v.page.inner_text(".notice")
    assert v.page.locator("#feedback").is_visible()
    assert v.page.input_value("#wins").startswith("Moved 20%")
    assert v.page.is_checked("input[name='metric:ppc-tacos'][value='off_track']")
    v.shot("week-after-checkin")


def test_script_in_a_checkin_renders_as_text(visit):
    evil = '<script>alert("script")</script><img src=x onerror=alert("img")>'
    v = visit("member")
    v.go("/week?w=2026-W43")
    v.page.fill("#wins", evil)
    v.page.fill("#blockers", evil)
    v.page.click("#checkin button[type=submit]")
    v.page.wait_for_load_state()
    assert v.page.input_value("#wins") == evil
    v.page.locator("aside li", has_text="2026-W43").get_by_role("link", name="view").click()
    v.page.wait_for_url("**/checkins/**")
    assert evil in v.page.inner_text(".checkin-view")
    assert v.page.locator(".checkin-view img").count() == 0
    assert v.page.evaluate("document.querySelectorAll('main script').length") == 0
    v.page.wait_for_timeout(300)
    assert v.dialogs == []


def test_member_cannot_reach_the_team_page(visit):
    v = visit("member")
    resp = v.go("/team")
    assert resp.status == 403
    assert v.page.inner_text("h1") == "Not allowed"
    v.shot("error-403")
    assert v.go("/people/1").status == 404


def test_manager_opens_a_brief_and_follows_a_source(visit):
    v = visit("manager")
    v.go("/team")
    v.shot("team")
    card = v.page.locator("article.person-card", has_text="Tomás Herrera")
    card.get_by_role("button", name="Prepare 1:1 brief").click()
    v.page.wait_for_url("**/drafts/**")
    assert "1:1 brief" in v.page.inner_text("h1")
    assert v.page.locator("svg.chart").count() >= 2
    v.shot("brief")
    brief_url = v.page.url
    v.page.locator("a.src[href^='/checkins/']").first.click()
    v.page.wait_for_url("**/checkins/**")
    assert "Tomás Herrera" in v.page.inner_text("h1")
    v.page.goto(brief_url)
    v.page.locator("a.src[href^='/kpis/']").first.click()
    v.page.wait_for_url("**/kpis/**")
    assert v.page.locator("svg.chart").count() >= 1
    v.page.goto(brief_url)
    v.page.get_by_role("button", name="Accept").click()
    v.page.wait_for_load_state()
    assert "accepted" in v.page.inner_text(".eyebrow").lower()


def test_manager_accepts_a_goal_suggestion(visit):
    v = visit("manager")
    v.go("/plan?q=2026-Q4")
    v.shot("plan")
    card = v.page.locator("form.suggestion-card", has_text="Arithmetic").first
    assert "10.5% - 1.0 pt = 9.5%" in card.inner_text()
    card.get_by_role("button", name="Accept as goal").click()
    v.page.wait_for_url("**/plan**")
    assert "Goal saved" in v.page.inner_text(".notice")
    titles = v.page.eval_on_selector_all("form.goal-row input[name=title]", "els => els.map(e => e.value)")
    assert GOAL_TITLE in titles


def test_founder_pages_and_phone_width(visit):
    v = visit("founder")
    for path, name in (("/audit", "audit"), ("/drafts", "drafts"), ("/kpis/ppc-acos", "kpi")):
        assert v.go(path).status == 200
        v.shot(name)
    phone = visit("manager", width=390)
    for path, name in (("/week", "week"), ("/team", "team"), ("/plan", "plan"), ("/audit", "audit"),
                       ("/drafts", "drafts")):
        assert phone.go(path).status == 200
        overflow = phone.page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{path} scrolls sideways on a phone by {overflow}px"
        phone.shot(name)
    phone.go("/drafts")
    link = phone.page.locator("a[href^='/drafts/']").first
    if link.count():
        link.click()
        phone.page.wait_for_url("**/drafts/**")
        assert phone.page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
        phone.shot("brief")


def test_founder_plans_next_quarter_end_to_end(visit):
    """Add an objective to next quarter, confirm a KPI's link, draft and accept a goal; on a phone too."""
    v = visit("founder")
    v.go("/plan?q=2027-Q1")
    v.page.fill("form.add-objective input[name=key]", "gm24")
    v.page.fill("form.add-objective input[name=title]", "Contribution margin on hero SKUs back above 24%")
    v.page.click("form.add-objective button[type=submit]")
    v.page.wait_for_url("**/plan?q=2027-Q1**")
    assert "Objective added" in v.page.inner_text(".notice")
    row = v.page.locator("#links tr", has_text="TACOS").first
    assert "suggested" in row.inner_text()
    row.get_by_role("button", name="Confirm").click()
    v.page.wait_for_url("**/plan?q=2027-Q1**")
    assert "confirmed" in v.page.locator("#links tr", has_text="TACOS").first.inner_text()
    person = v.page.locator("article.plan-person", has_text="PPC specialist").first
    person.get_by_role("button", name="Suggest goals").click()
    v.page.wait_for_url("**/plan?q=2027-Q1**", timeout=60_000)
    card = v.page.locator("form.suggestion-card").first
    assert "by 2027-03-31" in card.inner_text()
    v.shot("plan-next-quarter")
    card.get_by_role("button", name="Accept as goal").click()
    v.page.wait_for_url("**/plan?q=2027-Q1**")
    assert "Goal saved" in v.page.inner_text(".notice")
    phone = visit("founder", width=390)
    phone.go("/plan?q=2027-Q1")
    phone.shot("plan-next-quarter")
    wide = phone.page.evaluate("""[...document.querySelectorAll('main *')].filter(e => e.getBoundingClientRect().right
        > window.innerWidth + 1).slice(0, 3).map(e => e.tagName + '.' + e.className)""")
    overflow = phone.page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the plan scrolls sideways on a phone by {overflow}px: {wide}"


def test_a_kpi_value_and_people_on_a_phone(visit):
    """A manager's refused value keeps what was typed; the next is saved; a founder hands out a link."""
    v = visit("manager", width=390)
    v.go("/kpis/ppc-ntb")
    v.page.fill("#enter-value input[name=value]", "abc")
    v.page.click("#enter-value button[type=submit]")
    v.page.wait_for_load_state()
    assert "not a plain number" in v.page.inner_text("#enter-value .alert")
    assert v.page.input_value("#enter-value input[name=value]") == "abc"
    v.shot("kpi-value-refused")
    v.page.fill("#enter-value input[name=period]", "2026-10-14")  # a Wednesday: filed under its Monday
    v.page.fill("#enter-value input[name=value]", "21.75")
    v.page.click("#enter-value button[type=submit]")
    v.page.wait_for_url("**saved=2026-10-12**")
    assert "21.8%" in v.page.inner_text("#v-2026-10-12")
    for path in ("/kpis/ppc-ntb", "/values/upload?back=/team", "/team"):
        v.go(path)
        assert v.page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0, path
    f = visit("founder", width=390)
    f.go("/admin/people")
    person = f.page.locator("details.person-admin", has_text="Grace Liu")
    person.locator("summary").click()
    person.get_by_role("button", name="Sign-in link").click()
    f.page.wait_for_load_state()
    assert "/signin/link?t=cad_" in f.page.input_value("#signin-link")
    assert f.page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    f.shot("people")


def test_server_log_is_clean(live):
    text = (live["home"] / "server.log").read_text(errors="replace")
    assert "Traceback" not in text, text[-3000:]

