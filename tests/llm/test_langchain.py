"""LangChainProvider with LangChain's own fake chat model, and langchain-openai on the wire.

The fake (GenericFakeChatModel) covers parsing, the repair flow, usage and error mapping; an
in-process transport shows what langchain-openai sends for each structured-output mode; the
HTTP path against the real SmolLM2 server is in test_langchain_cassettes.py.
"""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Iterator
from typing import Any

import httpx
import httpx2
import pytest
from langchain_core.exceptions import ModelRateLimitError, ModelTimeoutError
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, BaseMessage
from llm_schemas import Feedback

from assistant.errors import DraftInvalid, ProviderUnavailable
from assistant.llm import get_provider
from assistant.llm.langchain import LangChainProvider, resolve_method, split_model
from assistant.settings import Settings

MESSAGES = [{"role": "system", "content": "You coach."}, {"role": "user", "content": "Shipped it."}]
GOOD = {"summary": "Shipped the checkout fix.", "sentiment": "positive"}
USAGE = {"input_tokens": 11, "output_tokens": 7, "total_tokens": 18}


class RecordingFake(GenericFakeChatModel):
    """GenericFakeChatModel that keeps every message list it was sent."""

    seen: list[list[BaseMessage]] = []

    def _generate(self, messages: list[BaseMessage], *args: Any, **kwargs: Any) -> Any:
        self.seen.append(list(messages))
        return super()._generate(messages, *args, **kwargs)


class ToolCapableFake(RecordingFake):
    """Plus the tool binding that LangChain's default with_structured_output needs."""

    bound: list[dict] = []

    def bind_tools(self, tools: Any, *, tool_choice: str | None = None, **kwargs: Any) -> Any:
        self.bound.append({"tools": tools, "tool_choice": tool_choice})
        return self


def tool_reply(args: dict, **extra: Any) -> AIMessage:
    return AIMessage(content="", tool_calls=[{"name": "Feedback", "args": args, "id": "c1"}],
                     usage_metadata=USAGE, **extra)


def provider(*replies: AIMessage | str | Exception, fake: type[RecordingFake] = ToolCapableFake,
             **kwargs: Any) -> tuple[LangChainProvider, Any, list[dict]]:
    """A provider over a fake model that answers ``replies`` in order (an exception is raised)."""

    def script() -> Iterator[AIMessage | str]:
        for reply in replies:
            if isinstance(reply, Exception):
                raise reply
            yield reply

    model = fake(messages=script(), seen=[], **({"bound": []} if fake is ToolCapableFake else {}))
    built: list[dict] = []

    def init(**options: Any) -> RecordingFake:
        built.append(options)
        return model

    kwargs.setdefault("model", "anthropic:claude-test")
    return LangChainProvider(init=init, **kwargs), model, built


def complete(p: LangChainProvider, schema: type = Feedback):
    return p.complete(MESSAGES, schema, max_tokens=100, timeout=5)


# ---------------------------------------------------------------- parsing and usage
def test_a_tool_call_reply_is_parsed_with_its_usage_and_model():
    p, fake, _ = provider(tool_reply(GOOD, response_metadata={"model_name": "claude-served"}))
    done = complete(p)
    assert done.parsed == Feedback(**GOOD)
    assert (done.provider, done.model, done.attempts) == ("langchain", "claude-served", 1)
    assert (done.usage.prompt_tokens, done.usage.completion_tokens) == (11, 7)
    assert [(m.type, m.content) for m in fake.seen[0]] == [("system", "You coach."), ("human", "Shipped it.")]
    assert fake.bound[0]["tools"] == [Feedback]


def test_a_text_reply_in_code_fences_is_parsed_and_missing_usage_counts_zero():
    p, _, _ = provider(AIMessage(content=f"Here you go:\n```json\n{json.dumps(GOOD)}\n```"))
    done = complete(p)
    assert done.parsed.sentiment == "positive"
    assert (done.usage.total_tokens, done.model) == (0, "anthropic:claude-test")


def test_an_invalid_reply_is_repaired_once_with_the_errors_and_usage_sums():
    p, fake, _ = provider(tool_reply({"summary": "ok", "sentiment": "great"}), tool_reply(GOOD))
    done = complete(p)
    assert (done.attempts, done.parsed.sentiment) == (2, "positive")
    assert done.usage.prompt_tokens == 22 and done.usage.completion_tokens == 14
    repair = fake.seen[1]
    assert [m.type for m in repair] == ["system", "human", "ai", "human"]
    assert json.loads(repair[2].content) == {"summary": "ok", "sentiment": "great"}
    assert "sentiment: Input should be 'positive', 'neutral' or 'negative'" in repair[3].content


