"""Eval cases: YAML files in evals/cases/, validated strictly (an unknown key is an error).

One file holds a list of cases (or a single mapping). A case names the draft kind, the
org file it runs against, who asks about whom and when, and what the output must show::

    - id: ppc-acos-gamed-brief
      task: brief
      fixture: fixtures/northwind.yaml
      subject: ppc@northwind.test
      viewer: growth-lead@northwind.test
      week: 2026-W40
      record: true                      # also replayed through the HTTP path (a cassette)
      expect:
        flags: [{kpi: ppc-acos, code: gamed}]
        mentions: [TACOS]
        must_not_mention: [ops@northwind.test]
        grounded: true
        max_prompt_tokens: 3000
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from assistant.domain.calendar import ISO_WEEK, QUARTER
from assistant.errors import InvalidInput

Task = Literal["brief", "feedback", "goals", "kpi_audit", "search", "consistency"]
LLM_TASKS = ("brief", "feedback", "goals")


class CaseError(InvalidInput):
    """A case file that does not parse or validate; the message names the file and field."""

    code = "eval_case_invalid"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FlagExpect(_Strict):
    """A KPI audit flag: ``kpi`` omitted matches any KPI (useful in ``not_flags``)."""

    kpi: str | None = None
    code: str = Field(min_length=1)

    def matches(self, flag: dict) -> bool:
        return flag.get("code") == self.code and (self.kpi is None or flag.get("kpi") == self.kpi)

    def label(self) -> str:
        return f"{self.kpi or '*'}:{self.code}"


class BlockerExpect(_Strict):
    """A recurring blocker; recalled when one found blocker spans all these weeks."""

    weeks: list[str] = Field(min_length=2)


class MismatchExpect(_Strict):
    kpi: str
    week: str = Field(pattern=ISO_WEEK.pattern)


class CadenceExpect(_Strict):
    """Bounds on the brief's 1:1 and check-in health (inclusive)."""

    min_cancelled: int | None = Field(None, ge=0)
    max_cancelled: int | None = Field(None, ge=0)
    min_rushed: int | None = Field(None, ge=0)
    max_rushed: int | None = Field(None, ge=0)
    missing_checkin_weeks: list[str] = []


class GoalsExpect(_Strict):
    """A goals draft for a quarter planned under new objective ids."""

    objectives: list[str] = Field(min_length=1, description="Every goal must trace to one of these keys.")
    min_goals: int = Field(1, ge=0)


# ---------------------------------------------------------------- judgements a draft must state rightly
class GuardrailDamageExpect(_Strict):
    """A gamed KPI's draft names what happened to its guardrail (the damage), not only the KPI's gain."""

    kpi: str = Field(min_length=1, description="The gamed KPI's name, or a distinctive part of it.")
    guardrail: str = Field(min_length=1, description="Its guardrail's name, or a distinctive part of it.")


class BlockerThreadExpect(_Strict):
    """A blocker the draft describes: what it is, who it waits on, open or resolved, how often raised."""

    about: list[str] = Field(min_length=1, description="Words of its content: an item naming any is about it.")
    status: Literal["open", "resolved"]
    waits_on: str | None = Field(None, description="The person it waits on, by name.")
    times: int | None = Field(None, ge=1, description="How many check-ins raised it.")
    first_week: str | None = Field(None, pattern=ISO_WEEK.pattern)
    required: bool = Field(True, description="False: the draft may leave it out, but if it mentions it, rightly.")


class ManagerCadenceExpect(_Strict):
    """A brief on a manager states how many of one report's 1:1s they cancelled."""

    report: str = Field(min_length=1, description="The report's name (first name is enough).")
    cancelled: int = Field(ge=1)
    leads: bool = Field(True, description="It is in the brief's first judged section (after the 1:1 record).")


class StaleExpect(_Strict):
    """The top of the draft says how old the data is."""

    last_checkin_week: str = Field(pattern=ISO_WEEK.pattern)
    weeks_ago: int = Field(ge=1)


class RunExpect(_Strict):
    """A self-report run stated as a run: the KPI and its first and last week marked on track."""

    kpi: str = Field(min_length=1)
    first_week: str = Field(pattern=ISO_WEEK.pattern)
    last_week: str = Field(pattern=ISO_WEEK.pattern)


class TrendExpect(_Strict):
    """Every direction word the draft attaches to this KPI agrees with how it moved."""

    kpi: str = Field(min_length=1)
    motion: Literal["rising", "falling", "flat"]


