"""get_provider: selection by settings, lazy imports, a clear error for a missing provider."""

from __future__ import annotations

import sys

import pytest

import assistant.llm as llm
from assistant.errors import ProviderUnavailable
from assistant.llm import get_provider, provider_class
from assistant.llm.local import LocalProvider
from assistant.llm.openai import OpenAIProvider
from assistant.settings import Settings, get_settings


def test_public_surface_is_pinned():
    assert sorted(llm.__all__) == sorted(
        ["PROVIDERS", "Completion", "Message", "Provider", "Usage", "get_provider", "provider_class"]
    )


def test_openai_is_chosen_when_a_base_url_is_set(monkeypatch):
    monkeypatch.setenv("CADENCE_LLM_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("CADENCE_LLM_MODEL", "qwen")
    monkeypatch.setenv("CADENCE_LLM_TIMEOUT", "7")
    monkeypatch.setenv("CADENCE_LLM_MAX_RETRIES", "1")
    get_settings.cache_clear()
    provider = get_provider()
    assert isinstance(provider, OpenAIProvider)
    assert (provider.model, provider.mode) == ("qwen", "json_mode")
    assert provider.client.max_retries == 1
    assert provider.client.timeout == 7


def test_openai_key_without_url_means_api_openai_com_with_json_schema(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    provider = get_provider(Settings())
    assert provider.base_url == "https://api.openai.com/v1"
    assert provider.mode == "json_schema"


def test_openai_without_a_key_or_url_fails_before_any_call():
    with pytest.raises(ProviderUnavailable, match="needs CADENCE_LLM_API_KEY"):
        get_provider(Settings(llm="openai"))


def test_local_provider_points_at_the_local_port():
    provider = get_provider(Settings(llm="local", local_port=8099))
    assert isinstance(provider, LocalProvider)
    assert provider.base_url == "http://127.0.0.1:8099/v1"
    assert provider.mode == "json_mode"


def test_offline_is_imported_lazily_and_fails_clearly_when_absent(monkeypatch):
    monkeypatch.setitem(llm.PROVIDERS, "offline", "assistant.llm.not_written_yet:OfflineProvider")
    with pytest.raises(ProviderUnavailable, match="'offline' LLM provider is not available"):
        get_provider(Settings(llm="offline"))
    assert "assistant.llm.not_written_yet" not in sys.modules


def test_offline_is_registered_by_import_path_and_is_the_default():
    assert llm.PROVIDERS["offline"] == "assistant.llm.offline:OfflineProvider"
    assert get_provider(Settings()).name == "offline"


def test_a_missing_dependency_inside_a_provider_is_not_hidden(monkeypatch, tmp_path):
    (tmp_path / "cadence_broken_provider.py").write_text("import no_such_dependency_xyz\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setitem(llm.PROVIDERS, "broken", "cadence_broken_provider:Broken")
    with pytest.raises(ModuleNotFoundError, match="no_such_dependency_xyz"):
        provider_class("broken")


def test_unknown_provider_name():
    with pytest.raises(ProviderUnavailable, match="unknown LLM provider 'nope'"):
        provider_class("nope")
