"""The guard measured as a detector: correct drafts made wrong on purpose, and how many it catches.

    figures = measure()        # every org in evals/fixtures/ and demo/, the offline provider
    figures.catch_rate         # mutants with the mutated claim flagged by the guard
    figures.false_drop_rate    # claims of the unmutated drafts the guard flags

Originals are the drafts the offline composer writes for every (kind, person) an org allows:
a brief by the person's manager, feedback on their latest check-in, goals for the founder,
each checked against the assessment of the same week. Each mutant changes one claim the way a
model gets things wrong:

- ``number_swap``: a figure written next to a KPI replaced by another KPI's figure;
- ``direction_flip``: a direction word about a KPI turned to one the reading contradicts;
- ``recognise_gamed``: a gamed or vanity KPI moved into (or praised in) the recognition section;
- ``count_change``: a recurring blocker's count (or a self-report run's) changed;
- ``week_shift``: a week (or a KPI value's date) moved by a week.

A mutant is caught when the guard (the number check and the claim checks, exactly as the
pipeline runs them) flags the claim that was changed. Claims the guard already flags in the
original are not mutated: a catch must be the mutation's, not the original's fault.

What the figure does not show: the mutants are the offline composer's sentences with one
thing changed, and most operators find what to change by reading KPI names the way the guard
does (number swaps are also made from the cited KPI alone). A model's freer wording is covered
by the unit tests of ``assistant.drafting.claims``, not by this rate.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from assistant.assessment.model import Assessment
from assistant.drafting.claims import (
    RECOGNITION,
    Subject,
    claims_of,
    directions,
    kpi_numbers,
    mentions,
    owner,
    sentences,
    shift_week,
    subjects,
)
from assistant.drafting.grounding import _IDENTIFIERS, _NUMBER
from assistant.drafting.pipeline import DraftJob, _problems
from assistant.settings import PROJECT_ROOT

GOAL_CATCH = 0.99
GOAL_FALSE_DROPS = 0.01
def _orgs() -> list[Path]:
    """Every fixture org and the demo org, each once (the demo is also a fixture, byte for byte)."""
    seen: dict[bytes, Path] = {}
    fixtures = sorted((PROJECT_ROOT / "evals" / "fixtures").glob("*.yaml"))
    for path in [*fixtures, PROJECT_ROOT / "demo" / "northwind.yaml"]:
        seen.setdefault(path.read_bytes(), path)
    return list(seen.values())



KINDS = ("brief", "feedback", "goals")

_OPPOSITE = {
    "improving": "worsening", "improved": "worsened", "improves": "worsens", "better": "worse",
    "worsening": "improving", "worsened": "improved", "worsens": "improves", "worse": "better",
    "flat": "rising", "steady": "rising", "unchanged": "rising", "stalled": "rising",
    "rising": "falling", "rose": "fell", "rises": "falls", "risen": "fallen", "climbing": "falling",
    "climbed": "fell", "increased": "decreased", "increasing": "decreasing", "grew": "fell", "growing": "falling",
    "falling": "rising", "fell": "rose", "falls": "rises", "fallen": "risen", "dropped": "rose",
    "dropping": "rising", "declined": "rose", "declining": "rising", "decreased": "increased",
    "decreasing": "increasing", "up": "down", "down": "up",
    "on target": "off target", "off target": "on target", "on track": "off track", "off track": "on track",
}
_PRAISES = ("{name} improved nicely this week.", "Great work on {name}.", "Well done on {name}: keep it going.",
            "{name} is a real result worth naming in the 1:1.")
_ORDINAL_UP = {"second": "third", "third": "fourth", "fourth": "fifth", "fifth": "sixth", "sixth": "seventh"}
_COUNT_IN_TEXT = re.compile(r"\b(\d+)(?:st|nd|rd|th)?(\s+(?:check-?ins?|times?))\b"
                            r"|\b(second|third|fourth|fifth|sixth)(\s+(?:time|check-?in))\b", re.IGNORECASE)
_WEEK = re.compile(r"\b\d{4}-W\d{2}\b")
_ON_DATE = re.compile(r"\bon (\d{4}-\d{2}-\d{2})\b")
_COUNTED = re.compile(r"\s*(?:check-?ins?|weeks?|times|meetings?|1:1s?|months?|values?|points?|days? ago)\b", re.I)


@dataclass
class Original:
    org: str
    kind: str
    subject: str
    job: DraftJob
    output: BaseModel
    assessment: Assessment

    @property
    def label(self) -> str:
        return f"{self.org}:{self.kind}:{self.subject}"


@dataclass
class Mutant:
    original: Original
    operator: str
    where: str
    before: str
    after: str
    output: BaseModel


@dataclass
class Figures:
    originals: int = 0
    claims: int = 0
    false_drops: list[dict[str, Any]] = field(default_factory=list)
    mutants: int = 0
    caught: int = 0
    by_operator: dict[str, dict[str, int]] = field(default_factory=dict)
    by_kind: dict[str, dict[str, int]] = field(default_factory=dict)
    missed: list[dict[str, str]] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    """Drafts the offline composer could not write (nothing to mutate)."""

    @property
    def catch_rate(self) -> float:
        return self.caught / self.mutants if self.mutants else 0.0

    @property
    def false_drop_rate(self) -> float:
        return len(self.false_drops) / self.claims if self.claims else 0.0

    @property
    def passed(self) -> bool:
        return self.catch_rate >= GOAL_CATCH and self.false_drop_rate <= GOAL_FALSE_DROPS

    def as_dict(self) -> dict[str, Any]:
        return {"originals": self.originals, "claims": self.claims, "mutants": self.mutants, "caught": self.caught,
                "catch_rate": round(self.catch_rate, 4), "false_drops": len(self.false_drops),
                "false_drop_rate": round(self.false_drop_rate, 4),
                "goal": {"catch_rate": GOAL_CATCH, "false_drop_rate": GOAL_FALSE_DROPS}, "passed": self.passed,
                "by_operator": self.by_operator, "by_kind": self.by_kind,
                "missed": self.missed[:20], "false_drop_claims": self.false_drops[:20], "skipped": self.skipped}


# ---------------------------------------------------------------- the originals
def _offline_answer(job: DraftJob) -> BaseModel:
    from assistant.drafting.pipeline import build_messages, composer
    from assistant.llm.offline import OfflineProvider
    from assistant.settings import get_settings

    settings = get_settings()
    messages, _, _ = build_messages(job, settings.prompt_budget)
    reply = OfflineProvider().complete(messages, job.schema, max_tokens=settings.llm_max_tokens,
                                       timeout=settings.llm_timeout, compose=composer(job))
    return reply.parsed


def _jobs(session: Any) -> Iterator[tuple[str, str, DraftJob]]:
    """(kind, subject email, job) for every draft the org allows, as the people who may ask."""
    from sqlmodel import select

    from assistant.domain.calendar import current_week
    from assistant.domain.checkins import latest_checkin_week
    from assistant.domain.models import Person
    from assistant.drafting.kinds import brief, feedback, goals
    from assistant.errors import CadenceError

    people = session.exec(select(Person).order_by(Person.id)).all()
    founder = next((p for p in people if p.access == "founder"), None)
    for person in people:
        manager = session.get(Person, person.manager_id) if person.manager_id else None
        asks = {"brief": (brief, manager), "feedback": (feedback, person), "goals": (goals, founder)}
        for kind in KINDS:
            module, viewer = asks[kind]
            if viewer is None:
                continue
            try:
                # The periods the drafters default to: the clock's week, the latest check-in, the planning quarter.
                period = {"brief": current_week(), "feedback": latest_checkin_week(session, person),
                          "goals": None}[kind]
                if kind == "feedback" and period is None:
                    continue
                yield kind, person.email, module.gather(session, viewer, person, period)
            except CadenceError:
                continue  # not a draft this org allows (no check-in to give feedback on, no manager)


def originals(orgs: list[Path] | None = None, work: Path | None = None,
              skipped: list[str] | None = None) -> Iterator[Original]:
    """The offline drafts of every org, each with its assessment (built here when the kind's
    gather did not set one); drafts the composer cannot write are listed in ``skipped``."""
    from sqlmodel import Session

    from assistant.assessment import assess
    from assistant.core.db import get_engine, session_scope
    from assistant.domain.models import Person
    from assistant.domain.orgfile import import_org, read_org_file
    from assistant.errors import DraftInvalid
    from assistant.evals.runner import Fixtures, fixture_today, pinned_env
    from assistant.retrieval import reset_clients

    tmp = Path(tempfile.mkdtemp(prefix="cadence-mutations-")) if work is None else work
    try:
        base = Fixtures(tmp).base()  # migrated, the playbook indexed once: copied for every org
        for path in orgs or _orgs():
            home = tmp / path.stem
            shutil.copytree(base, home)
            with pinned_env(home=str(home), today=fixture_today(path).isoformat(), indexer="off"):
                with session_scope() as session:
                    import_org(session, read_org_file(path))
                with Session(get_engine(), expire_on_commit=False) as session:
                    for kind, email, job in _jobs(session):
                        week = None if kind == "goals" else job.period
                        if job.assessment is None:
                            subject = session.get(Person, job.subject.id)
                            job.assessment = assess(session, subject, week, viewer=job.viewer)
                        try:
                            output = _offline_answer(job)
                        except DraftInvalid:
                            if skipped is not None:  # the pipeline would store nothing: no draft to mutate
                                skipped.append(f"{path.stem}:{kind}:{email}")
                            continue
                        yield Original(org=path.stem, kind=kind, subject=email, job=job, output=output,
                                       assessment=job.assessment)
                    session.rollback()
            reset_clients()
    finally:
        if work is None:
            shutil.rmtree(tmp, ignore_errors=True)


# ---------------------------------------------------------------- making mutants
def flagged(job: DraftJob, output: BaseModel) -> set[str]:
    """The claims the pipeline's guard would repair, then drop."""
    return set(_problems(job, output)[0])


