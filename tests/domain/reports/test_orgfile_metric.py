"""A KPI's metric and the org's currency in the org file: validated, imported, exported, round-tripped."""

from __future__ import annotations

import pytest
from sqlmodel import select

from assistant.domain.models import Company, Kpi
from assistant.domain.orgfile import dump_org, export_org, import_org, parse_org_text
from assistant.errors import OrgFileError

ORG = """
company: {name: Brand, stage: growth, currency: USD}
people:
  - {email: f@t.test, name: F, access: founder, role: Founder}
kpis:
  - {id: tacos, owner: f@t.test, name: TACOS, unit: percent, metric: amazon.tacos}
  - {id: nps, owner: f@t.test, name: NPS}
"""


def test_metric_and_currency_round_trip(session):
    import_org(session, parse_org_text(ORG))
    session.commit()
    assert session.exec(select(Kpi).where(Kpi.key == "tacos")).one().metric == "amazon.tacos"
    exported = export_org(session)
    assert exported["company"]["currency"] == "USD"
    assert exported["kpis"][0]["metric"] == "amazon.tacos" and "metric" not in exported["kpis"][1]
    again = import_org(session, parse_org_text(dump_org(exported)))
    assert not any(again.values())  # import(export(db)) changes nothing


def test_a_file_without_currency_keeps_the_one_an_import_set(session):
    import_org(session, parse_org_text(ORG.replace(", currency: USD", "")))
    company = session.exec(select(Company)).one()
    company.currency = "GBP"
    session.commit()
    import_org(session, parse_org_text(ORG.replace(", currency: USD", "")))
    assert session.exec(select(Company)).one().currency == "GBP"


def test_an_unknown_metric_names_its_line_and_a_near_name():
    with pytest.raises(OrgFileError) as err:
        parse_org_text(ORG.replace("amazon.tacos", "amazon.tacoss"))
    assert "kpis[0].metric (line 6)" in err.value.message and "did you mean 'amazon.tacos'" in err.value.message
    with pytest.raises(OrgFileError, match="company.currency"):
        parse_org_text(ORG.replace("USD", "dollars"))
