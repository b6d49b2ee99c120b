"""Request and response models for the API (non-table: these validate).

Limits live here: text fields at most 4,000 characters, enums, numeric ranges. A request
that breaks one answers 422 and changes nothing.
"""

from __future__ import annotations

import re
from datetime import date as Date
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from assistant.domain.calendar import QuarterId, Week
from assistant.domain.models import (
    TEXT_MAX,
    Access,
    Direction,
    DraftStatus,
    Frequency,
    GoalStatus,
    MeetingStatus,
    MetricStatus,
    Tier,
    Unit,
)
from assistant.domain.reports.metrics import check_metric


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class PersonPublic(_Out):
    id: int
    email: str
    name: str
    role: str
    access: Access
    manager_id: int | None


PERSON_EMAIL = r"^[^@\s]{1,64}@[^@\s]{1,190}$"


class PersonCreate(_In):
    """Someone new on the org chart (a founder adds them)."""

    email: str = Field(pattern=PERSON_EMAIL, max_length=254)
    name: str = Field(min_length=1, max_length=200)
    role: str = Field(min_length=1, max_length=120, description="Role title, e.g. 'PPC specialist'.")
    access: Access = Access.member
    manager_id: int | None = Field(None, ge=1, le=2**63 - 1)


class PersonUpdate(_In):
    """The fields to change; one left out stays as it is (``manager_id`` null: no manager)."""

    name: str | None = Field(None, min_length=1, max_length=200)
    role: str | None = Field(None, min_length=1, max_length=120)
    access: Access | None = None
    manager_id: int | None = Field(None, ge=1, le=2**63 - 1)


class CheckInWrite(_In):
    """The four prompts of a weekly check-in."""

    wins: str = Field("", max_length=TEXT_MAX, description="What moved forward.")
    priorities: str = Field("", max_length=TEXT_MAX, description="Outcomes for next week.")
    blockers: str = Field("", max_length=TEXT_MAX, description="Where you are stuck, what you need.")
    metrics: dict[str, MetricStatus] = Field(
        default_factory=dict, max_length=50, description="KPI id -> on_track | off_track | unclear."
    )


class CheckInCreate(CheckInWrite):
    week: Week = Field(description="ISO week, e.g. 2026-W40; no later than next week.")


class CheckInPublic(_Out):
    id: int
    person_id: int
    week: str
    wins: str
    priorities: str
    blockers: str
    metrics: dict[str, MetricStatus]
    created_at: datetime
    updated_at: datetime


class KpiPublic(_Out):
    id: str = Field(description="The KPI's key, e.g. ppc-tacos.")
    owner: str | None
    role: str | None
    name: str
    description: str
    unit: Unit
    direction: Direction
    frequency: Frequency
    target: float | None
    objective: str | None
    guardrail: str | None = Field(description="Key of its guardrail KPI, when you may see that KPI.")
    guardrail_note: str | None = Field(None, description="Set instead of ``guardrail`` when the guardrail "
                                       "is a KPI outside your view: that one exists, nothing more.")
    tier: Tier
    metric: str | None = Field(None, description="The seller-report metric it is (README: KPI values from "
                               "seller reports), e.g. amazon.tacos; None when its values are entered by hand.")


class KpiUpdate(_In):
    """A KPI's mapping to a seller-report metric; null clears it (its values are then entered by hand)."""

    metric: str | None = Field(None, max_length=64, description="A name from the metric vocabulary.")

    @field_validator("metric")
    @classmethod
    def _metric(cls, v: str | None) -> str | None:
        return check_metric(v)


# A number as text: digits, one optional point, an optional exponent. Python's float() also
# takes '1_000' and ' 1e3 ', which a spreadsheet would not read as the same figure.
PLAIN_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


