"""LLM providers behind one small interface (see ``base.py``).

    provider = get_provider()                       # by settings.llm_provider
    done = provider.complete(messages, Schema, max_tokens=..., timeout=...)

Providers are imported lazily by path, so selecting one never imports another's
dependencies (and the offline provider can land in its own module later).
"""

from __future__ import annotations

import importlib

from assistant.errors import ProviderUnavailable
from assistant.settings import Settings, get_settings

from .base import Completion, Message, Provider, Usage

PROVIDERS: dict[str, str] = {
    "offline": "assistant.llm.offline:OfflineProvider",
    "openai": "assistant.llm.openai:OpenAIProvider",
    "langchain": "assistant.llm.langchain:LangChainProvider",
    "local": "assistant.llm.local:LocalProvider",
}


def provider_class(name: str) -> type[Provider]:
    """The provider class registered as ``name``; a clear error if it is not available."""
    try:
        target = PROVIDERS[name]
    except KeyError:
        raise ProviderUnavailable(
            f"unknown LLM provider {name!r}; choose one of {', '.join(PROVIDERS)}"
        ) from None
    module_name, _, attr = target.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as err:
        if err.name != module_name:
            raise  # a dependency inside the module is missing: that is a real bug, not "absent"
        raise ProviderUnavailable(
            f"the {name!r} LLM provider is not available in this build ({module_name} is missing)"
        ) from err
    return getattr(module, attr)


def get_provider(settings: Settings | None = None) -> Provider:
    """The configured provider (``CADENCE_LLM``; default openai if a URL/key is set, else offline)."""
    settings = settings or get_settings()
    return provider_class(settings.llm_provider).from_settings(settings)


__all__ = ["PROVIDERS", "Completion", "Message", "Provider", "Usage", "get_provider", "provider_class"]
