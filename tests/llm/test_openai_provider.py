"""OpenAIProvider over HTTP against a real model: vcrpy cassettes recorded from SmolLM2.

Replay (normal runs): record_mode "none"; a request not in the cassette fails, and so does a
recorded interaction that goes unplayed. Record: ``scripts/record_cassettes.py`` (make record)
starts llama.cpp's server on 127.0.0.1:8088 and runs this file with CADENCE_RECORD=1.
Requests match on method, URI and JSON body; auth and SDK fingerprint headers are dropped.
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
from assistant.llm.local import MODEL_ALIAS, LocalProvider

# Read at import time: the autouse cadence_env fixture clears CADENCE_* before each test.
RECORD = os.environ.get("CADENCE_RECORD") == "1"
PORT = 8088  # the URI in every cassette; scripts/record_cassettes.py serves here
CASSETTES = Path(__file__).resolve().parent.parent / "cassettes" / "llm"
TIMEOUT = 120.0  # recording runs on a laptop CPU; replay is instant

MESSAGES = [
    {"role": "system", "content": "You are a coaching assistant for an e-commerce team. "
                                  "You give short, specific feedback on weekly check-ins."},
    {"role": "user", "content": "Check-in from Maya (PPC specialist): ROAS rose from 2.1 to 2.6 this "
                                "week after pausing broad-match campaigns. Blocker: still waiting on "
                                "new ad creative from design."},
]


@pytest.fixture
def cassette(request):
    """Replay (or, with CADENCE_RECORD=1, record) this test's cassette: the shared recorder of
    assistant/evals/recording.py fails on a request it does not hold and on one left unplayed."""
    with recording.cassette(CASSETTES, request.node.name, record=RECORD) as cass:
        yield cass


def _format(request) -> str | None:
    return json.loads(request.body).get("response_format", {}).get("type")


def local(**kwargs) -> LocalProvider:
    kwargs.setdefault("max_retries", 0)
    return LocalProvider(port=PORT, **kwargs)


def test_structured_completion_in_json_mode(cassette):
    done = local().complete(MESSAGES, Feedback, max_tokens=200, timeout=TIMEOUT)
    assert isinstance(done.parsed, Feedback)
    assert done.parsed.summary.strip()
    assert (done.provider, done.model) == ("local", MODEL_ALIAS)
    assert done.usage.prompt_tokens > 50 and done.usage.completion_tokens > 5
    body = cassette.requests[0]
    assert b'"json_object"' in body.body and b'"schema"' in body.body
    assert "authorization" not in {k.lower() for k in body.headers}


def test_structured_completion_via_a_forced_tool_call(cassette):
    done = local(structured="tools").complete(MESSAGES, Feedback, max_tokens=200, timeout=TIMEOUT)
    assert isinstance(done.parsed, Feedback)
    assert b'"tool_choice"' in cassette.requests[0].body


def test_llama_cpp_rejects_json_schema_and_auto_falls_back_to_json_mode(cassette):
    provider = local(structured="auto")
    provider.mode = "json_schema"  # what auto picks for api.openai.com
    done = provider.complete(MESSAGES, Feedback, max_tokens=200, timeout=TIMEOUT)
    assert provider.mode == "json_mode"
    assert isinstance(done.parsed, Feedback)
    assert [_format(r) for r in cassette.requests] == ["json_schema", "json_object"]
    assert cassette.responses[0]["status"]["code"] == 500


def test_an_explicit_json_schema_mode_surfaces_the_servers_500(cassette):
    with pytest.raises(ProviderUnavailable, match="HTTP 500"):
        local(structured="json_schema").complete(MESSAGES, Feedback, max_tokens=200, timeout=TIMEOUT)
    assert len(cassette) == 1


class SignedFeedback(Feedback):
    """Feedback whose summary must open with the person's name: a rule no grammar enforces."""

    @field_validator("summary")
    @classmethod
    def _opens_with_name(cls, value: str) -> str:
        if not value.startswith("Maya: "):
            raise ValueError("the summary must start with 'Maya: '")
        return value


def test_repair_sends_the_errors_back_once(cassette):
    provider = local()
    try:
        done = provider.complete(MESSAGES, SignedFeedback, max_tokens=200, timeout=TIMEOUT)
    except DraftInvalid as err:
        outcome = "invalid"
        assert "after one repair" in err.message
    else:
        outcome = "repaired"
        assert done.attempts == 2 and done.parsed.summary.startswith("Maya: ")
    assert len(cassette) == 2
    assert b"the summary must start with 'Maya: '" in cassette.requests[1].body
    if not RECORD:  # what SmolLM2 did when the cassette was recorded (see the module docstring)
        assert outcome == RECORDED_REPAIR_OUTCOME


RECORDED_REPAIR_OUTCOME = "invalid"