# The field of each claim that holds its words (a question is a bare string).
_TEXT_FIELD = {"sections": "text", "notes": "text", "goals": "title", "retire": "reason", "questions": None}


def _text_of(output: BaseModel, where: str) -> str:
    slot = _get(output.model_dump(), where)
    key = _TEXT_FIELD[where.split("[", 1)[0]]
    return slot if key is None else slot[key]


def _get(data: Any, where: str) -> Any:
    for part in where.split("."):
        name, index = re.fullmatch(r"(\w+)\[(\d+)\]", part).groups()
        data = data[name][int(index)]
    return data


def _with_text(output: BaseModel, where: str, text: str) -> BaseModel:
    data = output.model_dump()
    key = _TEXT_FIELD[where.split("[", 1)[0]]
    if key is None:
        data["questions"][int(where[len("questions["):-1])] = text
    else:
        _get(data, where)[key] = text
    return type(output).model_validate(data)


def _spans(text: str) -> Iterator[tuple[int, str]]:
    cursor = 0
    for s in sentences(text):
        start = text.find(s, cursor)
        cursor = start + len(s)
        yield start, s


def _format(value: float, like: str) -> str:
    decimals = len(like.split(".", 1)[1]) if "." in like else (1 if value != round(value) else 0)
    out = f"{value:,.{decimals}f}" if "," in like else f"{value:.{decimals}f}"
    return out


