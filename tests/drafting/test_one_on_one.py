"""What the drafts make of the 1:1 record: a brief opens with what was agreed last time and
the report's agenda, the report's feedback names their own open action items, the shared notes
reach the prompt as data, and private notes reach nothing."""

from __future__ import annotations

from datetime import date

import pytest

from assistant.domain.meetings import add_action, add_agenda_item, record_meeting, set_action_done, update_meeting
from assistant.domain.schemas import ActionItemCreate, AgendaItemCreate, MeetingCreate, MeetingUpdate
from assistant.drafting import draft_brief, draft_feedback
from assistant.drafting.kinds.brief import gather as gather_brief
from assistant.drafting.kinds.feedback import gather as gather_feedback
from assistant.drafting.offline_feedback import compose_feedback
from assistant.drafting.pipeline import build_messages
from assistant.drafting.prompt import read_data_block
from assistant.drafting.schemas import FEEDBACK_WORD_CAP
from tests.drafting.composing import feedback_context
from tests.reliability.conftest import set_env

MANAGER, REPORT = "growth-lead@northwind.test", "ppc@northwind.test"
PRIVATE = "private-words-xq"


@pytest.fixture
def record(session, demo, monkeypatch):
    """A held 1:1 of the demo's growth lead with Tomás, its action items, and the next one scheduled."""
    set_env(monkeypatch, today="2026-10-14")
    manager, report = demo(MANAGER), demo(REPORT)
    held = record_meeting(session, manager, MeetingCreate(report=REPORT, date=date(2026, 10, 7), minutes=30))
    coming = record_meeting(session, manager, MeetingCreate(report=REPORT, date=date(2026, 10, 21),
                                                            status="scheduled"))
    update_meeting(session, manager, held.id, MeetingUpdate(notes="Talked through the category campaigns.",
                                                            private_notes=f"{PRIVATE} manager"))
    update_meeting(session, report, held.id, MeetingUpdate(private_notes=f"{PRIVATE} report"))

    def action(text: str, owner: str, due: date | None = None):  # noqa: ANN202
        return add_action(session, manager, held.id, ActionItemCreate(text=text, owner=owner, due=due))

    items = {"later": action("Share the search-term report", REPORT, date(2026, 10, 20)),
             "late": action("Send the bid rule test plan", REPORT, date(2026, 10, 10)),
             "mine": action("Ask finance about the budget", MANAGER),
             "figures": action("Cut ACOS to 22% on the hero campaign", REPORT, date(2026, 10, 24)),
             "done": action("Pause the broad match campaigns", REPORT)}
    set_action_done(session, report, items["done"].id, True)
    add_agenda_item(session, report, coming.id, AgendaItemCreate(text="Can I own the promo calendar?"))
    add_agenda_item(session, manager, coming.id, AgendaItemCreate(text="Hiring plan"))
    session.commit()
    return {"held": held, "coming": coming, **items}


def test_the_brief_opens_with_what_was_agreed_and_the_reports_agenda(session, demo, record, monkeypatch):
    # Room for every action item: at the default budget, counted with the system prompt, the
    # done one is trimmed once the playbook has gone (the trim itself: the test below).
    set_env(monkeypatch, prompt_budget=3400)
    content = draft_brief(session, demo(MANAGER), demo(REPORT)).content
    assert content["grounding"]["ungrounded"] == []
    # The data's age may come first (the demo's check-ins are not indexed in these tests); then the 1:1.
    sections = [s for s in content["sections"] if s["title"] != "Before you start"]
    agreed, agenda = sections[0], sections[1]
    assert (agreed["title"], agenda["title"]) == ("What was agreed last time", "On their agenda")
    texts = [i["text"] for i in agreed["items"]]
    assert texts[0].startswith("Overdue (due 2026-10-10): Tomás Herrera")
    assert '"Send the bid rule test plan"' in texts[0]
    assert texts[1].startswith("Open, due 2026-10-20:") and "search-term report" in texts[1]
    assert "2026-10-24" in texts[2] and "22%" not in texts[2] and "wording has figures" in texts[2]
    assert texts[3].startswith("Open, no due date: Daniel Okafor")
    assert texts[4].startswith("Done since the last 1:1") and "Pause the broad match" in texts[4]
    assert all(i["sources"] == [f"meeting:{record['held'].id}"] for i in agreed["items"])
    wants = 'Tomás Herrera wants to talk about "Can I own the promo calendar?".'
    assert [i["text"] for i in agenda["items"]] == [wants]
    assert agenda["items"][0]["sources"] == [f"meeting:{record['coming'].id}"]
    assert any("overdue action items" in q for q in content["questions"])
    assert PRIVATE not in str(content)


