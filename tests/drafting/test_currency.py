"""Amounts are written in the org's own currency: a GBP org's drafts, pages and pasted markdown
say "£1.1", never "$1.1" beside the person's own "£1.10"."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from sqlmodel import select

from assistant.core.money import in_currency, money
from assistant.core.templates import fmt_number
from assistant.domain.models import Person
from assistant.domain.orgfile import import_org, read_org_file
from assistant.drafting import DRAFTERS, draft_brief
from assistant.web.charts import fmt_value
from tests.conftest import SMALL_ORG

CPC = {"id": "ppc-cpc", "owner": "ppc@t.test", "name": "Cost per click", "description": "Ad spend per click",
       "unit": "currency", "direction": "down", "frequency": "weekly", "target": 1.0, "objective": "margin",
       "tier": "secondary", "values": [{"period": "2026-09-07", "value": 1.25}, {"period": "2026-09-14", "value": 1.1}]}


def org_file(folder: Path, currency: str) -> Path:
    """The small org with a money KPI on the PPC specialist and the company's ``currency``."""
    org = yaml.safe_load(SMALL_ORG.read_text())
    org["company"]["currency"] = currency
    org["kpis"].append(CPC)
    # Marked on track while off target: the feedback then names both amounts.
    week = next(c for c in org["checkins"] if c["person"] == "ppc@t.test" and c["week"] == "2026-W38")
    week["metrics"]["ppc-cpc"] = "on_track"
    path = folder / f"org-{currency}.yaml"
    path.write_text(yaml.safe_dump(org, sort_keys=False))
    return path


@pytest.fixture
def gbp_org(session, tmp_path):
    import_org(session, read_org_file(org_file(tmp_path, "GBP")))
    session.commit()
    return {p.email: p for p in session.exec(select(Person))}


@pytest.mark.parametrize(("code", "written"), [("GBP", "£4.24"), ("EUR", "€4.24"), ("USD", "$4.24"),
                                               ("CHF", "CHF 4.24"), ("gbp", "£4.24")])
def test_each_code_is_written_as_its_symbol_or_the_code(code, written):
    assert money("4.24", code) == written
    with in_currency(code):
        assert fmt_number(4.24, "currency") == written
        assert fmt_value(4.24, "currency") == written


def test_outside_an_org_amounts_stay_in_dollars_and_other_units_never_change():
    assert fmt_number(1200.5, "currency") == "$1,200.5" and fmt_value(4.2, "currency") == "$4.2"
    with in_currency(None):
        assert fmt_number(4.2, "currency") == "$4.2"
    with in_currency("GBP"):
        assert (fmt_number(12.5, "percent"), fmt_number(3, "days"), fmt_value(12.5, "percent")) == \
               ("12.5%", "3 days", "12.5%")
    assert fmt_number(4.2, "currency") == "$4.2"  # the code is restored on the way out


def test_a_gbp_orgs_brief_writes_every_amount_in_pounds(session, gbp_org):
    draft = DRAFTERS["brief"](session, gbp_org["growth-lead@t.test"], gbp_org["ppc@t.test"], "2026-W38")
    text = " ".join(i["text"] for s in draft.output["sections"] for i in s["items"])
    assert "Cost per click was £1.1 on 2026-09-14 against a target of £1 (off target)" in text
    assert "$" not in text
    # The guard traced the pound figures to the data like the dollar ones: nothing was dropped.
    assert draft.meta["grounding"]["ungrounded"] == []


def test_a_gbp_orgs_feedback_writes_amounts_in_pounds(session, gbp_org):
    ppc = gbp_org["ppc@t.test"]
    draft = DRAFTERS["feedback"](session, ppc, ppc, "2026-W38")
    text = " ".join(i["text"] for s in draft.output["sections"] for i in s["items"])
    assert "Cost per click as on track, but the data has it at £1.1 against a target of £1" in text, text
    assert "$" not in text


def test_the_currency_is_an_input_a_draft_in_dollars_is_not_reused_for_pounds(session, gbp_org):
    lead, ppc = gbp_org["growth-lead@t.test"], gbp_org["ppc@t.test"]
    dollars = draft_brief(session, lead, ppc, "2026-W38")  # the bare drafter: no org currency in force
    pounds = DRAFTERS["brief"](session, lead, ppc, "2026-W38")
    assert pounds.id != dollars.id and "£1.1" in str(pounds.output) and "$1.1" in str(dollars.output)
    assert DRAFTERS["brief"](session, lead, ppc, "2026-W38").id == pounds.id
