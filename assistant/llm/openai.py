"""Any OpenAI-compatible chat endpoint: OpenAI, Azure, Ollama, vLLM, llama.cpp's server.

How the structured reply is requested (``settings.llm_structured``):

- ``json_schema``: ``response_format={"type": "json_schema", ...}`` (OpenAI; vLLM).
- ``json_mode``: the schema goes into the system message and
  ``response_format={"type": "json_object", "schema": ...}`` (llama.cpp turns the schema into a
  grammar; OpenAI gets plain ``json_object`` as it rejects unknown keys).
- ``tools``: one forced function call whose parameters are the schema. The "tool" only
  carries the reply; nothing is ever executed.
- ``auto``: ``json_schema`` for api.openai.com, ``json_mode`` elsewhere; if the server rejects
  the chosen ``response_format`` (HTTP 400/500 naming it; llama.cpp answers 500 to
  json_schema) the provider falls back once to the next mode and keeps using it.

Retries are the SDK's own (``max_retries``, exponential backoff on connection errors,
timeouts, 408/409/429/5xx); whatever is left afterwards becomes ``ProviderUnavailable``.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Literal

import openai
from pydantic import BaseModel

from assistant.errors import ProviderUnavailable

from .base import Message, Provider, Reply, Usage, json_instructions, schema_json

if TYPE_CHECKING:
    import httpx2

    from assistant.settings import Settings

log = logging.getLogger(__name__)

Mode = Literal["json_schema", "json_mode", "tools"]
OPENAI_BASE_URL = "https://api.openai.com/v1"
_NEXT_MODE: dict[str, Mode] = {"json_schema": "json_mode", "json_mode": "tools"}
_REJECTS_FORMAT = re.compile(r"response_format|json_schema", re.IGNORECASE)


def is_openai_host(base_url: str | None) -> bool:
    return base_url is None or "://api.openai.com" in base_url


def resolve_mode(structured: str, base_url: str | None) -> Mode:
    """The structured-output mode for ``structured`` (auto|json_schema|json_mode|tools)."""
    if structured == "auto":
        return "json_schema" if is_openai_host(base_url) else "json_mode"
    if structured not in ("json_schema", "json_mode", "tools"):
        raise ValueError(f"unknown structured-output mode {structured!r}")
    return structured  # type: ignore[return-value]


class OpenAIProvider(Provider):
    name = "openai"
    supports_json_schema = True
    supports_tools = True
    needs_key = True

    def __init__(
        self,
        *,
        model: str,
        base_url: str | None = None,
        api_key: str | None = None,
        structured: str = "auto",
        max_retries: int = 2,
        timeout: float = 60.0,
        temperature: float | None = None,
        http_client: httpx2.Client | None = None,
    ) -> None:
        self.model = model
        self.base_url = base_url or OPENAI_BASE_URL
        self.auto = structured == "auto"
        self.mode: Mode = resolve_mode(structured, base_url)
        self.temperature = temperature
        # Key and URL are always passed explicitly so the SDK never reads the environment;
        # keyless servers (llama.cpp, Ollama) ignore the placeholder.
        self.client = openai.OpenAI(
            api_key=api_key or "no-key",
            base_url=self.base_url,
            max_retries=max_retries,
            timeout=timeout,
            http_client=http_client,
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> OpenAIProvider:
        if is_openai_host(settings.llm_base_url) and not settings.llm_api_key:
            raise ProviderUnavailable(
                "the openai provider needs CADENCE_LLM_API_KEY (or OPENAI_API_KEY) for api.openai.com; "
                "set CADENCE_LLM_BASE_URL for a keyless OpenAI-compatible server"
            )
        return cls(
            model=settings.llm_model,
            base_url=settings.llm_base_url,
            api_key=settings.llm_api_key,
            structured=settings.llm_structured,
            max_retries=settings.llm_max_retries,
            timeout=settings.llm_timeout,
        )

    def _generate(
        self, messages: list[Message], schema: type[BaseModel], *, max_tokens: int, timeout: float
    ) -> Reply:
        mode = self.mode
        try:
            return self._request(mode, messages, schema, max_tokens=max_tokens, timeout=timeout)
        except openai.APIStatusError as err:
            fallback = _NEXT_MODE.get(mode)
            if not (self.auto and fallback and err.status_code in (400, 500) and _names_format(err)):
                raise self._unavailable(err, timeout) from err
            log.warning("%s rejected response_format %s (HTTP %s); using %s from now on",
                        self.base_url, mode, err.status_code, fallback)
            self.mode = fallback
            try:
                return self._request(fallback, messages, schema, max_tokens=max_tokens, timeout=timeout)
            except openai.APIError as err2:
                raise self._unavailable(err2, timeout) from err2
        except openai.APIError as err:
            raise self._unavailable(err, timeout) from err

    def _request(
        self,
        mode: Mode,
        messages: list[Message],
        schema: type[BaseModel],
        *,
        max_tokens: int,
        timeout: float,
    ) -> Reply:
        js = schema_json(schema)
        name = tool_name(schema)
        kwargs: dict = {"model": self.model, "timeout": timeout, "messages": list(messages)}
        # OpenAI's newer models refuse max_tokens; most other servers only know max_tokens.
        kwargs["max_completion_tokens" if is_openai_host(self.base_url) else "max_tokens"] = max_tokens
        if self.temperature is not None:
            kwargs["temperature"] = self.temperature
        if mode == "json_schema":
            kwargs["response_format"] = {
                "type": "json_schema",
                # strict=False: drafts may have optional fields, which strict mode refuses;
                # the reply is validated (and repaired once) by Provider.complete anyway.
                "json_schema": {"name": name, "schema": js, "strict": False},
            }
        elif mode == "json_mode":
            kwargs["messages"] = json_instructions(messages, schema)
            fmt: dict = {"type": "json_object"}
            if not is_openai_host(self.base_url):
                fmt["schema"] = js
            kwargs["extra_body"] = {"response_format": fmt}
        else:
            kwargs["tools"] = [{
                "type": "function",
                "function": {"name": name, "description": _describe(schema), "parameters": js},
            }]
            kwargs["tool_choice"] = {"type": "function", "function": {"name": name}}

        response = self.client.chat.completions.create(**kwargs)
        if not hasattr(response, "choices"):
            # A proxy's HTML error page with HTTP 200 parses to a str, not a completion.
            raise ProviderUnavailable(f"{self.name} provider at {self.base_url} answered with something "
                                      "that is not a chat completion")
        text, truncated = "", False
        if response.choices:
            truncated = response.choices[0].finish_reason == "length"
            message = response.choices[0].message
            calls = message.tool_calls or []
            text = calls[0].function.arguments if calls and calls[0].type == "function" else ""
            text = text or message.content or ""
        usage = response.usage
        return Reply(
            text=text,
            usage=Usage(usage.prompt_tokens, usage.completion_tokens) if usage else Usage(),
            model=response.model or self.model,
            truncated=truncated,
        )

    def _unavailable(self, err: openai.APIError, timeout: float) -> ProviderUnavailable:
        where = f"{self.name} provider at {self.base_url}"
        if isinstance(err, openai.APITimeoutError):
            return ProviderUnavailable(f"{where} timed out (timeout {timeout:g}s, after retries)")
        if isinstance(err, openai.APIConnectionError):
            return ProviderUnavailable(f"{where} could not be reached: {err.__cause__ or err}")
        if isinstance(err, openai.APIStatusError):
            detail = (err.message or "")[:300]
            retry_after = _retry_after(err) if err.status_code == 429 else 30
            return ProviderUnavailable(
                f"{where} answered HTTP {err.status_code}: {detail}", retry_after=retry_after
            )
        return ProviderUnavailable(f"{where} failed: {err}")


def _names_format(err: openai.APIStatusError) -> bool:
    try:
        body = err.response.text
    except Exception:  # noqa: BLE001 - a streamed or closed body; fall back to the message
        body = ""
    return bool(_REJECTS_FORMAT.search(f"{err.message} {body}"))


def _retry_after(err: openai.APIStatusError) -> int:
    value = err.response.headers.get("retry-after", "")
    return int(value) if value.isdigit() else 30


def tool_name(schema: type[BaseModel]) -> str:
    """The schema's name as a tool or json_schema name (letters, digits, _ and -; 64 at most)."""
    return re.sub(r"[^a-zA-Z0-9_-]", "_", schema.__name__)[:64] or "reply"


def _describe(schema: type[BaseModel]) -> str:
    doc = (schema.__doc__ or "").strip()
    return doc.splitlines()[0] if doc else f"Submit the {schema.__name__} reply."