def test_the_brief_prompt_carries_the_record_as_data_and_never_a_private_note(session, demo, record):
    job = gather_brief(session, demo(MANAGER), demo(REPORT), "2026-W41")
    prompt = "\n".join(m["content"] for m in build_messages(job, 100_000)[0])
    actions = read_data_block(prompt, "actions")
    assert [a["text"] for a in actions][:2] == ["Send the bid rule test plan", "Share the search-term report"]
    assert read_data_block(prompt, "agenda") == [{"meeting": f"meeting:{record['coming'].id}", "by": "Tomás Herrera",
                                                  "text": "Can I own the promo calendar?"}]
    notes = read_data_block(prompt, "meeting_notes")
    assert notes[0]["text"] == "Talked through the category campaigns." and notes[0]["date"] == "2026-10-07"
    facts = read_data_block(prompt, "facts")["one_on_one"]
    assert facts["overdue_actions"] == 1 and facts["last_meeting"]["id"] == f"meeting:{record['held'].id}"
    # The items themselves are in the actions block only: the wording is data, never a fact figures come from.
    assert "open_actions" not in facts and "Send the bid rule" not in str(facts)
    assert PRIVATE not in prompt


def test_1on1s_without_agenda_notes_or_actions_add_no_empty_blocks(session, demo, monkeypatch):
    set_env(monkeypatch, today="2026-10-14")
    job = gather_brief(session, demo(MANAGER), demo(REPORT), "2026-W41")
    prompt = "\n".join(m["content"] for m in build_messages(job, 100_000)[0])
    for block in ("actions", "agenda", "meeting_notes"):
        assert f'<data name="{block}">' not in prompt and job.context[block] == []
    assert job.context["facts"]["one_on_one"]["last_meeting"]["status"] == "held"  # the demo's own 1:1s


def test_the_reports_feedback_names_their_own_open_action_items(session, demo, record):
    report = demo(REPORT)
    content = draft_feedback(session, report, report).content
    assert content["grounding"]["ungrounded"] == []
    section = next(s for s in content["sections"] if s["title"] == "Action items")
    texts = [i["text"] for i in section["items"]]
    assert texts[0].startswith("Overdue (due 2026-10-10):") and "bid rule test plan" in texts[0]
    assert texts[1].startswith("Due 2026-10-20:")
    assert "Ask finance" not in str(content)  # the manager's own item is not the report's to do
    prompt = "\n".join(m["content"] for m in build_messages(gather_feedback(session, report, report, "2026-W41"),
                                                         100_000)[0])
    assert [a["text"] for a in read_data_block(prompt, "own_actions")] == [
        "Send the bid rule test plan", "Share the search-term report", "Cut ACOS to 22% on the hero campaign"]
    assert PRIVATE not in prompt and PRIVATE not in str(content)


def test_action_items_give_way_to_the_word_cap_before_any_judgement():
    actions = [{"meeting": "meeting:1", "agreed_on": "2026-10-07", "owner": "A", "due": "2026-10-10",
                "overdue": True, "done": False, "text": "word " * 30}] * 3
    out = compose_feedback(feedback_context(own_actions=actions))
    words = sum(len(i.text.split()) for s in out.sections for i in s.items)
    assert words <= FEEDBACK_WORD_CAP
    titles = [s.title for s in out.sections]
    assert titles[:4] == ["Wins", "Priorities", "Blockers", "Metric check"]
    shown = next((s for s in out.sections if s.title == "Action items"), None)
    assert shown is not None and len(shown.items) <= 2
    plenty = compose_feedback(feedback_context(own_actions=actions[:1]))
    assert [s.title for s in plenty.sections].count("Action items") == 1


def test_a_long_1on1_record_is_trimmed_into_the_budget(session, demo, record):
    manager, report = demo(MANAGER), demo(REPORT)
    long = "the supplier comparison for the hero range, with lead times and prices checked " * 6
    for i in range(12):
        add_action(session, manager, record["held"].id,
                   ActionItemCreate(text=f"Item {'abcdefghijkl'[i]}: {long}"[:500], owner=REPORT))
        add_agenda_item(session, report, record["coming"].id,
                        AgendaItemCreate(text=f"Point {'abcdefghijkl'[i]}: {long}"[:500]))
    update_meeting(session, manager, record["held"].id, MeetingUpdate(notes=long * 8))
    session.commit()
    content = draft_brief(session, manager, report).content
    usage = content["usage"]
    assert usage["prompt_tokens_counted"] <= usage["prompt_budget"] and usage["context_trims"] > 0
    assert content["grounding"]["ungrounded"] == []
    first = next(s for s in content["sections"] if s["title"] != "Before you start")
    assert first["title"] == "What was agreed last time" and "bid rule test plan" in first["items"][0]["text"]


def test_a_text_cut_to_its_floor_is_not_cut_again():
    """Otherwise the step always succeeds and a budget that cannot be met is searched forever."""
    from assistant.drafting.budget import shorten_text

    step, ctx = shorten_text("notes", ("text",), floor=10), {"notes": [{"text": "x" * 45}]}
    steps = 0
    while step(ctx):
        steps += 1
        assert steps < 10, ctx
    assert (steps, ctx["notes"][0]["text"]) == (3, "x" * 10 + " [...]")  # 45 -> 22, 14, 10 characters
