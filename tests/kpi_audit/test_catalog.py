"""The KPI catalog file and name matching (alias, lexical fallback, semantic with a fake embedder)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from assistant.kpi_audit import catalog as cat
from assistant.kpi_audit.catalog import get_catalog, lexical_match, load_catalog, match, name_key
from assistant.kpi_audit.roles import ROLE_SURE, match_role

CATALOG_PATH = Path(__file__).resolve().parents[2] / "knowledge" / "kpi_catalog.yaml"


def test_catalog_loads_and_covers_the_domain():
    c = get_catalog()
    ids = {k.id for k in c.kpis}
    assert len(ids) >= 40
    role_kpis = {"tacos", "new-to-brand", "organic-rank", "conversion-rate", "ipi", "stock-out-rate",
                 "inventory-turnover", "receiving-resolution", "fcr", "escalation-rate",
                 "creative-testing-velocity", "winning-angle-adoption", "repeat-purchase-rate",
                 "campaign-accuracy", "contribution-margin", "project-completion"}
    assert role_kpis <= ids
    vanity = {k.id for k in c.kpis if k.vanity == "yes"}
    assert {"page-views", "followers", "impressions", "tickets-answered", "sessions"} <= vanity
    assert c.get("total-sales").vanity == "alone"
    # the gaming pairs the audit relies on
    assert {"tacos", "total-sales"} <= set(c.get("acos").guardrails)
    assert {"repeat-contact-rate", "escalation-rate"} <= set(c.get("first-response-time").guardrails)
    assert "conversion-rate" in c.get("sessions").guardrails
    assert "stock-out-rate" in c.get("inventory-turnover").guardrails
    assert "aged-inventory" in c.get("po-throughput").guardrails
    assert {"contribution-margin", "discount-depth"} <= set(c.get("total-sales").guardrails)


def test_catalog_is_cached():
    assert get_catalog() is get_catalog()


@pytest.mark.parametrize("mutate, message", [
    (lambda d: d["kpis"][0].update(colour="red"), "Extra inputs"),
    (lambda d: d["kpis"][0].update(guardrails=["no-such-kpi"]), "bad guardrail"),
    (lambda d: d["kpis"][0].update(roles=["astronaut"]), "unknown role"),
    (lambda d: d["kpis"][1]["aliases"].append("ACoS %"), "collides"),
    (lambda d: d["kpis"][0].update(direction="sideways"), "direction"),
])
def test_bad_catalog_is_rejected(tmp_path, mutate, message):
    data = yaml.safe_load(CATALOG_PATH.read_text(encoding="utf-8"))
    mutate(data)
    bad = tmp_path / "catalog.yaml"
    bad.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(ValidationError, match=message):
        load_catalog(bad)


@pytest.mark.parametrize("raw, key", [
    ("ACoS %", "aco"),
    ("Advertising Cost of Sale", "advertising cost sale"),
    ("avg first reply time (hrs)", "average first reply time"),
    ("Sessions per week", "session"),
])
def test_name_key_normalises(raw, key):
    assert name_key(raw) == key


@pytest.mark.parametrize("name, kpi_id", [
    ("Advertising cost of sale", "acos"),
    ("ACoS %", "acos"),
    ("avg first reply time (hrs)", "first-response-time"),
    ("Total ACoS", "tacos"),
    ("Unit session %", "conversion-rate"),
    ("IPI", "ipi"),
    ("Avg inventory age (days)", "aged-inventory"),
])
def test_alias_match(name, kpi_id):
    m = match(name, semantic=False)
    assert m is not None and m.entry.id == kpi_id
    assert m.how == "alias" and m.confidence == 1.0


@pytest.mark.parametrize("name, kpi_id", [
    ("Sponsored Products ACOS", "acos"),
    ("Website sessions per week", "sessions"),
    ("Customer escalations", "escalation-rate"),
    ("Listing CVR (orders / sessions)", "conversion-rate"),
    ("Purchase orders raised", "po-throughput"),
    ("Blog page views", "page-views"),
])
def test_lexical_fallback(name, kpi_id):
    m = match(name, semantic=False)
    assert m is not None and m.entry.id == kpi_id
    assert m.how == "lexical" and 0 < m.confidence < 1


@pytest.mark.parametrize("name", ["Coffee consumed", "Warehouse pick accuracy", "Employee happiness", ""])
def test_unknown_names_do_not_match(name):
    assert match(name, semantic=False) is None


def test_numerator_decides_containment():
    m = match("Defects per 1000 orders", semantic=False)
    assert m is None or m.entry.id != "units-sold"


def test_money_kpi_never_matches_a_count_entry():
    m = match("Fulfilment cost per unit shipped", unit="currency", semantic=False)
    assert m is None or m.entry.unit != "count"
    assert lexical_match("Units shipped", unit="count").entry.id == "units-shipped"


@pytest.mark.parametrize("title, role_id", [
    ("Senior PPC Specialist", "ppc"),
    ("Head of Customer Support", "support"),
    ("Email marketing manager", "retention"),
    ("Supply chain & operations manager", "supply-chain"),
    ("Amazon Account Manager", "account-manager"),
    ("Founder and CEO", "founder"),
    ("Paid social buyer", "ppc"),  # "buyer" alone also names an inventory buyer
    ("Director of Operations", "operations"),
    ("Subscription lead", "retention"),
])
@pytest.mark.parametrize("semantic", [False, True], ids=["lexical", "semantic"])
def test_match_role(title, role_id, semantic):
    m = match_role(title, semantic=semantic)
    assert m.id == role_id and m.sure


def test_unknown_role():
    assert match_role("Astronaut", semantic=False) is None
    assert match_role(None) is None
    assert match_role("CEO").influences_all


def test_a_loose_word_alone_is_not_a_sure_reading():
    lexical = match_role("Wholesale buyer", semantic=False)
    assert lexical.id == "supply-chain" and lexical.confidence < ROLE_SURE


def test_the_title_meaning_overrides_a_loose_word():
    m = match_role("Meta advertising buyer")
    assert m.id == "ppc"  # "advertising" is a PPC alias: the strong word wins over the loose one
    semantic_only = match_role("Head of marketplace")
    assert semantic_only is not None and semantic_only.how == "semantic" and semantic_only.id == "account-manager"


class _FakeEmbedder:
    """Two-dimensional 'embeddings': texts about replying point one way, the rest the other."""

    model_id = "fake"
    dimension = 2

    def embed(self, texts):
        return [[1.0, 0.0] if "reply" in t.lower() else [0.0, 1.0] for t in texts]


def test_semantic_path_uses_the_embedder(monkeypatch):
    from assistant.core import embeddings
    monkeypatch.setattr(embeddings, "get_embedder", lambda: _FakeEmbedder())
    fresh = load_catalog(CATALOG_PATH)  # a new catalog object gets its own vector cache
    m = match("How quickly we reply to shoppers", catalog=fresh)
    assert m is not None and m.how == "semantic"
    assert m.entry.id == "first-response-time"


def test_semantic_falls_back_to_lexical_when_embedder_is_unavailable(monkeypatch):
    from assistant.core import embeddings
    def broken():
        raise embeddings.EmbeddingUnavailable("model file missing")

    monkeypatch.setattr(embeddings, "get_embedder", broken)
    fresh = load_catalog(CATALOG_PATH)
    assert cat.semantic_match("Sponsored Products ACOS", catalog=fresh) is None
    m = match("Sponsored Products ACOS", catalog=fresh)
    assert m is not None and m.how == "lexical" and m.entry.id == "acos"
