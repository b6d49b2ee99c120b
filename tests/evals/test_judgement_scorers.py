"""The judgement scorers (guardrail damage, false praise, blocker threads, cadence, stale data,
runs, trend words, empty check-ins, consistency) on drafts written right and written wrong.

The drafts are hand-written in the words a composer or an LLM would use; the fixture is the
Lumen & Leaf org (evals/fixtures/lumen.yaml), whose truths its header states.
"""

from __future__ import annotations

from assistant.evals import reading
from assistant.evals import scorers as sc
from assistant.evals.cases import Case
from assistant.evals.consistency import brief_numbers, differences

LUMEN = {"fixture": "fixtures/lumen.yaml", "today": "2026-11-20", "week": "2026-W47"}
PEOPLE = {"wren": "dana", "theo": "dana", "juno": "juno", "ana": "marcus", "bea": "marcus", "marcus": "priya"}


def obs(who: str, expect: dict, sections: list[tuple[str, list[str]]], *, task: str = "brief",
        questions: list[str] = (), facts: dict | None = None) -> sc.Observation:
    case = Case.model_validate({"id": "c1", "task": task, **LUMEN, "subject": f"{who}@lumen.test",
                                "viewer": f"{PEOPLE[who]}@lumen.test", "expect": expect})
    output = {"sections": [{"title": t, "items": [{"text": x, "sources": []} for x in texts]} for t, texts in sections],
              "questions": list(questions)}
    meta = {"kind": task, "subject": case.subject, "viewer": case.viewer, "provider": "offline", "model": "m",
            "grounding": {"checked": 1, "ungrounded": []}}
    parts = {"output": output, "facts": facts or {"week": case.week}, "meta": meta}
    return sc.Observation(case=case, provider="offline", output=parts)


def test_guardrail_damage_wants_the_guardrail_moving_the_wrong_way():
    want = {"guardrail_damage": {"kpi": "ROAS", "guardrail": "New-customer share"}}
    good = sc.guardrail_damage(obs("wren", want, [("Watch", [
        "Meta ads ROAS rose to 3.9 while new-customer share of Meta orders fell from 50.5% to 41%."])]))
    assert good.passed and "fell" in good.explanation
    praise_only = sc.guardrail_damage(obs("wren", want, [("Recognise", ["Meta ads ROAS rose to 3.9: a real result."])]))
    assert not praise_only.passed and praise_only.explanation == (
        "no item says New-customer share, the guardrail of the gamed ROAS, moved the wrong way: it is never named.")
    # the share named, but as a rise it is not: no damage said
    named = sc.guardrail_damage(obs("wren", want, [("Watch", ["New-customer share of Meta orders rose to 41%."])]))
    assert not named.passed and "never as worsening" in named.explanation


def test_no_false_praise_catches_a_recognition_item_and_praise_elsewhere_but_not_a_warning():
    want = {"no_recognition_of": ["ROAS"]}
    section = sc.no_false_praise(obs("wren", want, [("Recognise", ["Meta ads ROAS hit 3.9, the best week yet."])]))
    assert not section.passed and section.explanation.startswith("the 'Recognise' section recognises ROAS")
    wins = sc.no_false_praise(obs("wren", want, [("Wins", ["ROAS moved the right way: a real result."])],
                                  task="feedback"))
    assert not wins.passed and "praises ROAS" in wins.explanation
    warned = obs("wren", want, [("Wins", ["ROAS looks like a real result, but new-customer share fell to 41%."]),
                                ("Recognise", ["The Klaviyo flows are back."])])
    assert sc.no_false_praise(warned).passed
    # TACOS is not ACOS: whole words only
    tacos = obs("wren", {"no_recognition_of": ["ACOS"]}, [("Recognise", ["TACOS held at 9%."])])
    assert sc.no_false_praise(tacos).passed


def test_recognition_finds_the_genuine_win_in_a_recognition_section_or_plain_praise():
    want = {"recognises": ["repeat purchase rate"]}
    assert sc.recognition(obs("theo", want, [("Recognise", ["90-day repeat purchase rate reached 24.1%."])])).passed
    assert sc.recognition(obs("theo", want, [("Wins", ["Repeat purchase rate at 24.1%: well done."])])).passed
    missed = sc.recognition(obs("theo", want, [("What the numbers say", ["90-day repeat purchase rate is 24.1%."])]))
    assert not missed.passed and missed.explanation == (
        "repeat purchase rate is not recognised anywhere (sections: What the numbers say).")


NORTHBAY = {"about": ["Northbay", "overflow", "rate card"], "waits_on": "Marcus Vell", "status": "open", "times": 5,
            "first_week": "2026-W43"}