def test_unparsable_tool_arguments_are_quoted_back_in_the_repair():
    broken = AIMessage(content="", invalid_tool_calls=[{"name": "Feedback", "args": '{"summary": "x",',
                                                        "id": "c1", "error": "bad json"}])
    p, fake, _ = provider(broken, tool_reply(GOOD))
    assert complete(p).attempts == 2
    assert fake.seen[1][2].content == '{"summary": "x",'
    assert "not valid JSON" in fake.seen[1][3].content


def test_a_second_invalid_reply_raises_draft_invalid_after_exactly_two_calls():
    p, fake, _ = provider(tool_reply({"summary": ""}), tool_reply({"summary": "x", "sentiment": "meh"}),
                          tool_reply(GOOD))
    with pytest.raises(DraftInvalid, match="langchain model output failed Feedback validation") as caught:
        complete(p)
    assert len(fake.seen) == 2
    assert caught.value.detail["errors"] == ["sentiment: Input should be 'positive', 'neutral' or 'negative'"]


def test_a_reply_cut_off_at_max_tokens_says_so_in_the_repair():
    cut = AIMessage(content='{"summary": "Shipped the', response_metadata={"finish_reason": "length"})
    p, fake, _ = provider(cut, tool_reply(GOOD))
    complete(p)
    assert "cut off at 100 tokens" in fake.seen[1][3].content


def test_a_model_without_structured_output_is_asked_for_json_in_the_prompt():
    p, fake, _ = provider(json.dumps(GOOD), fake=RecordingFake)  # no bind_tools: no structured output
    assert complete(p).parsed == Feedback(**GOOD)
    assert '"sentiment"' in fake.seen[0][0].content and "JSON Schema" in fake.seen[0][0].content


def test_json_mode_puts_the_schema_into_the_system_message():
    p, fake, _ = provider(json.dumps(GOOD), structured="json_mode")
    complete(p)
    system = fake.seen[0][0].content
    assert system.startswith("You coach.") and '"sentiment"' in system and "JSON Schema" in system


# ---------------------------------------------------------------- errors
class VendorRateLimit(ModelRateLimitError):
    """What an integration raises on HTTP 429: LangChain's class plus the SDK's attributes."""

    status_code = 429
    response = httpx.Response(429, headers={"retry-after": "7"})


@pytest.mark.parametrize(("error", "message", "retry_after"), [
    (VendorRateLimit("slow down"), "answered HTTP 429: slow down", 7),
    (ModelTimeoutError("read timeout"), "timed out (timeout 5s, after retries)", 30),
    (httpx.ConnectError("connection refused"), "could not be reached: connection refused", 30),
])
def test_transport_failures_become_provider_unavailable(error, message, retry_after):
    p, _, _ = provider(error)
    with pytest.raises(ProviderUnavailable, match=message.replace("(", r"\(").replace(")", r"\)")) as caught:
        complete(p)
    assert caught.value.retry_after == retry_after
    assert caught.value.status_code == 503


def test_a_bug_inside_the_integration_is_not_turned_into_an_outage():
    p, _, _ = provider(KeyError("choices"))
    with pytest.raises(KeyError):
        complete(p)


# ---------------------------------------------------------------- building the model
def test_limits_and_retries_go_to_the_integration_once_per_pair():
    p, _, built = provider(max_retries=1, timeout=9, max_tokens=300, temperature=0.0)
    assert built == [{"model": "claude-test", "model_provider": "anthropic", "max_retries": 1,
                      "temperature": 0.0, "max_tokens": 300, "timeout": 9}]
    assert p.chat_model(300, 9) is p.chat_model(300, 9)
    p.chat_model(50, 9)
    assert [b["max_tokens"] for b in built] == [300, 50]
    assert "api_key" not in built[0]  # CADENCE_LLM_API_KEY may be OPENAI_API_KEY: never sent elsewhere


def test_ollama_gets_its_own_names_for_the_limits():
    _, _, built = provider(model="ollama:qwen2.5:7b", base_url="http://127.0.0.1:11434", timeout=9, max_tokens=300)
    assert built == [{"model": "qwen2.5:7b", "model_provider": "ollama", "base_url": "http://127.0.0.1:11434",
                      "num_predict": 300, "client_kwargs": {"timeout": 9}}]