def _number_swaps(text: str, subs: list[Subject], own: dict[str, set[float]]) -> Iterator[tuple[str, str]]:
    from assistant.drafting.claims import _has

    for start, s in _spans(text):
        found = mentions(s, subs)
        for num, suf, pos, subject in kpi_numbers(s, found):
            mine = subject.numbers | own.get(subject.key, set())
            if not _has(mine, num, suf):
                continue
            others = sorted({v for o in subs if o.key != subject.key for v in o.numbers
                             if v and not _has(mine, _format(v, num), suf)})
            for v in others[:2]:
                at = start + pos + (1 if text[start + pos] in "$€£" else 0)
                yield f"{num}{suf}", text[:at] + text[at:].replace(num, _format(v, num), 1)


def _source_swaps(text: str, sources: list[str], subs: list[Subject]) -> Iterator[tuple[str, str]]:
    """The same error found without reading names: in a claim citing one KPI's values, each of that
    KPI's figures replaced by another KPI's (whatever the text calls the KPI, or if it names none)."""
    from assistant.drafting.claims import _has, cited_kpis

    cited = cited_kpis(sources)
    mine = next((s for s in subs if s.key in cited), None)
    if len(cited) != 1 or mine is None:
        return
    plain = _IDENTIFIERS.sub(lambda m: " " * len(m.group(0)), re.sub(r"\"[^\"]*\"", lambda m: " " * len(m.group(0)),
                                                                      text))
    for m in _NUMBER.finditer(plain):
        num, suf = m.group("num"), m.group("suf") or ""
        if not _has(mine.numbers, num, suf) or _COUNTED.match(plain, m.end()):
            continue
        other = next((v for o in subs if o.key != mine.key for v in sorted(o.numbers)
                      if v and not _has(mine.numbers, _format(v, num), suf)), None)
        if other is not None:
            at = m.start("num")
            yield f"{num}{suf}", text[:at] + _format(other, num) + text[m.end("num"):]


def _direction_flips(text: str, subs: list[Subject]) -> Iterator[tuple[str, str]]:
    for start, s in _spans(text):
        found = mentions(s, subs)
        for word, axis, value, pos, subject in directions(s, found):
            k = subject.reading
            new = _OPPOSITE.get(word.lower())
            if k is None or new is None:
                continue
            truth = _truth(k, axis)
            if truth in (None, "unknown") or truth != value:
                continue  # the original word is not right to begin with
            if word[0].isupper():
                new = new.capitalize()
            at = start + pos
            yield word, text[:at] + new + text[at + len(word):]


