"""Any chat model LangChain supports: Anthropic, Bedrock, Vertex, Ollama, OpenAI and the rest.

Needs the ``[langchain]`` extra (``langchain`` and ``langchain-openai``) plus the integration
package of any other vendor (``langchain-anthropic``, ``langchain-aws``, ...)::

    CADENCE_LLM=langchain CADENCE_LLM_MODEL=anthropic:claude-sonnet-4-5   # key: ANTHROPIC_API_KEY
    CADENCE_LLM=langchain CADENCE_LLM_MODEL=openai:qwen CADENCE_LLM_BASE_URL=http://127.0.0.1:8088/v1

The model is built with ``init_chat_model`` from ``<vendor>:<model>``. The timeout,
``max_tokens`` and retry count go to the integration's own client (LangChain's standard
parameters), so retries are the vendor SDK's and this module adds none. The base URL is passed
to any vendor when set; the key only to ``openai:`` models, because ``CADENCE_LLM_API_KEY`` may
come from ``OPENAI_API_KEY``; other vendors read their usual variables themselves.

The reply is requested through ``with_structured_output`` (``settings.llm_structured``):
``json_schema``, ``json_mode`` (the schema also goes into the system message: LangChain's
JSON mode sends none) or ``tools`` (a forced tool call that only carries the reply). ``auto``
picks ``json_schema`` for api.openai.com, ``tools`` for other OpenAI-compatible servers
(llama.cpp answers HTTP 500 to json_schema and its JSON mode without a schema is unconstrained)
and the integration's own default for every other vendor. A model without structured output
is asked for JSON in the prompt instead.

This module returns the raw JSON text and leaves parsing to ``Provider.complete``, so the
one-repair-then-``DraftInvalid`` flow is the same as every other provider's. Nothing
LangChain-specific leaves this file.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import httpx
import openai
from pydantic import BaseModel

from assistant.errors import ProviderUnavailable

from .base import Message, Provider, Reply, Usage, json_instructions, schema_json
from .openai import is_openai_host, tool_name

try:
    from langchain.chat_models import init_chat_model
    from langchain_core.exceptions import ModelConnectionError, ModelError, ModelRateLimitError, ModelTimeoutError
    from langchain_core.language_models import BaseChatModel
    from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage
except ModuleNotFoundError as err:  # a third-party extra, turned into the provider's typed error
    raise ProviderUnavailable(
        f"the langchain provider needs the [langchain] extra ({err.name} is missing): "
        "pip install 'cadence[langchain]'"
    ) from err

if TYPE_CHECKING:
    from assistant.settings import Settings

INSTALL_HINT = "pip install 'cadence[langchain]' plus the vendor's integration package"
METHODS: dict[str, str] = {"json_schema": "json_schema", "json_mode": "json_mode", "tools": "function_calling"}
_ROLES: dict[str, type[BaseMessage]] = {"system": SystemMessage, "user": HumanMessage, "assistant": AIMessage}
_TRUNCATED = {"length", "max_tokens", "MAX_TOKENS"}
"""Stop reasons meaning "cut off at max_tokens": OpenAI and Ollama, Anthropic, Vertex."""
_TRANSPORT_ERRORS = (ModelError, openai.APIError, httpx.HTTPError, TimeoutError, ConnectionError)
"""What a call may raise when the model cannot answer: LangChain's vendor-neutral tree, and the
transport errors of integrations that do not map theirs onto it yet."""


def split_model(model: str) -> tuple[str, str]:
    """``("anthropic", "claude-...")`` from ``anthropic:claude-...``; a clear error without a vendor."""
    vendor, sep, name = model.partition(":")
    if not (sep and vendor and name):
        raise ProviderUnavailable(
            f"CADENCE_LLM_MODEL={model!r} does not name a vendor: the langchain provider takes "
            "<vendor>:<model>, e.g. openai:gpt-4o-mini, anthropic:claude-sonnet-4-5, ollama:qwen2.5:7b"
        )
    return vendor, name


def resolve_method(structured: str, vendor: str, base_url: str | None) -> str | None:
    """The ``with_structured_output`` method; None lets the integration choose its default."""
    if structured == "auto":
        if vendor == "openai":
            return "json_schema" if is_openai_host(base_url) else "function_calling"
        return None
    if structured not in METHODS:
        raise ValueError(f"unknown structured-output mode {structured!r}")
    return METHODS[structured]


class LangChainProvider(Provider):
    """A LangChain chat model behind ``complete``; ``init`` builds it (a fake one in tests)."""

    name = "langchain"
    supports_json_schema = True
    supports_tools = True
    needs_key = True  # most vendors; Ollama and local OpenAI-compatible servers take none

    def __init__(
        self,
        *,
        model: str,
        base_url: str | None = None,
        api_key: str | None = None,
        structured: str = "auto",
        max_retries: int = 2,
        timeout: float = 60.0,
        max_tokens: int = 1200,
        temperature: float | None = None,
        init: Callable[..., BaseChatModel] = init_chat_model,
    ) -> None:
        self.model = model
        self.vendor, self.model_name = split_model(model)
        self.base_url = base_url
        self.method = resolve_method(structured, self.vendor, base_url)
        self._init = init
        # ChatOllama has no retries (its server is usually on the same machine).
        self._options: dict[str, Any] = {} if self.vendor == "ollama" else {"max_retries": max_retries}
        if temperature is not None:
            self._options["temperature"] = temperature
        if base_url:
            self._options["base_url"] = base_url
        if self.vendor == "openai":
            if not (base_url or api_key):
                raise ProviderUnavailable(
                    "openai: models need CADENCE_LLM_API_KEY (or OPENAI_API_KEY) for api.openai.com; "
                    "set CADENCE_LLM_BASE_URL for a keyless OpenAI-compatible server"
                )
            # Always explicit, so the SDK never falls back to the environment; keyless servers
            # (llama.cpp, vLLM) ignore the placeholder.
            self._options["api_key"] = api_key or "no-key"
        self._models: dict[tuple[int, float], BaseChatModel] = {}
        self.chat_model(max_tokens, timeout)  # a missing package or unknown vendor fails here, not mid-draft

    @classmethod
    def from_settings(cls, settings: Settings) -> LangChainProvider:
        return cls(
            model=settings.llm_model,
            base_url=settings.llm_base_url,
            api_key=settings.llm_api_key,
            structured=settings.llm_structured,
            max_retries=settings.llm_max_retries,
            timeout=settings.llm_timeout,
            max_tokens=settings.llm_max_tokens,
        )

    def chat_model(self, max_tokens: int, timeout: float) -> BaseChatModel:
        """The LangChain model for these limits, built once per pair.

        Limits are constructor arguments because that is where every integration maps them onto
        its own client (``max_tokens`` vs ``num_predict``, the SDK's timeout and retries).
        """
        key = (max_tokens, timeout)
        if key not in self._models:
            options = {**self._options, **self._limits(max_tokens, timeout)}
            try:
                self._models[key] = self._init(model=self.model_name, model_provider=self.vendor, **options)
            except ImportError as err:
                raise ProviderUnavailable(f"the langchain provider cannot load {self.vendor!r}: {err}; "
                                          f"{INSTALL_HINT}") from err
            except (ValueError, openai.OpenAIError) as err:
                raise ProviderUnavailable(f"the langchain provider cannot build {self.model!r}: {err}") from err
        return self._models[key]

    def _limits(self, max_tokens: int, timeout: float) -> dict[str, Any]:
        if self.vendor == "ollama":  # ChatOllama's names: the token cap, its httpx client's options
            return {"num_predict": max_tokens, "client_kwargs": {"timeout": timeout}}
        limits: dict[str, Any] = {"max_tokens": max_tokens, "timeout": timeout}
        if self.vendor == "openai" and not is_openai_host(self.base_url):
            # ChatOpenAI sends the cap as max_completion_tokens, which llama.cpp's server ignores;
            # most OpenAI-compatible servers only know max_tokens.
            limits["extra_body"] = {"max_tokens": max_tokens}
        return limits

    def _generate(
        self, messages: list[Message], schema: type[BaseModel], *, max_tokens: int, timeout: float
    ) -> Reply:
        chat = self.chat_model(max_tokens, timeout)
        if self.method == "json_mode":
            messages = json_instructions(messages, schema)
        try:
            target, options = self._target(schema)
            runnable = chat.with_structured_output(target, include_raw=True, **options)
        except NotImplementedError:
            runnable = None  # no structured output in this integration: ask for JSON in the prompt
            if self.method != "json_mode":
                messages = json_instructions(messages, schema)
        except ValueError as err:
            raise ProviderUnavailable(f"{self.model} does not support structured output as "
                                      f"{self.method!r} (CADENCE_LLM_STRUCTURED): {err}") from err
        sent = [_ROLES[m["role"]](content=m["content"]) for m in messages]
        try:
            raw = runnable.invoke(sent)["raw"] if runnable is not None else chat.invoke(sent)
        except _TRANSPORT_ERRORS as err:
            raise self._unavailable(err, timeout) from err
        return _reply(raw, self.model)

    def _target(self, schema: type[BaseModel]) -> tuple[Any, dict[str, Any]]:
        """The ``with_structured_output`` schema and options for ``schema``."""
        if self.method is None:
            return schema, {}
        if self.vendor == "openai" and self.method == "json_schema":
            # As a plain JSON Schema with strict off: a Pydantic class would be sent in strict mode,
            # which refuses optional fields; the reply is validated (and repaired) by complete().
            unstrict = {"name": tool_name(schema), "schema": schema_json(schema), "strict": False}
            return unstrict, {"method": "json_schema"}
        return schema, {"method": self.method}

    def _unavailable(self, err: BaseException, timeout: float) -> ProviderUnavailable:
        where = f"{self.name} provider ({self.model}{' at ' + self.base_url if self.base_url else ''})"
        if isinstance(err, ModelTimeoutError | openai.APITimeoutError | httpx.TimeoutException | TimeoutError):
            return ProviderUnavailable(f"{where} timed out (timeout {timeout:g}s, after retries)")
        status = getattr(err, "status_code", None)
        if isinstance(status, int):
            limited = status == 429 or isinstance(err, ModelRateLimitError)
            return ProviderUnavailable(f"{where} answered HTTP {status}: {str(err)[:300]}",
                                       retry_after=_retry_after(err) if limited else 30)
        if isinstance(err, ModelRateLimitError):
            return ProviderUnavailable(f"{where} is rate limited: {str(err)[:300]}", retry_after=_retry_after(err))
        if isinstance(err, ModelConnectionError | openai.APIConnectionError | httpx.TransportError | ConnectionError):
            return ProviderUnavailable(f"{where} could not be reached: {err.__cause__ or err}")
        return ProviderUnavailable(f"{where} failed: {str(err)[:300]}")


def _reply(raw: BaseMessage, model: str) -> Reply:
    """The raw JSON text of a reply: the forced tool call's arguments, else the message text."""
    text = ""
    if isinstance(raw, AIMessage):
        if raw.tool_calls:
            text = json.dumps(raw.tool_calls[0]["args"])
        elif raw.invalid_tool_calls:
            text = raw.invalid_tool_calls[0].get("args") or ""  # unparsable: the repair quotes it back
    text = text or raw.text
    usage = getattr(raw, "usage_metadata", None) or {}
    meta = raw.response_metadata or {}
    stop = meta.get("finish_reason") or meta.get("stop_reason") or meta.get("done_reason")
    return Reply(
        text=text,
        usage=Usage(usage.get("input_tokens", 0), usage.get("output_tokens", 0)),
        model=meta.get("model_name") or meta.get("model") or model,
        truncated=stop in _TRUNCATED,
    )


def _retry_after(err: BaseException) -> int:
    headers = getattr(getattr(err, "response", None), "headers", None) or {}
    value = str(headers.get("retry-after", ""))
    return int(value) if value.isdigit() else 30
