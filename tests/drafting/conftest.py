from __future__ import annotations

import pytest

from assistant.domain.orgfile import import_org, read_org_file
from assistant.domain.team import person_by_email
from tests.conftest import ROOT

DEMO = ROOT / "demo" / "northwind.yaml"


@pytest.fixture
def demo(session):
    """The demo org imported; returns a lookup by email."""
    import_org(session, read_org_file(DEMO))
    session.commit()
    return lambda email: person_by_email(session, email)