def _truth(k: Any, axis: str) -> str | None:
    return {"label": k.trend.label, "motion": k.trend.motion,
            "target": None if k.on_target is None else ("on" if k.on_target else "off")}[axis]


def _source_flips(text: str, sources: list[str], subs: list[Subject]) -> Iterator[tuple[str, str]]:
    """Direction words flipped in a claim citing one KPI's values, found without reading names."""
    from assistant.drafting.claims import _DIRECTIONS, _NEGATION, cited_kpis

    cited = cited_kpis(sources)
    mine = next((s for s in subs if s.key in cited and s.reading is not None), None)
    if len(cited) != 1 or mine is None:
        return
    plain = re.sub(r"\"[^\"]*\"", lambda m: " " * len(m.group(0)), text)
    names = bool(mentions(plain, subs))
    words = "|".join(sorted((re.escape(w) for w in _DIRECTIONS), key=len, reverse=True))
    for start, sentence in _spans(plain):
        # About the cited KPI: a claim naming none, a sentence naming it, or one going on with "It ...".
        if names and not (any(m.subject.key == mine.key and m.region is None for m in mentions(sentence, subs))
                          or re.match(r"\s*(?:it|its)\b", sentence, re.IGNORECASE)):
            continue
        for m in re.finditer(rf"\b(?:{words})\b", sentence, re.IGNORECASE):
            word = m.group(0)
            axis, value = _DIRECTIONS[word.lower()]
            before = sentence[:m.start()]
            if (_NEGATION.search(before) or _truth(mine.reading, axis) != value or word.lower() not in _OPPOSITE
                    or re.search(r"whether it is\s*$", before)  # a question about judging, not a claim
                    or " or " in sentence[max(0, m.start() - 6):m.end() + 6]):  # "on track or off track"
                continue
            new = _OPPOSITE[word.lower()]
            at = start + m.start()
            yield word, text[:at] + (new.capitalize() if word[0].isupper() else new) + text[at + len(word):]


def _week_shifts(text: str, subs: list[Subject]) -> Iterator[tuple[str, str]]:
    plain = re.sub(r"\"[^\"]*\"", lambda m: " " * len(m.group(0)), text)
    for m in _WEEK.finditer(plain):
        for step in (1, -1, 2):
            new = shift_week(m.group(0), step)
            if new.lower() not in text.lower():
                yield m.group(0), text[:m.start()] + new + text[m.end():]
                break
    for start, s in _spans(plain):
        found = mentions(s, subs)
        for m in _ON_DATE.finditer(s):
            day = date.fromisoformat(m.group(1))
            new = day + timedelta(days=7)
            kpi = owner(m.start(), found)
            if new.isoformat() in text or (kpi and kpi.by_date.get(new) == kpi.by_date.get(day)):
                continue  # the same value a week on: the shifted claim would still be true
            at = start + m.start(1)
            yield m.group(1), text[:at] + new.isoformat() + text[at + 10:]


def _count_changes(text: str) -> Iterator[tuple[str, str]]:
    for m in _COUNT_IN_TEXT.finditer(text):
        if m.group(1):
            n = int(m.group(1))
            for new in (n + 1, n - 1, n + 2):
                if new >= 2:
                    yield m.group(0), text[:m.start(1)] + str(new) + text[m.end(1):]
        else:
            word = m.group(3).lower()
            yield m.group(0), text[:m.start(3)] + _ORDINAL_UP[word] + text[m.end(3):]