class KpiValueIn(_In):
    kpi: str = Field(min_length=1, max_length=64, description="KPI key.")
    period: Date
    value: float = Field(allow_inf_nan=False, ge=-1e12, le=1e12)

    @field_validator("value", mode="before")
    @classmethod
    def _plain_number(cls, v: object) -> object:
        if isinstance(v, str) and not PLAIN_NUMBER.fullmatch(v.strip()):
            raise ValueError(f"{v!r} is not a plain number (digits, one '.', no '_' or ',')")
        return v


class KpiValuePublic(_Out):
    kpi: str
    period: Date
    value: float


class ValuesUploadResult(BaseModel):
    inserted: int
    updated: int
    unchanged: int


class MeetingCreate(_In):
    report: str = Field(max_length=254, description="Email of the report.")
    date: Date
    status: MeetingStatus = MeetingStatus.held
    minutes: int | None = Field(None, ge=0, le=600)


class MeetingPublic(_Out):
    id: int
    manager_id: int
    report_id: int
    date: Date
    status: MeetingStatus
    minutes: int | None


AGENDA_MAX = 500
"""Characters an agenda or action item may hold: a line to talk about, not a document."""


class MeetingUpdate(_In):
    """Any subset: notes (either person), your private notes, status/date/minutes (its manager)."""

    notes: str | None = Field(None, max_length=TEXT_MAX, description="Shared notes, read by both people "
                              "and by the report's managers above (README: permissions).")
    private_notes: str | None = Field(None, max_length=TEXT_MAX, description="Your own notes on this 1:1; "
                                      "nobody else ever reads them. Empty deletes them.")
    status: MeetingStatus | None = None
    date: Date | None = None
    minutes: int | None = Field(None, ge=0, le=600)


class AgendaItemCreate(_In):
    text: str = Field(min_length=1, max_length=AGENDA_MAX)


class AgendaItemPublic(_Out):
    id: int
    meeting_id: int
    author_id: int
    text: str
    created_at: datetime


class ActionItemCreate(_In):
    text: str = Field(min_length=1, max_length=AGENDA_MAX)
    owner: str = Field(max_length=254, description="Email of its owner: the 1:1's manager or its report.")
    due: Date | None = None


class ActionItemUpdate(_In):
    done: bool


class ActionItemPublic(_Out):
    id: int
    meeting_id: int
    text: str
    owner_id: int
    due: Date | None
    done: bool
    done_at: datetime | None
    created_by_id: int
    created_at: datetime


class MeetingDetail(MeetingPublic):
    """A 1:1 with everything the viewer may read of it."""

    you: str | None = Field(description="manager | report: your part in it; null when you read it as a "
                            "manager above the report.")
    notes: str
    private_notes: str | None = Field(description="Your own private notes; null unless you are in this 1:1.")
    agenda: list[AgendaItemPublic]
    actions: list[ActionItemPublic]


class GoalCreate(_In):
    person: str = Field(max_length=254, description="Email of the goal's owner.")
    quarter: QuarterId = Field(description="A planned quarter, e.g. 2026-Q4.")
    title: str = Field(min_length=1, max_length=300)
    kpi: str | None = Field(None, max_length=64)
    target: float | None = Field(None, allow_inf_nan=False)
    objective: str | None = Field(None, max_length=64)
    status: GoalStatus = GoalStatus.active


class GoalUpdate(_In):
    # Leave a field out to keep it; null is accepted only for target (clears it). Typed
    # without None so an explicit null is a 422, not a NOT NULL failure (a 500).
    title: str = Field(None, min_length=1, max_length=300)  # type: ignore[assignment]
    target: float | None = Field(None, allow_inf_nan=False)
    status: GoalStatus = None  # type: ignore[assignment]


class GoalPublic(_Out):
    id: int
    person_id: int
    quarter: str
    title: str
    kpi: str | None
    target: float | None
    objective: str | None
    status: GoalStatus