def test_blocker_threads_want_content_owner_status_count_and_start():
    want = {"blocker_threads": [NORTHBAY]}
    right = "Ana's Northbay rate card has waited on Marcus in 5 check-ins since 2026-W43 and is still open."
    assert sc.blocker_threads(obs("ana", want, [("Watch", [right])])).passed
    # addressed to Marcus himself, "you" is who it waits on
    to_you = "The overflow booking waits on you: still open after 5 check-ins since W43."
    assert sc.blocker_threads(obs("ana", want, [("Watch", [to_you])])).passed
    empty = sc.blocker_threads(obs("ana", want, [("Watch", [
        "The same blocker has come back in 10 check-ins. Something outside their control is stuck."])]))
    assert not empty.passed and empty.explanation == "nothing says what the Northbay/overflow blocker is."
    wrong = sc.blocker_threads(obs("ana", want, [("Watch", [
        "The Northbay rate card came up for the second time (W43, W47)."])]))
    assert not wrong.passed
    assert wrong.explanation == (
        "the Northbay/overflow item ('The Northbay rate card came up for the second time (W43, W47).') does not "
        "say it waits on Marcus Vell, does not say it is still open, says 2 times where it came up 5.")


def test_a_resolved_blocker_may_be_left_out_but_never_shown_as_current():
    want = {"blocker_threads": [{"about": ["Klaviyo"], "status": "resolved", "required": False}]}
    assert sc.blocker_threads(obs("theo", want, [("Watch", ["Repeat purchase rate is on target."])])).passed
    assert sc.blocker_threads(obs("theo", want, [("Recognise", ["They fixed the Klaviyo sync in W44."])])).passed
    current = sc.blocker_threads(obs("theo", want, [("Watch", ["The Klaviyo sync keeps coming back."])]))
    assert not current.passed and "presents it as current, not resolved" in current.explanation


def test_manager_cadence_counts_the_cancelled_1_1s_and_wants_them_first():
    want = {"manager_cadence": [{"report": "Ana Ruiz", "cancelled": 4}]}
    lead = "1:1s with Ana Ruiz: 4 cancelled and 1 rushed in five weeks."
    assert sc.manager_cadence(obs("marcus", want, [("On their agenda", ["Marcus wants to talk about Q1 boxes."]),
                                                   ("How they run their team", [lead])])).passed
    late = sc.manager_cadence(obs("marcus", want, [("What moved", ["Wins: carrier pickup at 5pm."]),
                                                   ("Watch", [lead])]))
    assert not late.passed and late.explanation == "Ana Ruiz's cancelled 1:1s are in 'Watch', not the first section."
    vague = sc.manager_cadence(obs("marcus", want, [("Watch", ["Ana's 1:1s were cancelled a few times."])]))
    assert not vague.passed and vague.explanation == (
        "no item counts Ana Ruiz's 4 cancelled 1:1s (the closest says 'Ana's 1:1s were cancelled a few times.').")


def test_stale_at_top_reads_the_rendered_top_and_wants_an_age_not_just_a_week():
    want = {"stale": {"last_checkin_week": "2026-W44", "weeks_ago": 3}}
    said = obs("bea", want, [("Before you start", ["Last check-in 2026-W44, three weeks ago."]),
                             ("What the numbers say", ["First-contact resolution was 78%."])])
    assert sc.stale_at_top(said).passed
    buried = sc.stale_at_top(obs("bea", want, [("What the numbers say", ["First-contact resolution was 78%."]),
                                               ("Watch", ["Last check-in 2026-W44, three weeks ago."])]))
    assert not buried.passed and buried.explanation.startswith(
        "the top of the draft does not say the last check-in was 2026-W44, 3 weeks ago")
    titled = obs("bea", want, [("What the numbers say", ["First-contact resolution was 78% in 2026-W44."])])
    assert not sc.stale_at_top(titled).passed  # the week alone, with no word of age, is not the data's age


def test_on_track_runs_want_both_ends_of_the_run():
    want = {"on_track_runs": [{"kpi": "New-customer share", "first_week": "2026-W43", "last_week": "2026-W47"}]}
    run = "New-customer share of Meta orders was marked on track W43-W47 while it fell from 50.5% to 41%."
    assert sc.on_track_runs(obs("wren", want, [("Watch", [run])])).passed
    oldest = sc.on_track_runs(obs("wren", want, [("Watch", [
        "New-customer share was marked on track in 2026-W40 and 2026-W41."])]))
    assert not oldest.passed and oldest.explanation == (
        "no item states New-customer share marked on track 2026-W43-2026-W47.")


