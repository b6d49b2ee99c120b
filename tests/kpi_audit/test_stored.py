"""The audit over stored KPIs: one owner's audits equal the whole audit filtered to them, and
the stored audit says what the org-file audit says, on the demo org and the labelled orgs."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select

from assistant.domain.models import Kpi, Person
from assistant.domain.orgfile import import_org, read_org_file
from assistant.evals import audit_labels as labels
from assistant.kpi_audit.rules import audit_kpis, facts_from_orgfile
from assistant.kpi_audit.stored import audit_visible
from tests.conftest import ROOT

DEMO_TODAY = date(2026, 10, 14)
ORGS = labels.load_orgs()


def _org(name: str):
    if name == "demo":
        return read_org_file(ROOT / "demo" / "northwind.yaml"), DEMO_TODAY
    lo, org = ORGS[name]
    return org, lo.today


@pytest.mark.parametrize("name", ["demo", *ORGS])
def test_one_owners_audit_is_the_whole_audit_filtered(session, name):
    org, today = _org(name)
    import_org(session, org)
    session.commit()
    founder = session.exec(select(Person).where(Person.access == "founder")).first()
    whole = {a.id: a for a in audit_visible(session, founder, today=today)}
    owners = dict(session.exec(select(Kpi.key, Kpi.owner_id)).all())
    for person in session.exec(select(Person)).all():
        for viewer in {founder.id: founder, person.id: person}.values():
            mine = audit_visible(session, viewer, owner_id=person.id, today=today)
            assert {a.id for a in mine} == {k for k, o in owners.items() if o == person.id} or viewer is person
            if viewer is founder:
                for a in mine:
                    assert a == whole[a.id], (name, person.email, a.id)
    # the stored audit and the org-file audit agree (names and titles read the same way)
    facts, stage, objectives = facts_from_orgfile(org, today=today)
    from_file = {a.id: a for a in audit_kpis(facts, stage=stage, objectives=objectives)}
    assert whole == from_file
