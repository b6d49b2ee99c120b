"""Playbook sections: stable ids, team files, lazy sync."""

from __future__ import annotations

import pytest

from assistant import retrieval
from assistant.retrieval import playbook, store
from assistant.settings import get_settings


@pytest.fixture(autouse=True)
def _fresh_chroma():
    store.reset_clients()
    yield
    store.reset_clients()


def test_parse_markdown_ids_and_text():
    text = "# Our rules\nintro skipped\n\n## Fast refunds {#refunds-fast}\nRefund under $50 at once.\n\n" \
           "## No id here\nSome text\nover lines.\n\n## Empty {#empty}\n"
    sections = playbook.parse_markdown(text, name="team-rules")
    assert [s.id for s in sections] == ["refunds-fast", "team-rules-no-id-here"]
    assert sections[0].doc_title == "Our rules" and sections[0].text == "Refund under $50 at once."
    assert sections[1].text == "Some text over lines."
    assert sections[0].source_id == "playbook:refunds-fast"


def test_builtin_playbook_covers_the_brief():
    ids = {s.id for s in playbook.load_sections()}
    assert len(ids) >= 40
    for needed in ("rhythm-loop", "checkin-template", "checkin-wins", "checkin-priorities", "checkin-blockers",
                   "checkin-metric-check", "kpi-role-ppc", "kpi-role-brand", "kpi-test-influenceable",
                   "kpi-test-connects-upward", "kpi-test-reviewable", "kpi-test-gaming", "vanity-metrics",
                   "gaming-acos-tacos", "stage-early", "stage-mature", "goals-smart", "recognition-specific",
                   "pitfall-cadence"):
        assert needed in ids
    for s in playbook.load_sections():
        assert len(s.embed_text.split()) < 220, s.id  # small enough to retrieve on its own


def test_team_files_are_indexed_and_sync_is_lazy(tmp_path, monkeypatch):
    extra = tmp_path / "team"
    extra.mkdir()
    (extra / "returns.md").write_text("# Returns\n\n## Damaged parcel refunds {#team-damaged}\n"
                                      "When a parcel arrives crushed, refund at once and file a carrier claim.\n")
    monkeypatch.setenv("CADENCE_EXTRA_KNOWLEDGE_DIR", str(extra))
    get_settings.cache_clear()
    hits = retrieval.search_playbook("customer got a crushed box, what do we do", k=3)
    assert hits[0].source_id == "playbook:team-damaged"
    assert playbook.playbook_is_current()
    col = store.collection(store.PLAYBOOK)
    digest = col.metadata["digest"]
    retrieval.search_playbook("vanity metrics")  # unchanged files: no rebuild
    assert store.collection(store.PLAYBOOK).metadata["digest"] == digest
    (extra / "returns.md").write_text("# Returns\n\n## Damaged parcel refunds {#team-damaged}\nChanged.\n")
    assert not playbook.playbook_is_current()
    retrieval.search_playbook("refund")
    assert playbook.playbook_is_current()
