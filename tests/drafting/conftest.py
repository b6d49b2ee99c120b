from __future__ import annotations

import pytest

from assistant.domain.orgfile import import_org, read_org_file
from assistant.domain.team import person_by_email
from assistant.settings import get_settings
from tests.conftest import ROOT

DEMO = ROOT / "demo" / "northwind.yaml"


DEMO_TODAY = "2026-10-11"  # the Sunday of 2026-W41, the demo's last week: its data is current


@pytest.fixture
def demo(session, monkeypatch):
    """The demo org imported, the clock pinned to its last week; returns a lookup by email."""
    monkeypatch.setenv("CADENCE_TODAY", DEMO_TODAY)
    get_settings.cache_clear()
    import_org(session, read_org_file(DEMO))
    session.commit()
    return lambda email: person_by_email(session, email)