def _recognition_moves(o: Original, flagged_before: set[str]) -> Iterator[Mutant]:
    """A gamed or vanity KPI moved into the recognition section, or praised in it."""
    out = o.output
    sections = getattr(out, "sections", None)
    bad = [k for k in o.assessment.kpis if k.verdict in ("gamed", "vanity")]
    if sections is None or not bad:
        return
    data = out.model_dump()
    target = next((i for i, s in enumerate(data["sections"]) if RECOGNITION.search(s["title"])), None)
    if target is None:
        title = "Encouragement" if o.kind == "feedback" else "Recognise"
        data["sections"].append({"title": title, "items": []})
        target = len(data["sections"]) - 1
    one_only = data["sections"][target]["title"] == "Encouragement"
    subs = subjects(o.assessment)
    candidates: list[dict[str, Any]] = []
    for i, s in enumerate(data["sections"]):
        for j, item in enumerate(s["items"]):
            if i == target or f"sections[{i}].items[{j}]" in flagged_before:
                continue
            names = {m.subject.key for m in mentions(item["text"], subs)}
            cites = {src.split(":", 1)[1].split("@", 1)[0] for src in item["sources"] if src.startswith("kpi:")}
            if any(k.key in names | cites for k in bad):
                candidates.append(item)
    for k in bad:
        cite = [src for src in k.sources[-1:]] or [f"kpi:{k.key}"]
        candidates += [{"text": t.format(name=k.name), "sources": cite} for t in _PRAISES]
    for item in candidates:
        moved = {**data, "sections": [dict(s, items=list(s["items"])) for s in data["sections"]]}
        items = moved["sections"][target]["items"]
        if one_only:
            items[:] = [item]
        else:
            items[:] = [item, *items][:10]
        try:
            mutated = type(out).model_validate(moved)
        except ValueError:
            continue  # the section would outgrow the schema: not an answer a model could give
        yield Mutant(o, "recognise_gamed", f"sections[{target}].items[0]", "", item["text"], mutated)


def mutants(o: Original, flagged_before: set[str]) -> Iterator[Mutant]:
    subs = subjects(o.assessment)
    for claim in claims_of(o.output):
        if claim.where in flagged_before:
            continue
        text = _text_of(o.output, claim.where)
        makers = [("number_swap", _number_swaps(text, subs, claim.numbers)),
                  ("number_swap", _source_swaps(text, claim.sources, subs)),
                  ("direction_flip", _direction_flips(text, subs)),
                  ("direction_flip", _source_flips(text, claim.sources, subs)),
                  ("count_change", _count_changes(text) if _is_count_claim(text) else iter(())),
                  ("week_shift", _week_shifts(text, subs))]
        seen: set[str] = set()
        for operator, made in makers:
            for before, after in made:
                if after in seen:
                    continue
                seen.add(after)
                try:
                    mutated = _with_text(o.output, claim.where, after)
                except ValueError:
                    continue
                yield Mutant(o, operator, claim.where, before, after, mutated)
    yield from _recognition_moves(o, flagged_before)


def _is_count_claim(text: str) -> bool:
    """A recurring blocker's count, or a self-report run's."""
    return bool(re.search(r"blocker|keeps coming back|came back|come back|again|marked", text, re.IGNORECASE))


# ---------------------------------------------------------------- the figures
def measure(orgs: list[Path] | None = None) -> Figures:
    """Catch and false-drop rates of the guard over every org's offline drafts and their mutants."""
    fig = Figures()
    for o in originals(orgs, skipped=fig.skipped):
        fig.originals += 1
        before = flagged(o.job, o.output)
        claims = claims_of(o.output)
        fig.claims += len(claims)
        fig.false_drops += [{"draft": o.label, "where": c.where, "text": c.text[:200]} for c in claims
                            if c.where in before]
        kinds = fig.by_kind.setdefault(o.kind, {"originals": 0, "claims": 0, "mutants": 0, "caught": 0})
        kinds["originals"] += 1
        kinds["claims"] += len(claims)
        for m in mutants(o, before):
            hit = m.where in flagged(o.job, m.output)
            fig.mutants += 1
            fig.caught += int(hit)
            kinds["mutants"] += 1
            kinds["caught"] += int(hit)
            op = fig.by_operator.setdefault(m.operator, {"mutants": 0, "caught": 0})
            op["mutants"] += 1
            op["caught"] += int(hit)
            if not hit:
                fig.missed.append({"draft": o.label, "operator": m.operator, "where": m.where, "before": m.before,
                                   "after": m.after[:240]})
    return fig


def summary(figures: dict[str, Any]) -> str:
    """The one line ``cadence eval`` prints."""
    ops = Counter({k: v["mutants"] for k, v in figures["by_operator"].items()})
    return (f"claim guard: caught {figures['caught']}/{figures['mutants']} mutants ({figures['catch_rate']:.3f}, "
            f"goal {GOAL_CATCH}); false drops {figures['false_drops']}/{figures['claims']} claims of "
            f"{figures['originals']} drafts ({figures['false_drop_rate']:.3f}, goal <= {GOAL_FALSE_DROPS}); "
            f"mutants by kind of error: {', '.join(f'{k} {v}' for k, v in sorted(ops.items()))}")


__all__ = ["GOAL_CATCH", "GOAL_FALSE_DROPS", "Figures", "Mutant", "Original", "flagged", "measure", "mutants",
           "originals", "summary"]
