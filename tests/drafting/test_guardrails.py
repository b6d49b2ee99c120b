"""The goals draft's guardrail lookups agree with scanning every visible KPI (the old way)."""

from __future__ import annotations

from assistant.domain.kpis import visible_kpis
from assistant.kpi_audit.catalog import get_catalog
from assistant.kpi_audit.catalog import match as catalog_match
from assistant.kpi_audit.visible import VisibleKpis


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