def test_settings_build_a_real_chat_openai_with_the_same_limits():
    settings = Settings(llm="langchain", llm_model="openai:smollm2", llm_base_url="http://127.0.0.1:9/v1",
                        llm_timeout=7, llm_max_retries=1, llm_max_tokens=222)
    p = get_provider(settings)
    assert isinstance(p, LangChainProvider) and p.method == "function_calling"
    chat = p.chat_model(222, 7)
    assert (chat.model_name, chat.max_tokens, chat.request_timeout, chat.max_retries) == ("smollm2", 222, 7, 1)
    assert (chat.root_client.max_retries, chat.root_client.timeout) == (1, 7)
    assert str(chat.root_client.base_url) == "http://127.0.0.1:9/v1/"


@pytest.mark.parametrize(("model", "message"), [
    ("gpt-4o-mini", "does not name a vendor"),
    ("nosuchvendor:model", "cannot build 'nosuchvendor:model'"),
    ("openai:gpt-4o-mini", "need CADENCE_LLM_API_KEY"),
])
def test_misconfiguration_fails_when_the_provider_is_built(model, message):
    with pytest.raises(ProviderUnavailable, match=message):
        get_provider(Settings(llm="langchain", llm_model=model))


def test_a_missing_integration_package_names_what_to_install():
    if importlib.util.find_spec("langchain_xai") is not None:
        pytest.skip("langchain-xai is installed here")
    with pytest.raises(ProviderUnavailable, match="langchain-xai"):
        get_provider(Settings(llm="langchain", llm_model="xai:grok-test"))


@pytest.mark.parametrize(("structured", "vendor", "base_url", "method"), [
    ("auto", "openai", None, "json_schema"),
    ("auto", "openai", "https://api.openai.com/v1", "json_schema"),
    ("auto", "openai", "http://127.0.0.1:8088/v1", "function_calling"),
    ("auto", "anthropic", None, None),
    ("tools", "anthropic", None, "function_calling"),
    ("json_mode", "ollama", None, "json_mode"),
])
def test_structured_output_method(structured, vendor, base_url, method):
    assert resolve_method(structured, vendor, base_url) == method


def test_split_model_keeps_colons_inside_the_model_name():
    assert split_model("ollama:qwen2.5:7b") == ("ollama", "qwen2.5:7b")


# ---------------------------------------------------------------- langchain-openai on the wire
def served(request: httpx2.Request, bodies: list[dict]) -> httpx2.Response:
    bodies.append(json.loads(request.content))
    message = {"role": "assistant", "content": json.dumps(GOOD)}
    return httpx2.Response(200, json={
        "id": "c", "object": "chat.completion", "created": 0, "model": "served-model",
        "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 11, "completion_tokens": 7, "total_tokens": 18},
    })


def over_the_wire(structured: str, base_url: str | None, **kwargs: Any) -> list[dict]:
    from langchain.chat_models import init_chat_model

    bodies: list[dict] = []
    client = httpx2.Client(transport=httpx2.MockTransport(lambda r: served(r, bodies)))
    p = LangChainProvider(model="openai:gpt-test", base_url=base_url, api_key="sk-test", structured=structured,
                          init=lambda **o: init_chat_model(http_client=client, **o), **kwargs)
    done = complete(p)
    assert (done.parsed, done.model, done.usage.total_tokens) == (Feedback(**GOOD), "served-model", 18)
    return bodies


def test_json_schema_goes_out_unstrict_as_with_the_openai_provider():
    body = over_the_wire("auto", None)[0]
    assert body["response_format"]["type"] == "json_schema"
    assert body["response_format"]["json_schema"]["strict"] is False
    assert body["response_format"]["json_schema"]["schema"] == Feedback.model_json_schema()
    assert body["max_completion_tokens"] == 100 and "max_tokens" not in body


def test_json_mode_sends_json_object_and_the_schema_in_the_prompt():
    body = over_the_wire("json_mode", "http://127.0.0.1:9/v1")[0]
    assert body["response_format"] == {"type": "json_object"}
    assert '"sentiment"' in body["messages"][0]["content"]
    assert body["max_tokens"] == 100  # llama.cpp's server reads this one, not max_completion_tokens
