"""Measured retrieval quality: recall@5 on evals/retrieval must stay at or above the floor."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from assistant.retrieval import store

RECALL = Path(__file__).resolve().parents[2] / "evals" / "retrieval" / "recall.py"


@pytest.fixture(autouse=True)
def _fresh_chroma():
    store.reset_clients()
    yield
    store.reset_clients()


def test_recall_at_5(engine, capsys):
    spec = importlib.util.spec_from_file_location("retrieval_recall", RECALL)
    recall = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(recall)
    result = recall.run(engine)
    with capsys.disabled():
        print(f"\nretrieval recall@5 = {result['recall_at_5']:.3f} over {len(result['cases'])} queries")
    assert len(result["cases"]) >= 30
    assert result["recall_at_5"] >= recall.FLOOR, [c for c in result["cases"] if c["recall"] < 1]