class Expect(_Strict):
    """What the output must show. Every key is optional; a scorer runs only for the keys set."""

    flags: list[FlagExpect] | None = None
    not_flags: list[FlagExpect] | None = None
    recurring_blockers: list[BlockerExpect] | None = Field(None, description="[] means: none expected.")
    self_report_mismatches: list[MismatchExpect] | None = Field(None, description="[] means: none expected.")
    cadence: CadenceExpect | None = None
    mentions: list[str] = Field([], description="Each must appear in the model-written text.")
    must_not_mention: list[str] = Field([], description="None may appear anywhere in the output.")
    canaries: list[str] = Field([], description="Strings an injected instruction asked for: must not appear.")
    grounded: bool = True
    max_prompt_tokens: int | None = Field(None, gt=0)
    max_output_words: int | None = Field(None, gt=0)
    min_output_words: int | None = Field(None, ge=0)
    hit_weeks: list[str] | None = Field(None, description="search: the subject's weeks that must be among the hits.")
    max_hits: int | None = Field(None, ge=0)
    denied: bool = Field(False, description="The viewer may not see the subject: the call must give nothing.")
    goals: GoalsExpect | None = Field(None, description="goals: trace, feasibility, gaming and loosened targets.")
    guardrail_damage: GuardrailDamageExpect | None = None
    no_recognition_of: list[str] = Field([], description="KPIs (gamed, vanity, volume) nothing may praise.")
    recognises: list[str] = Field([], description="Genuine wins the draft must recognise.")
    blocker_threads: list[BlockerThreadExpect] | None = None
    manager_cadence: list[ManagerCadenceExpect] | None = None
    stale: StaleExpect | None = None
    on_track_runs: list[RunExpect] | None = None
    flat_within_noise: bool = Field(False, description="Nothing that moved at every step is called flat.")
    trends: list[TrendExpect] | None = None
    empty_checkin: bool = Field(False, description="The check-in is empty: said so, never praised.")


class Case(_Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{1,80}$")
    task: Task
    fixture: str = Field(description="An org file, relative to the evals folder (fixtures/x.yaml).")
    viewer: str
    subject: str | None = None
    week: str | None = Field(None, pattern=ISO_WEEK.pattern)
    quarter: str | None = Field(None, pattern=QUARTER.pattern)
    query: str | None = Field(None, min_length=1, max_length=500, description="search only.")
    k: int = Field(5, ge=1, le=50)
    today: date | None = Field(None, description="Pinned date; default: the fixture's last week.")
    record: bool = Field(False, description="Also replayed through the HTTP provider from a cassette.")
    description: str = ""
    expect: Expect = Expect()

    @model_validator(mode="after")
    def _fits_task(self) -> Case:
        if self.task == "search" and not self.query:
            raise ValueError("a search case needs a query")
        if self.task != "search" and self.query:
            raise ValueError("query is for search cases only")
        if self.task in ("brief", "feedback", "consistency") and not (self.subject and self.week):
            raise ValueError(f"a {self.task} case needs a subject and a week")
        if self.task == "goals" and not (self.subject and self.quarter):
            raise ValueError("a goals case needs a subject and a quarter")
        if self.record and self.task not in LLM_TASKS:
            raise ValueError(f"record is for draft cases ({', '.join(LLM_TASKS)}); {self.task} calls no model")
        return self

    @property
    def uses_llm(self) -> bool:
        return self.task in LLM_TASKS


def _problems(err: ValidationError) -> str:
    return "; ".join(f"{'.'.join(str(p) for p in e['loc']) or '(case)'}: {e['msg']}" for e in err.errors())


def load_file(path: Path) -> list[Case]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise CaseError(f"{path}: cannot read: {exc}") from None
    items = data if isinstance(data, list) else [data]
    cases = []
    for i, item in enumerate(items):
        try:
            cases.append(Case.model_validate(item))
        except ValidationError as exc:
            name = item.get("id", f"#{i}") if isinstance(item, dict) else f"#{i}"
            raise CaseError(f"{path.name}: case {name}: {_problems(exc)}") from None
    return cases


def load_cases(folder: Path, *, only: list[str] | None = None) -> list[Case]:
    """Every case in ``folder``/*.yaml, in file then listed order; ids must be unique."""
    files = sorted(folder.glob("*.yaml"))
    if not files:
        raise CaseError(f"no case files (*.yaml) in {folder}")
    cases: list[Case] = []
    seen: dict[str, str] = {}
    for path in files:
        for case in load_file(path):
            if case.id in seen:
                raise CaseError(f"{path.name}: case id {case.id!r} is also in {seen[case.id]}")
            seen[case.id] = path.name
            cases.append(case)
    evals_dir = folder.parent
    for case in cases:
        if not (evals_dir / case.fixture).is_file():
            raise CaseError(f"case {case.id}: fixture {case.fixture} not found under {evals_dir}")
    if only:
        missing = [o for o in only if not any(_selected(c.id, o) for c in cases)]
        if missing:
            raise CaseError(f"no case matches {', '.join(missing)}")
        cases = [c for c in cases if any(_selected(c.id, o) for o in only)]
    return cases


def _selected(case_id: str, pattern: str) -> bool:
    """A --case value: an exact id, or a glob such as 'gaming-*'."""
    return re.fullmatch(re.escape(pattern).replace(r"\*", ".*"), case_id) is not None
