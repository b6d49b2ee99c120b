"""The typed assessment of one person's week: every judgement a draft or a page may state.

One object per (person, week in force, viewer scope). Consumers (the brief, feedback and
goals kinds, the offline composer, the prompts, the Team / person / KPI pages, the guard's
claim checks) read these fields and never judge again: a KPI is "improving" because
``KpiReading.trend.label`` says so, a blocker "waits on Sam" because its thread says so.

Every number in here is a stored value or a documented computation over stored values, so
the grounding guard can trace it; every list carries the source ids it rests on.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field

TrendLabel = Literal["improving", "worsening", "flat", "unknown"]
Motion = Literal["rising", "falling", "flat", "unknown"]
AuditVerdict = Literal["gamed", "vanity", "weak", "healthy"]


class Point(BaseModel):
    period: date
    value: float
    source: str


# ---------------------------------------------------------------- the data's age
class DataAge(BaseModel):
    """How current the record is, as of the week in force (the clock's week unless asked)."""

    week: str = Field(description="The week in force: the clock's ISO week, or the week asked for.")
    current_week: str = Field(description="The clock's ISO week (honours CADENCE_TODAY).")
    last_checkin_week: str | None = None
    checkin_weeks_ago: int | None = Field(None, description="Weeks from the last check-in to the week in force.")
    last_kpi_period: date | None = None
    kpi_weeks_ago: int | None = Field(None, description="Weeks from the latest KPI value to the week in force.")
    stale: bool = Field(False, description="The latest check-in or KPI value is older than the week in force "
                                           "allows (check-in: before last week; KPI: over two weeks).")
    notes: list[str] = Field(default_factory=list, description="One sentence per stale input, e.g. "
                             "'last check-in 2026-W48, three weeks ago'.")


# ---------------------------------------------------------------- KPI readings
class TrendReading(BaseModel):
    """A trend with an honest label: the change between the two points it cites."""

    label: TrendLabel = "unknown"
    motion: Motion = "unknown"
    start: Point | None = None
    end: Point | None = None
    change: float | None = Field(None, description="end.value - start.value")
    change_pct: float | None = Field(None, description="100 * change / |start.value|, 1 place")
    steps: int = Field(0, description="Points between start and end, minus one.")
    consistent: bool = Field(False, description="Every step between start and end moved the same way.")
    noise: float | None = Field(None, description="The series' own noise band the change is judged against.")
    rule: str = Field("", description="The rule that gave the label, in words.")


class Run(BaseModel):
    """The current run of consecutive points on (or off) target, latest included."""

    on_target: bool
    points: int
    since: date
    sources: list[str] = Field(default_factory=list)


class GuardrailReading(BaseModel):
    key: str
    name: str
    unit: str
    direction: str
    value: float | None = None
    period: date | None = None
    target: float | None = None
    trend: TrendReading = Field(default_factory=TrendReading)
    worsened: bool = Field(False, description="Its trend label is 'worsening'.")
    sources: list[str] = Field(default_factory=list)


class Finding(BaseModel):
    """One audit flag on the KPI (warning and worse), with the sources of its evidence."""

    code: str
    severity: str
    reason: str
    sources: list[str] = Field(default_factory=list)


class KpiReading(BaseModel):
    key: str
    name: str
    unit: str
    direction: str
    tier: str
    objective: str | None = None
    target: float | None = None
    value: float | None = None
    period: date | None = None
    previous_value: float | None = None
    previous_period: date | None = None
    gap: float | None = Field(None, description="value - target")
    on_target: bool | None = None
    trend: TrendReading = Field(default_factory=TrendReading)
    run: Run | None = None
    verdict: AuditVerdict = "healthy"
    flags: list[str] = Field(default_factory=list, description="Audit flag codes (warning and worse).")
    findings: list[Finding] = Field(default_factory=list, description="The same flags with reasons and sources.")
    audit_reason: str | None = Field(None, description="The audit's reason for a gamed or vanity verdict.")
    suggestion: str | None = Field(None, description="The audit's actionable counterpart, for vanity KPIs.")
    guardrail: GuardrailReading | None = None
    guardrail_note: str | None = Field(None, description="Instead of the guardrail, when the viewer may not see it.")
    series: list[Point] = Field(default_factory=list, description="Up to the last 13 points.")
    sources: list[str] = Field(default_factory=list)


# ---------------------------------------------------------------- goals
class GoalCondition(BaseModel):
    """One condition of a goal: the KPI target, or a guardrail bound named in its title."""

    kpi: str
    kpi_name: str
    bound: float
    direction: Literal["up", "down"] = Field(description="up: value must be >= bound; down: <= bound.")
    value: float | None = None
    period: date | None = None
    holds: bool | None = None
    sources: list[str] = Field(default_factory=list)


class GoalReading(BaseModel):
    goal_id: int
    title: str
    quarter: str
    kpi: str | None = None
    objective: str | None = None
    status: str = "active"
    target: float | None = None
    baseline_value: float | None = None
    baseline_period: date | None = None
    latest_value: float | None = None
    latest_period: date | None = None
    conditions: list[GoalCondition] = Field(default_factory=list)
    on_track: bool | None = Field(None, description="Every condition holds (None: no condition can be read).")
    expected: float | None = Field(None, description="Where a straight line from baseline to target stands at the "
                                   "share of the quarter gone by the end of the week in force.")
    on_pace: bool | None = Field(None, description="The latest value is at or past ``expected``.")
    sources: list[str] = Field(default_factory=list)


# ---------------------------------------------------------------- self-report vs data
class SelfReportRun(BaseModel):
    """Consecutive check-ins that marked a KPI one way while its number said the other."""

    kpi: str
    kpi_name: str
    said: str = Field(description="on_track | off_track | unclear")
    kind: Literal["optimistic", "pessimistic", "unclear"]
    first_week: str
    last_week: str
    weeks: list[str]
    from_value: float
    to_value: float
    target: float
    unit: str
    sources: list[str] = Field(default_factory=list)


# ---------------------------------------------------------------- blockers
class WaitsOn(BaseModel):
    """Who a blocker waits on, matched against the org's people and roles."""

    person_id: int | None = None
    name: str
    role: str | None = None
    is_manager: bool = Field(False, description="The person's own manager.")


class BlockerThread(BaseModel):
    """One blocker followed across the weeks it was written, however it was phrased."""

    label: str = Field(description="A short label taken from the person's own words.")
    latest_text: str
    first_week: str
    last_week: str
    weeks: list[str]
    times: int = Field(description="How many check-ins raised it (len(weeks)).")
    weeks_open: int = Field(description="Weeks from first_week to the week in force (or to when it cleared).")
    status: Literal["open", "resolved"]
    resolved_week: str | None = None
    waits_on: list[WaitsOn] = Field(default_factory=list)
    explains_guardrail: str | None = Field(None, description="Key of the person's guardrail this blocker is "
                                           "their explanation for, when it is.")
    sources: list[str] = Field(default_factory=list)

    @property
    def recurring(self) -> bool:
        return self.times >= 2


# ---------------------------------------------------------------- cadence
class MeetingRecord(BaseModel):
    id: int
    date: date
    week: str
    status: str
    minutes: int | None = None
    source: str


class CadenceReading(BaseModel):
    """The person's 1:1s as the report and their check-ins over the lookback: one set of
    numbers for the Team page and the brief alike."""

    first_week: str
    last_week: str
    weeks: int
    meetings: list[MeetingRecord] = Field(default_factory=list)
    held: int = 0
    cancelled: int = 0
    rushed: int = 0
    last_held: date | None = None
    last_status: str | None = Field(None, description="held | rushed: how the last 1:1 that took place went.")
    weeks_since_held: int | None = Field(None, description="Weeks from the last held (or rushed) 1:1 to the week "
                                         "in force; None when none is on record.")
    interval_weeks: int = Field(1, description="The person's usual weeks between 1:1s (1: weekly).")
    missed_in_a_row: int = Field(0, description="1:1s that rhythm expected since the last one, this week's "
                                                "not counted.")
    missing_checkin_weeks: list[str] = Field(default_factory=list)
    slipping: bool = Field(False, description="Cancelled + rushed reach the slipping threshold, or two expected "
                                              "1:1s in a row did not take place (never one missed meeting).")
    sources: list[str] = Field(default_factory=list)


class ReportRhythm(BaseModel):
    person_id: int
    name: str
    held: int
    cancelled: int
    rushed: int
    last_held: date | None = None
    weeks_since_held: int | None = None
    slipping: bool = False
    sources: list[str] = Field(default_factory=list)


class WaitingOnManager(BaseModel):
    person_id: int
    name: str
    label: str
    first_week: str
    weeks_open: int
    sources: list[str] = Field(default_factory=list)


class ManagerRhythm(BaseModel):
    """How a manager runs their reports' 1:1s, and which reports' blockers wait on them."""

    reports: list[ReportRhythm] = Field(default_factory=list)
    held: int = 0
    cancelled: int = 0
    rushed: int = 0
    waiting_on_them: list[WaitingOnManager] = Field(default_factory=list)
    poor: bool = Field(False, description="Slipping 1:1s with any report, or a report's blocker waiting on them.")
    sources: list[str] = Field(default_factory=list)


# ---------------------------------------------------------------- wins and check-in quality
class Win(BaseModel):
    kind: Literal["kpi", "goal", "blocker_cleared", "process"]
    label: str = Field(description="What is recognised, in a few words (a KPI name, a goal title, a thread label).")
    kpi: str | None = None
    sources: list[str] = Field(default_factory=list)


class AnswerQuality(BaseModel):
    label: str
    detail: str | None = None
    kpis: list[str] = Field(default_factory=list, description="Keys of the person's KPIs the answer names.")


class CheckinQuality(BaseModel):
    """The week's check-in judged on content, not form."""

    filed: bool
    checkin_id: int | None = None
    empty: bool = Field(False, description="Filed with no wins and no priorities written.")
    wins: AnswerQuality = Field(default_factory=lambda: AnswerQuality(label="empty"))
    priorities: AnswerQuality = Field(default_factory=lambda: AnswerQuality(label="empty"))
    blockers: AnswerQuality = Field(default_factory=lambda: AnswerQuality(label="none"))
    names: list[WaitsOn] = Field(default_factory=list, description="People or roles the blocker names.")
    has_kpis: bool = True
    has_manager: bool = True
    sources: list[str] = Field(default_factory=list)


class FollowThrough(BaseModel):
    week: str
    next_week: str
    verdict: Literal["followed", "partly", "not_followed"]
    sources: list[str] = Field(default_factory=list)


# ---------------------------------------------------------------- the whole
class Assessment(BaseModel):
    person_id: int
    name: str
    role: str
    access: str
    manager: str | None = Field(None, description="The person's manager's name (None for a founder).")
    week: str
    window: list[str] = Field(description="The week in force and the three before it, oldest first.")
    age: DataAge
    kpis: list[KpiReading] = Field(default_factory=list)
    goals: list[GoalReading] = Field(default_factory=list)
    self_report: list[SelfReportRun] = Field(default_factory=list)
    threads: list[BlockerThread] = Field(default_factory=list)
    cadence: CadenceReading
    rhythm: ManagerRhythm | None = Field(None, description="For a manager: their reports' 1:1s and waiting blockers.")
    follow_through: list[FollowThrough] = Field(default_factory=list)
    wins: list[Win] = Field(default_factory=list)
    quality: CheckinQuality

    def kpi(self, key: str) -> KpiReading | None:
        return next((k for k in self.kpis if k.key == key), None)

    @property
    def recurring(self) -> list[BlockerThread]:
        return [t for t in self.threads if t.recurring]