def test_flat_within_noise_reads_the_series_from_the_fixture():
    want = {"flat_within_noise": True}
    flat_rise = sc.flat_within_noise(obs("theo", want, [("What the numbers say", [
        "90-day repeat purchase rate was 24.1%, flat since 2026-10-26."])]))
    assert not flat_rise.passed
    assert flat_rise.explanation == ("'90-day repeat purchase rate was 24.1%, flat since 2026-10-26.' calls 90-day "
                                     "repeat purchase rate flat, but it rose at every step (21.9 -> 22.6 -> 23.4 -> "
                                     "24.1).")
    # the unsubscribe rate wobbles: flat is right, and the word is about it, not the rate named before
    noisy = obs("theo", want, [("What the numbers say", [
        "90-day repeat purchase rate rose to 24.1% while the email unsubscribe rate stayed flat at 0.3%."])])
    assert sc.flat_within_noise(noisy).passed


def test_trend_words_map_improving_through_the_kpis_direction():
    want = {"trends": [{"kpi": "Orders shipped within 48 hours", "motion": "flat"}]}
    assert sc.trend_words(obs("ana", want, [("Numbers", ["Orders shipped within 48 hours was 92.9%, flat."])])).passed
    rising = sc.trend_words(obs("ana", want, [("Numbers", ["Orders shipped within 48 hours improved to 92.9%."])]))
    assert not rising.passed and "improved (rising), but it was flat" in rising.explanation
    not_moved = obs("ana", want, [("Numbers", ["Orders shipped within 48 hours has not improved: 92.9%."])])
    assert sc.trend_words(not_moved).passed  # a negated word says no move


def test_empty_checkin_wants_it_said_and_nothing_praised():
    want = {"empty_checkin": True}
    said = obs("juno", want, [("Wins", ["This check-in has no wins or priorities written."])], task="feedback")
    assert sc.empty_checkin(said).passed
    praised = sc.empty_checkin(obs("juno", want, [("Wins", ["No wins written."]),
                                                  ("Encouragement", ["Great week, keep it up!"])], task="feedback"))
    assert not praised.passed and praised.explanation == (
        "the 'Encouragement' section praises an empty check-in: 'Great week, keep it up!'.")
    form = sc.empty_checkin(obs("juno", want, [("Priorities", ["Your priorities have no measure."])], task="feedback"))
    assert not form.passed and form.explanation.startswith("nothing says the check-in was empty")


def test_consistency_compares_what_both_state_and_names_what_the_brief_leaves_out():
    team = {"week": "2026-W47", "held": 3, "cancelled": 4, "rushed": 1, "weeks_since_held": 2, "checkin_filed": True,
            "kpis": {"ana-ship48": {"on_target": False, "verdict": "healthy"}}}
    facts = {"week": "2026-W47", "data_age": {"last_checkin_week": "2026-W47"},
             "cadence": {"meetings_held": 3, "meetings_cancelled": 4, "meetings_rushed": 1, "weeks_since_held": 2},
             "verdicts": {"ana-ship48": "healthy"}}
    assert differences(team, brief_numbers(facts)) == ([], 7)
    older = {**facts, "week": "2026-W41", "cadence": {**facts["cadence"], "meetings_held": 12}, "verdicts": {}}
    diffs, compared = differences(team, brief_numbers(older))
    assert compared == 7 and diffs == ["the Team page judges the week 2026-W47, the brief 2026-W41",
                                       "the Team page counts held 1:1s 3, the brief 12",
                                       "the Team page says whether this week's check-in is filed True, the brief False",
                                       "the Team page shows ana-ship48 (healthy), the brief does not"]
    case = Case.model_validate({"id": "c1", "task": "consistency", **LUMEN, "subject": "ana@lumen.test",
                                "viewer": "marcus@lumen.test"})
    score = sc.consistency(sc.Observation(case, "no-model", {"team": team, "brief": brief_numbers(older)}))
    assert not score.passed and score.explanation.startswith("the Team page judges the week 2026-W47, the brief")
    assert sc.consistency(sc.Observation(case, "no-model", {"team": None, "brief": {}})).explanation == (
        "the Team page shows no row for ana@lumen.test to marcus@lumen.test.")


def test_reading_counts_and_attribution():
    assert reading.says_count("raised in five check-ins", 5) and reading.says_count("the 5th time", 5)
    assert not reading.says_count("raised in 15 check-ins", 5)
    assert reading.counts_said("the third time, after 3 check-ins") == [3, 3]
    names = {"ROAS": reading.name_pattern("Meta ads ROAS"), "share": reading.name_pattern("New-customer share")}
    got = reading.attributed("Meta ads ROAS rose while New-customer share fell.", names)
    assert sorted((n, k) for n, k, _ in got) == [("ROAS", "rising"), ("share", "falling")]
