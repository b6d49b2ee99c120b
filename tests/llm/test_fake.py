"""FakeProvider: the queue, the request log and the failure mode."""

from __future__ import annotations

import pytest
from llm_schemas import Feedback

from assistant.errors import ProviderUnavailable
from assistant.llm.fake import FakeProvider

MESSAGES = [{"role": "user", "content": "hello there"}]


def call(fake: FakeProvider):
    return fake.complete(MESSAGES, Feedback, max_tokens=50, timeout=1)


def test_enqueue_accepts_models_dicts_and_raw_text_in_order():
    fake = FakeProvider().enqueue(
        Feedback(summary="a", sentiment="neutral"),
        {"summary": "b", "sentiment": "negative"},
        '{"summary": "c", "sentiment": "positive"}',
    )
    assert [call(fake).parsed.summary for _ in range(3)] == ["a", "b", "c"]
    assert fake.requests == [MESSAGES] * 3


def test_requests_are_snapshots_not_references():
    fake = FakeProvider().enqueue({"summary": "a", "sentiment": "neutral"})
    messages = [{"role": "user", "content": "first"}]
    fake.complete(messages, Feedback, max_tokens=5, timeout=1)
    messages[0]["content"] = "changed"
    assert fake.requests[0][0]["content"] == "first"


def test_fail_raises_n_times_then_recovers():
    fake = FakeProvider().enqueue({"summary": "a", "sentiment": "neutral"}).fail(times=2, message="down")
    for _ in range(2):
        with pytest.raises(ProviderUnavailable, match="down"):
            call(fake)
    assert call(fake).parsed.summary == "a"
    assert len(fake.requests) == 3


def test_empty_queue_fails_loudly():
    with pytest.raises(AssertionError, match="queue is empty"):
        call(FakeProvider())


def test_capabilities_are_class_attributes():
    assert FakeProvider.name == "fake"
    assert FakeProvider.is_local and not FakeProvider.needs_key
