"""VisibleKpis, the goals draft's guardrail lookups, agree with scanning every visible KPI."""

from __future__ import annotations

import pytest

from assistant.domain.kpis import visible_kpis
from assistant.domain.orgfile import import_org, read_org_file
from assistant.domain.team import person_by_email
from assistant.kpi_audit.catalog import get_catalog
from assistant.kpi_audit.catalog import match as catalog_match
from assistant.kpi_audit.stored import VisibleKpis
from tests.conftest import ROOT


@pytest.fixture
def demo(session):
    """The demo org imported; returns a lookup by email."""
    import_org(session, read_org_file(ROOT / "demo" / "northwind.yaml"))
    session.commit()
    return lambda email: person_by_email(session, email)


def test_lookups_match_a_scan_of_every_visible_kpi(session, demo):
    for email in ("founder@northwind.test", "growth-lead@northwind.test", "ppc@northwind.test"):
        viewer = demo(email)
        tracked = visible_kpis(session, viewer)
        matched = {k.key: m.entry.id for k in tracked if (m := catalog_match(k.name, k.description, unit=k.unit))}
        lookup = VisibleKpis(session, viewer)
        for k in tracked:
            if k.guardrail_id:
                scan = next((g for g in tracked if g.id == k.guardrail_id), None)
                assert lookup.by_id(k.guardrail_id) == scan
        hits = 0
        for entry in get_catalog().kpis:
            for k in tracked[:6]:
                scan = next((key for key, cid in matched.items() if cid == entry.id and key != k.key), None)
                found = lookup.first_of_entry(entry.id, exclude_key=k.key)
                assert (found.key if found else None) == scan, (email, entry.id, k.key)
                hits += found is not None
        assert hits > 0
        assert [k.key for k in lookup.owned_by(viewer.id)] == [k.key for k in tracked if k.owner_id == viewer.id]
