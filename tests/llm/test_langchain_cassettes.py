"""LangChainProvider through langchain-openai against llama.cpp's server: vcrpy cassettes.

Recorded from the bundled SmolLM2-135M by ``scripts/record_cassettes.py`` (``make record``;
``-k langchain`` records only these) and replayed like test_openai_provider.py's: record mode
"none", a request not in the cassette fails and so does a recorded one left unplayed.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from llm_schemas import Feedback
from pydantic import field_validator

from assistant.errors import DraftInvalid, ProviderUnavailable
from assistant.evals import recording
from assistant.llm.langchain import LangChainProvider
from assistant.llm.local import MODEL_ALIAS

RECORD = os.environ.get("CADENCE_RECORD") == "1"  # read at import: cadence_env clears CADENCE_*
PORT = 8088  # the URI in every cassette; scripts/record_cassettes.py serves here
CASSETTES = Path(__file__).resolve().parent.parent / "cassettes" / "llm"
TIMEOUT = 120.0

MESSAGES = [
    {"role": "system", "content": "You are a coaching assistant for an e-commerce team. "
                                  "You give short, specific feedback on weekly check-ins."},
    {"role": "user", "content": "Check-in from Maya (PPC specialist): ROAS rose from 2.1 to 2.6 this "
                                "week after pausing broad-match campaigns. Blocker: still waiting on "
                                "new ad creative from design."},
]


@pytest.fixture
def cassette(request):
    with recording.cassette(CASSETTES, request.node.name, record=RECORD) as cass:
        yield cass


def smollm(structured: str = "auto", max_retries: int = 0) -> LangChainProvider:
    return LangChainProvider(model=f"openai:{MODEL_ALIAS}", base_url=f"http://127.0.0.1:{PORT}/v1",
                             structured=structured, max_retries=max_retries, temperature=0.0)


def body(request) -> dict:
    return json.loads(request.body)


def test_langchain_structured_completion_via_a_forced_tool_call(cassette):
    done = smollm().complete(MESSAGES, Feedback, max_tokens=200, timeout=TIMEOUT)
    assert isinstance(done.parsed, Feedback) and done.parsed.summary.strip()
    assert (done.provider, done.model, done.attempts) == ("langchain", MODEL_ALIAS, 1)
    assert done.usage.prompt_tokens > 50 and done.usage.completion_tokens > 5
    sent = body(cassette.requests[0])
    assert sent["tool_choice"] == {"type": "function", "function": {"name": "Feedback"}}
    assert sent["max_tokens"] == 200 and sent["temperature"] == 0.0
    assert "authorization" not in {k.lower() for k in cassette.requests[0].headers}


def test_langchain_json_schema_is_refused_by_llama_cpp_after_one_sdk_retry(cassette):
    with pytest.raises(ProviderUnavailable, match="answered HTTP 500") as caught:
        smollm("json_schema", max_retries=1).complete(MESSAGES, Feedback, max_tokens=200, timeout=TIMEOUT)
    assert caught.value.retry_after == 30
    assert len(cassette) == 2  # the openai SDK's own retry, bounded by max_retries; none added on top
    assert {body(r)["response_format"]["type"] for r in cassette.requests} == {"json_schema"}


def test_langchain_json_mode_carries_the_schema_in_the_prompt_only(cassette):
    try:
        done = smollm("json_mode").complete(MESSAGES, Feedback, max_tokens=200, timeout=TIMEOUT)
    except DraftInvalid:
        outcome = "invalid"
    else:
        outcome = "valid" if done.attempts == 1 else "repaired"
    first = body(cassette.requests[0])
    assert first["response_format"] == {"type": "json_object"}  # no schema, so no grammar for it
    assert '"sentiment"' in first["messages"][0]["content"]
    if not RECORD:  # why auto picks tool calling for OpenAI-compatible servers
        assert outcome == RECORDED_JSON_MODE_OUTCOME


class SignedFeedback(Feedback):
    """Feedback whose summary must open with the person's name: a rule no grammar enforces."""

    @field_validator("summary")
    @classmethod
    def _opens_with_name(cls, value: str) -> str:
        if not value.startswith("Maya: "):
            raise ValueError("the summary must start with 'Maya: '")
        return value


def test_langchain_repair_sends_the_errors_back_once(cassette):
    try:
        done = smollm().complete(MESSAGES, SignedFeedback, max_tokens=200, timeout=TIMEOUT)
    except DraftInvalid as err:
        outcome = "invalid"
        assert "after one repair" in err.message
    else:
        outcome = "repaired"
        assert done.attempts == 2
    assert len(cassette) == 2
    repair = body(cassette.requests[1])["messages"]
    assert [m["role"] for m in repair] == ["system", "user", "assistant", "user"]
    assert "the summary must start with 'Maya: '" in repair[-1]["content"]
    if not RECORD:
        assert outcome == RECORDED_REPAIR_OUTCOME


RECORDED_JSON_MODE_OUTCOME = "invalid"
RECORDED_REPAIR_OUTCOME = "invalid"
