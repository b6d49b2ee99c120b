"""The KPI audit page on the demo org: a summary line with a filter, evidence as sentences and
small tables (never a Python dict), and the owner's own gamed KPI framed for them."""

from __future__ import annotations

import re

import pytest

from assistant.domain.auth import create_token
from assistant.domain.orgfile import import_org, read_org_file
from assistant.domain.team import person_by_email
from assistant.settings import get_settings
from tests.conftest import ROOT
from tests.web.conftest import sign_in


@pytest.fixture
def demo_tokens(session, monkeypatch):
    monkeypatch.setenv("CADENCE_TODAY", "2026-10-14")
    get_settings.cache_clear()
    import_org(session, read_org_file(ROOT / "demo" / "northwind.yaml"))
    session.commit()
    out = {e: create_token(session, person_by_email(session, e))
           for e in ("founder@northwind.test", "ppc@northwind.test")}
    session.commit()
    return out


def _cards(html: str) -> list[str]:
    return re.findall(r'<article[^>]* id="audit-([a-z0-9-]+)"', html)


def test_summary_line_filter_and_evidence(client, demo_tokens):
    sign_in(client, demo_tokens["founder@northwind.test"])
    html = client.get("/audit").text
    summary = re.search(r'<p class="audit-summary"[^>]*>(.*?)</p>', html, re.S).group(1)
    text = re.sub(r"<[^>]+>", "", summary)
    assert re.sub(r"\s+", " ", text).strip().startswith("16 KPIs: 1 gamed, 1 vanity, 3 weak, 11 healthy")
    assert 'href="/audit?verdict=gamed"' in summary
    assert len(_cards(html)) == 16
    assert "{'" not in html and "': " not in html  # no dict printed as evidence
    assert "week-to-week noise" in html and "Method: " in html  # the gamed table and its method in words
    gamed = client.get("/audit?verdict=gamed").text
    assert _cards(gamed) == ["ppc-acos"] and "showing gamed only" in gamed
    assert len(_cards(client.get("/audit?verdict=nonsense").text)) == 16  # an unknown filter shows all


def test_the_owner_reads_a_framed_verdict_not_a_stamp(client, demo_tokens):
    sign_in(client, demo_tokens["founder@northwind.test"])
    founder = client.get("/audit?verdict=gamed").text
    assert 'verdict-badge-gamed"' in founder and "Gamed: ACOS" in founder
    sign_in(client, demo_tokens["ppc@northwind.test"])
    own = client.get("/audit?verdict=gamed").text
    assert _cards(own) == ["ppc-acos"]
    assert 'verdict-badge-gamed"' not in own and "worth a look together" in own
    assert "Worth looking at together: ACOS" in own
