"""OpenAIProvider against an in-process transport: request shapes, fallback, error mapping.

The HTTP path against a real model is in test_openai_provider.py (vcrpy cassettes).
"""

from __future__ import annotations

import json
import socket
import threading
import time

import httpx2
import pytest
from llm_schemas import Feedback

from assistant.errors import DraftInvalid, ProviderUnavailable
from assistant.llm.base import schema_text
from assistant.llm.local import LocalProvider
from assistant.llm.openai import OpenAIProvider, resolve_mode

MESSAGES = [{"role": "system", "content": "You coach."}, {"role": "user", "content": "Shipped it."}]
GOOD = '{"summary": "Shipped.", "sentiment": "positive"}'
FAST = {"retry-after-ms": "1"}  # keeps the SDK's backoff between retries to a millisecond


def chat(content: str | None = GOOD, *, tool_args: str | None = None) -> dict:
    message: dict = {"role": "assistant", "content": content}
    if tool_args is not None:
        message["tool_calls"] = [{"id": "c1", "type": "function",
                                  "function": {"name": "Feedback", "arguments": tool_args}}]
    return {
        "id": "chatcmpl-1", "object": "chat.completion", "created": 0, "model": "served-model",
        "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 11, "completion_tokens": 7, "total_tokens": 18},
    }


class Server:
    """Scripted responses; records every request body."""

    def __init__(self, *responses: httpx2.Response | Exception) -> None:
        self.responses = list(responses)
        self.bodies: list[dict] = []
        self.headers: list[httpx2.Headers] = []

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        self.bodies.append(json.loads(request.content))
        self.headers.append(request.headers)
        item = self.responses.pop(0) if len(self.responses) > 1 else self.responses[0]
        if isinstance(item, Exception):
            raise item
        return item


def provider(server: Server, **kwargs) -> OpenAIProvider:
    kwargs.setdefault("model", "m")
    kwargs.setdefault("max_retries", 0)
    return OpenAIProvider(http_client=httpx2.Client(transport=httpx2.MockTransport(server)), **kwargs)


def complete(p: OpenAIProvider, *, max_tokens: int = 64):
    return p.complete(MESSAGES, Feedback, max_tokens=max_tokens, timeout=5)


@pytest.mark.parametrize(
    ("structured", "base_url", "mode"),
    [
        ("auto", None, "json_schema"),
        ("auto", "https://api.openai.com/v1", "json_schema"),
        ("auto", "http://127.0.0.1:8088/v1", "json_mode"),
        ("tools", None, "tools"),
        ("json_mode", None, "json_mode"),
    ],
)
def test_mode_is_chosen_by_endpoint(structured, base_url, mode):
    assert resolve_mode(structured, base_url) == mode


def test_json_schema_request_on_openai():
    server = Server(httpx2.Response(200, json=chat()))
    p = provider(server, api_key="sk-secret")
    done = complete(p)
    body = server.bodies[0]
    assert body["response_format"]["type"] == "json_schema"
    assert body["response_format"]["json_schema"]["name"] == "Feedback"
    assert body["response_format"]["json_schema"]["schema"] == Feedback.model_json_schema()
    assert body["max_completion_tokens"] == 64 and "max_tokens" not in body
    assert body["messages"] == MESSAGES
    assert server.headers[0]["authorization"] == "Bearer sk-secret"
    assert done.parsed == Feedback(summary="Shipped.", sentiment="positive")
    assert (done.usage.prompt_tokens, done.usage.completion_tokens) == (11, 7)
    assert (done.model, done.provider) == ("served-model", "openai")


def test_json_mode_puts_the_schema_in_the_system_message_and_response_format():
    server = Server(httpx2.Response(200, json=chat()))
    complete(provider(server, base_url="http://127.0.0.1:1/v1"))
    body = server.bodies[0]
    assert body["response_format"] == {"type": "json_object", "schema": Feedback.model_json_schema()}
    assert body["max_tokens"] == 64
    system = body["messages"][0]
    assert system["content"].startswith("You coach.\n\nReply with one JSON object only")
    assert schema_text(Feedback) in system["content"]
    assert body["messages"][1:] == MESSAGES[1:]


def test_json_mode_on_openai_sends_plain_json_object():
    server = Server(httpx2.Response(200, json=chat()))
    complete(provider(server, structured="json_mode"))
    assert server.bodies[0]["response_format"] == {"type": "json_object"}


def test_tools_mode_forces_one_call_and_reads_its_arguments():
    server = Server(httpx2.Response(200, json=chat(None, tool_args=GOOD)))
    done = complete(provider(server, structured="tools"))
    body = server.bodies[0]
    assert body["tool_choice"] == {"type": "function", "function": {"name": "Feedback"}}
    assert [t["function"]["name"] for t in body["tools"]] == ["Feedback"]
    assert body["tools"][0]["function"]["parameters"] == Feedback.model_json_schema()
    assert "response_format" not in body
    assert done.parsed.sentiment == "positive"