class GoalClosed(GoalPublic):
    """A goal of an ended quarter with its final value: how it ended, and by how much."""

    final_value: float | None = Field(description="The KPI's last value dated inside the goal's quarter.")
    final_period: Date | None
    gap: float | None = Field(description="|final - target| in the KPI's unit (percentage points for a percent KPI).")
    note: str = Field(description="How it ended in one sentence, or why it is still open.")


class DraftPublic(_Out):
    id: int
    kind: str
    subject_id: int
    requested_by_id: int | None = Field(description="Who asked for it; null when you may not see them.")
    period: str | None
    provider: str
    model: str
    content: dict[str, Any] = Field(description="Output, facts and metadata as one flat dict, as the CLI prints it.")
    output: dict[str, Any] = Field(description="What the model wrote, after the grounding guard and any edit.")
    facts: dict[str, Any] = Field(description="What the drafter computed from the record (flags, cadence...).")
    meta: dict[str, Any] = Field(description="Who asked about whom, the provider, the guard's result, usage.")
    sources: list[str]
    usage: dict[str, Any]
    status: DraftStatus
    created_at: datetime
    updated_at: datetime


class DraftEdit(_In):
    content: dict[str, Any] = Field(description="The edited draft content (the flat shape drafts are read in); "
                                    "it replaces the model's output, computed facts and metadata stay.")


# Draft requests: unknown fields are refused, but text is taken as sent (no stripping).
class BriefRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    person: str = Field(max_length=254, description="Email of the report the brief is about.")
    week: Week | None = Field(None, description="Default: their latest check-in week.")


class FeedbackRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    person: str | None = Field(None, max_length=254, description="Whose check-in (default: your own).")
    week: Week | None = Field(None, description="Default: their latest check-in week.")


class GoalsRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    person: str = Field(max_length=254, description="Email of the person the goals are for.")
    quarter: QuarterId | None = Field(None, description="The quarter to plan, e.g. 2027-Q1 (default: next "
                                      "quarter once the current one is past its midpoint, else the current one).")


class GoalAccept(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str | None = Field(None, min_length=1, max_length=300, description="Reworded goal (default: as drafted).")
    target: float | None = Field(None, allow_inf_nan=False, description="Edited target (default: as drafted).")


class ErrorBody(BaseModel):
    """Every error response: a machine code and a plain sentence."""

    error: str
    message: str
    detail: Any | None = None


OBJECTIVE_KEY = r"^[a-z0-9][a-z0-9_.-]{0,63}$"
"""An objective's key: the org file's ``id`` rule."""


class ObjectiveCreate(_In):
    key: str = Field(pattern=OBJECTIVE_KEY, description="Stable within the quarter, e.g. 'margin'.")
    title: str = Field(min_length=1, max_length=300, description="e.g. 'Gross margin back above 35%'.")


class ObjectiveUpdate(_In):
    """Any subset; ``retired: true`` drops it from the plan (goals that named it keep the key)."""

    title: str | None = Field(None, min_length=1, max_length=300)
    retired: bool | None = None


class ObjectivePublic(_Out):
    id: int
    quarter: str
    key: str
    title: str
    retired: bool


class QuarterPublic(_Out):
    id: str
    current: bool = Field(description="The calendar's quarter today.")
    next: bool = Field(description="The quarter after it (listed before it has objectives).")
    objectives: int = Field(description="Objectives in force (not retired).")


class KpiLinkSet(_In):
    objective: str | None = Field(None, pattern=OBJECTIVE_KEY,
                                  description="Key of the quarter's objective the KPI serves; null: none of them.")


class KpiLinkPublic(_Out):
    kpi: str
    kpi_name: str
    owner_id: int | None
    objective: str | None = Field(description="Key of the objective it serves this quarter, or null.")
    objective_title: str | None
    status: str = Field(description="confirmed (a founder said so) | suggested (by meaning, not yet confirmed)")
    confidence: float = Field(description="0-1; 1 for a confirmed link.")
    reason: str
