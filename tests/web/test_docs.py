"""/docs and /redoc: served from the fastapi-offline package under the app's CSP, no CDN."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from assistant.web.security import CSP
from tests.web.conftest import live_server

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
def test_the_pages_name_no_other_origin_and_carry_the_csp(client, path):
    resp = client.get(path)
    assert resp.status_code == 200
    assert not re.search(r"""(src|href)="(https?:)?//""", resp.text), resp.text
    assert "<script>" not in resp.text  # nothing inline: the CSP would refuse it
    csp = resp.headers["content-security-policy"]
    assert "script-src 'self';" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
    if path == "/docs":
        assert csp == CSP
    for asset in re.findall(r'(?:src|href)="(/[^"]+)"', resp.text):
        assert client.get(asset).status_code == 200, asset


def test_the_redoc_nonce_is_fresh_per_response(client):
    first, second = client.get("/redoc"), client.get("/redoc")
    nonces = [re.search(r"'nonce-([^']+)'", r.headers["content-security-policy"])[1] for r in (first, second)]
    assert nonces[0] != nonces[1]
    assert f'data-nonce="{nonces[0]}"' in first.text


def test_every_schema_the_openapi_document_names_is_in_it(client):
    doc = client.get("/openapi.json").json()
    named = set(re.findall(r"#/components/schemas/([A-Za-z0-9_.-]+)", json.dumps(doc)))
    assert named and named <= set(doc["components"]["schemas"]), named - set(doc["components"]["schemas"])


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    if not Path(CHROMIUM).exists():
        pytest.skip("Chromium is not installed (apt-get install -y chromium)")
    pytest.importorskip("playwright.sync_api")
    home = tmp_path_factory.mktemp("docs-live")
    with live_server(home, ready="/api/health", CADENCE_INDEXER="off") as base:
        yield base


def _open(server: str, path: str, rendered: str) -> tuple[str, list[str], list[str]]:
    """The page's text once rendered, the requests that tried to leave this server, and the console."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                                     args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        page = browser.new_page()
        outside: list[str] = []
        console: list[str] = []

        def route(r) -> None:  # noqa: ANN001
            if r.request.url.startswith(server) or r.request.url.startswith("blob:"):
                r.continue_()
            else:
                outside.append(r.request.url)
                r.abort()

        page.route("**/*", route)
        page.on("console", lambda m: console.append(m.text))
        page.goto(server + path)
        page.locator(rendered).first.wait_for(timeout=20_000)  # an operation drawn from /openapi.json
        text = page.inner_text("body")
        browser.close()
    return text, outside, console


@pytest.mark.browser
def test_swagger_ui_renders_with_no_request_outside(server):
    text, outside, console = _open(server, "/docs", ".opblock-summary-description:text-is('List People')")
    assert "Cadence" in text and "/api/kpis/values" in text
    assert outside == []
    assert not [m for m in console if "Content Security Policy" in m], console


@pytest.mark.browser
def test_redoc_renders_with_no_request_outside(server):
    text, outside, console = _open(server, "/redoc", "h2:text-is('List People')")
    assert "Cadence" in text and "Something went wrong" not in text
    assert outside == []  # the CDN logo is refused by the CSP before it becomes a request
    refused = [m for m in console if "Content Security Policy" in m]
    assert all("Applying inline style" in m or "cdn.redoc.ly" in m for m in refused), refused
