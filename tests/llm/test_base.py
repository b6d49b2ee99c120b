"""Provider.complete: parsing, the one repair attempt, DraftInvalid, usage accounting."""

from __future__ import annotations

import pytest
from llm_schemas import Feedback

from assistant.errors import DraftInvalid, ProviderUnavailable
from assistant.llm.base import Completion, InvalidReply, Usage, extract_json, parse_reply, render
from assistant.llm.fake import FakeProvider

MESSAGES = [{"role": "system", "content": "You coach."}, {"role": "user", "content": "Check-in: shipped."}]
GOOD = {"summary": "Shipped the checkout fix.", "sentiment": "positive"}


def complete(fake: FakeProvider) -> Completion[Feedback]:
    return fake.complete(MESSAGES, Feedback, max_tokens=100, timeout=5)


def test_valid_first_reply_is_parsed_without_repair():
    fake = FakeProvider().enqueue(GOOD)
    done = complete(fake)
    assert done.parsed == Feedback(**GOOD)
    assert (done.attempts, done.provider, done.model) == (1, "fake", "fake-model")
    assert len(fake.requests) == 1
    assert fake.calls == [{"max_tokens": 100, "timeout": 5, "schema": "Feedback"}]


def test_invalid_reply_is_repaired_once_with_the_errors():
    fake = FakeProvider().enqueue({"summary": "ok", "sentiment": "great"}, GOOD)
    done = complete(fake)
    assert done.parsed.sentiment == "positive"
    assert done.attempts == 2
    repair = fake.requests[1]
    assert repair[: len(MESSAGES)] == MESSAGES
    assert repair[-2] == {"role": "assistant", "content": '{"summary": "ok", "sentiment": "great"}'}
    assert repair[-1]["role"] == "user"
    assert "sentiment: Input should be 'positive', 'neutral' or 'negative'" in repair[-1]["content"]
    assert "corrected JSON object only" in repair[-1]["content"]


def test_usage_sums_both_attempts():
    fake = FakeProvider().enqueue("not json at all", GOOD)
    done = complete(fake)
    first_prompt = sum(len(m["content"].split()) for m in fake.requests[0])
    second_prompt = sum(len(m["content"].split()) for m in fake.requests[1])
    assert done.usage.prompt_tokens == first_prompt + second_prompt
    assert done.usage.completion_tokens == 4 + len(done.raw.split())


def test_second_invalid_reply_raises_draft_invalid_after_exactly_two_calls():
    fake = FakeProvider().enqueue('{"summary": ""}', '{"summary": "x", "sentiment": "meh"}', GOOD)
    with pytest.raises(DraftInvalid) as caught:
        complete(fake)
    assert len(fake.requests) == 2
    assert caught.value.status_code == 502
    assert "Feedback validation after one repair" in caught.value.message
    assert caught.value.detail["errors"] == [
        "sentiment: Input should be 'positive', 'neutral' or 'negative'"
    ]
    assert len(fake.queue) == 1  # no third attempt


def test_outage_is_not_retried_by_this_layer():
    fake = FakeProvider().enqueue(GOOD).fail(times=1)
    with pytest.raises(ProviderUnavailable):
        complete(fake)
    assert len(fake.requests) == 1
    assert complete(fake).parsed == Feedback(**GOOD)


def test_outage_during_repair_surfaces_as_provider_unavailable():
    fake = FakeProvider().enqueue("{}")
    fake.requests.clear()
    original = fake._generate

    def fail_second(*args, **kwargs):
        if fake.requests:
            fake.fail(1)
        return original(*args, **kwargs)

    fake._generate = fail_second
    with pytest.raises(ProviderUnavailable):
        complete(fake)


@pytest.mark.parametrize("bad", [{"max_tokens": 0, "timeout": 5}, {"max_tokens": 10, "timeout": 0}])
def test_every_call_needs_a_positive_budget_and_timeout(bad):
    with pytest.raises(ValueError):
        FakeProvider().enqueue(GOOD).complete(MESSAGES, Feedback, **bad)


@pytest.mark.parametrize(
    "text",
    [
        '{"a": 1}',
        '```json\n{"a": 1}\n```',
        'Here is the JSON:\n{"a": 1}\nHope this helps.',
        '  ```\n{"a": 1}```  ',
    ],
)
def test_extract_json_tolerates_fences_and_prose(text):
    assert extract_json(text) == '{"a": 1}'


def test_parse_reply_reports_bad_json_as_one_short_error():
    with pytest.raises(InvalidReply) as caught:
        parse_reply('{"summary": "cut off', Feedback)
    assert caught.value.errors[0].startswith("the reply is not valid JSON")


def test_parse_reply_accepts_raw_newlines_inside_strings():
    parsed = parse_reply('{"summary": "line one\nline two", "sentiment": "neutral"}', Feedback)  # a raw newline
    assert parsed.summary == "line one\nline two"


def test_parse_reply_names_missing_and_extra_fields():
    with pytest.raises(InvalidReply) as caught:
        parse_reply('{"summery": "x"}', Feedback)
    assert sorted(caught.value.errors) == [
        "sentiment: Field required",
        "summary: Field required",
        "summery: Extra inputs are not permitted",
    ]


def test_usage_adds_up():
    assert Usage(1, 2) + Usage(10, 20) == Usage(11, 22)
    assert Usage(11, 22).total_tokens == 33


def test_templates_refuse_missing_variables():
    with pytest.raises(Exception, match="errors"):
        render("repair.j2")