def test_repair_goes_over_the_wire_with_the_errors():
    server = Server(httpx2.Response(200, json=chat('{"summary": "x"}')), httpx2.Response(200, json=chat()))
    done = complete(provider(server))
    assert done.attempts == 2 and done.usage.prompt_tokens == 22
    repair = server.bodies[1]["messages"]
    assert repair[-2] == {"role": "assistant", "content": '{"summary": "x"}'}
    assert "sentiment: Field required" in repair[-1]["content"]


def test_a_reply_cut_off_at_max_tokens_is_told_so_in_the_repair():
    cut = chat('{"summary": "Shipped the')
    cut["choices"][0]["finish_reason"] = "length"
    server = Server(httpx2.Response(200, json=cut), httpx2.Response(200, json=chat()))
    assert complete(provider(server), max_tokens=8).attempts == 2
    assert "cut off at 8 tokens: answer more briefly" in server.bodies[1]["messages"][-1]["content"]


def test_two_invalid_replies_raise_draft_invalid():
    server = Server(httpx2.Response(200, json=chat("I cannot help with that.")))
    with pytest.raises(DraftInvalid):
        complete(provider(server))
    assert len(server.bodies) == 2


def test_auto_falls_back_once_when_the_server_rejects_response_format_and_remembers():
    rejected = httpx2.Response(500, json={"error": {"message": "response_format json_schema unsupported"}},
                               headers=FAST)
    ok = httpx2.Response(200, json=chat())
    server = Server(rejected, rejected, ok)
    p = provider(server, max_retries=1)
    assert complete(p).parsed.sentiment == "positive"
    kinds = [b.get("response_format", {}).get("type") for b in server.bodies]
    # the SDK's one retry of the 500, then one fallback request in JSON mode
    assert kinds == ["json_schema", "json_schema", "json_object"]
    assert p.mode == "json_mode"
    complete(p)
    assert server.bodies[-1]["response_format"]["type"] == "json_object"


def test_an_explicit_mode_is_never_switched():
    rejected = httpx2.Response(400, json={"error": {"message": "Invalid response_format"}})
    server = Server(rejected)
    p = provider(server, structured="json_schema")
    with pytest.raises(ProviderUnavailable, match="HTTP 400"):
        complete(p)
    assert len(server.bodies) == 1 and p.mode == "json_schema"


def test_other_client_errors_do_not_trigger_a_fallback():
    server = Server(httpx2.Response(401, json={"error": {"message": "bad key"}}))
    with pytest.raises(ProviderUnavailable, match="HTTP 401"):
        complete(provider(server))
    assert len(server.bodies) == 1


def test_5xx_is_retried_by_the_sdk_only_then_unavailable():
    server = Server(httpx2.Response(503, json={"error": {"message": "overloaded"}}, headers=FAST))
    with pytest.raises(ProviderUnavailable, match="HTTP 503") as caught:
        complete(provider(server, max_retries=2))
    assert len(server.bodies) == 3  # 1 + max_retries, no retry layer of ours on top
    assert caught.value.status_code == 503


def test_429_carries_retry_after():
    limited = httpx2.Response(429, json={"error": {"message": "slow down"}}, headers={"retry-after": "7"})
    server = Server(limited)
    with pytest.raises(ProviderUnavailable) as caught:
        complete(provider(server))
    assert caught.value.retry_after == 7


def test_transport_timeout_becomes_provider_unavailable():
    server = Server(httpx2.ReadTimeout("slow"))
    with pytest.raises(ProviderUnavailable, match="timed out"):
        complete(provider(server, max_retries=1))
    assert len(server.bodies) == 2


@pytest.fixture
def silent_server():
    """A throwaway TCP server on 127.0.0.1 that accepts and never answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    stop.set()
    thread.join()
    for conn in held:
        conn.close()
    listener.close()


def test_real_socket_timeout_is_bounded(silent_server):
    p = OpenAIProvider(model="m", base_url=f"http://127.0.0.1:{silent_server}/v1", max_retries=1)
    started = time.monotonic()
    with pytest.raises(ProviderUnavailable, match="timed out"):
        p.complete(MESSAGES, Feedback, max_tokens=16, timeout=0.3)
    assert time.monotonic() - started < 3  # two 0.3 s attempts plus one short backoff


def test_local_provider_says_how_to_start_the_server():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    p = LocalProvider(port=port, max_retries=0)
    with pytest.raises(ProviderUnavailable, match="cadence llm serve"):
        p.complete(MESSAGES, Feedback, max_tokens=16, timeout=2)
