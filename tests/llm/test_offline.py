"""The offline provider answers with the caller's composer, and its answer is parsed like a model's."""

from __future__ import annotations

import pytest
from llm_schemas import Feedback

from assistant.errors import DraftInvalid
from assistant.llm.fake import FakeProvider
from assistant.llm.offline import OfflineProvider

MESSAGES = [{"role": "system", "content": "You coach."}, {"role": "user", "content": "Check-in: shipped."}]
GOOD = Feedback(summary="Shipped the checkout fix.", sentiment="positive")


def counted(*answers: object) -> tuple[list[int], object]:
    """A composer returning ``answers`` in turn, and the list its calls are counted in."""
    calls: list[int] = []

    def compose() -> object:
        calls.append(1)
        return answers[min(len(calls), len(answers)) - 1]

    return calls, compose


def test_the_composed_object_comes_back_parsed_with_no_usage():
    calls, compose = counted(GOOD)
    done = OfflineProvider().complete(MESSAGES, Feedback, max_tokens=10, timeout=1, compose=compose)
    assert done.parsed == GOOD and done.attempts == 1 and calls == [1]
    assert (done.provider, done.model, done.usage.total_tokens) == ("offline", "offline-templates-v1", 0)
    assert done.raw == GOOD.model_dump_json()


def test_composed_text_is_validated_and_a_second_invalid_answer_is_a_typed_error():
    calls, compose = counted('{"summary": "ok", "sentiment": "great"}')
    with pytest.raises(DraftInvalid, match="offline model output failed Feedback validation") as err:
        OfflineProvider().complete(MESSAGES, Feedback, max_tokens=10, timeout=1, compose=compose)
    assert calls == [1, 1]  # the repair request asks the composer again
    assert "sentiment" in err.value.detail["errors"][0]
    calls, compose = counted('{"summary": "ok", "sentiment": "great"}', GOOD.model_dump_json())
    assert OfflineProvider().complete(MESSAGES, Feedback, max_tokens=10, timeout=1, compose=compose).attempts == 2


def test_without_a_composer_there_is_nothing_to_answer_with():
    with pytest.raises(DraftInvalid, match="no composer for Feedback"):
        OfflineProvider().complete(MESSAGES, Feedback, max_tokens=10, timeout=1)


def test_facts_that_outgrow_the_schema_are_a_typed_error_not_a_crash():
    def compose() -> Feedback:
        return Feedback(summary="x" * 500, sentiment="positive")  # over max_length: fails as it is built

    with pytest.raises(DraftInvalid, match="offline composer could not build a valid Feedback") as err:
        OfflineProvider().complete(MESSAGES, Feedback, max_tokens=10, timeout=1, compose=compose)
    assert err.value.detail["errors"][0].startswith("summary:")


def test_a_provider_that_does_not_compose_never_sees_the_composer():
    calls, compose = counted(Feedback(summary="composed", sentiment="neutral"))
    fake = FakeProvider().enqueue(GOOD)  # its _generate takes no compose: passing one would fail
    done = fake.complete(MESSAGES, Feedback, max_tokens=10, timeout=1, compose=compose)
    assert done.parsed == GOOD and calls == []
    assert not FakeProvider.composes and OfflineProvider.composes
