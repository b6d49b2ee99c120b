"""The org file's shape: one format for import, export, demo data and eval fixtures.

Validated strictly (unknown keys are errors) so a typo never loads silently. The file is
YAML or JSON; see README "Org file format".
"""

from __future__ import annotations

import re
from datetime import date as Date
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from assistant.domain.calendar import QuarterId, Week
from assistant.domain.models import (
    TEXT_MAX,
    Access,
    Direction,
    Frequency,
    GoalStatus,
    MeetingStatus,
    MetricStatus,
    Stage,
    Tier,
    Unit,
)
from assistant.domain.reports.metrics import check_metric
from assistant.domain.schemas import AGENDA_MAX

KEY = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")
EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,190}$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class CompanyIn(_Strict):
    name: str = Field(min_length=1, max_length=200)
    stage: Stage = Stage.growth
    currency: str | None = Field(None, pattern=r"^[A-Z]{3}$",
                                 description="ISO code; a seller report in another is refused.")


class ObjectiveIn(_Strict):
    id: str = Field(pattern=KEY.pattern)
    title: str = Field(min_length=1, max_length=300)


class QuarterIn(_Strict):
    id: QuarterId
    objectives: list[ObjectiveIn] = []


class PersonIn(_Strict):
    email: str = Field(pattern=EMAIL.pattern, max_length=254)
    name: str = Field(min_length=1, max_length=200)
    access: Access = Access.member
    role: str = Field(min_length=1, max_length=120)
    manager: str | None = None

    @field_validator("email", "manager")
    @classmethod
    def _lower(cls, v: str | None) -> str | None:
        return v.lower() if v else v


class KpiValueIn(_Strict):
    period: Date
    value: float = Field(allow_inf_nan=False)


class KpiIn(_Strict):
    id: str = Field(pattern=KEY.pattern)
    owner: str | None = None
    role: str | None = Field(None, max_length=120)
    name: str = Field(min_length=1, max_length=200)
    description: str = Field("", max_length=1000)
    unit: Unit = Unit.count
    direction: Direction = Direction.up
    frequency: Frequency = Frequency.weekly
    target: float | None = Field(None, allow_inf_nan=False)
    objective: str | None = None
    guardrail: str | None = None
    tier: Tier = Tier.primary
    metric: str | None = Field(None, max_length=64, description="A seller-report metric, e.g. amazon.tacos.")
    values: list[KpiValueIn] = []

    @field_validator("owner")
    @classmethod
    def _lower(cls, v: str | None) -> str | None:
        return v.lower() if v else v

    @field_validator("metric")
    @classmethod
    def _metric(cls, v: str | None) -> str | None:
        return check_metric(v)

    @model_validator(mode="after")
    def _unique_periods(self) -> KpiIn:
        periods = [v.period for v in self.values]
        if len(periods) != len(set(periods)):
            raise ValueError("values: one value per period (a period appears twice)")
        return self


class CheckInIn(_Strict):
    person: str
    week: Week
    wins: str = Field("", max_length=TEXT_MAX)
    priorities: str = Field("", max_length=TEXT_MAX)
    blockers: str = Field("", max_length=TEXT_MAX)
    metrics: dict[str, MetricStatus] = {}

    @field_validator("person")
    @classmethod
    def _lower(cls, v: str) -> str:
        return v.lower()


class AgendaItemIn(_Strict):
    """Something one of the two people put on the 1:1's agenda."""

    author: str = Field(description="Email of the manager or the report of this 1:1.")
    text: str = Field(min_length=1, max_length=AGENDA_MAX)

    @field_validator("author")
    @classmethod
    def _lower(cls, v: str) -> str:
        return v.lower()


class ActionItemIn(_Strict):
    """An action item agreed in the 1:1, owned by one of its two people."""

    text: str = Field(min_length=1, max_length=AGENDA_MAX)
    owner: str = Field(description="Email of the manager or the report of this 1:1.")
    due: Date | None = None
    done: bool = False
    done_at: datetime | None = Field(None, description="When it was ticked done (import: the import's time "
                                     "when a done item has none).")
    created_by: str | None = Field(None, description="Who wrote it down (default: the 1:1's manager).")

    @field_validator("owner", "created_by")
    @classmethod
    def _lower(cls, v: str | None) -> str | None:
        return v.lower() if v else v


class MeetingIn(_Strict):
    """A 1:1 with its agenda, shared notes and action items. Private notes have no place here:
    they are their author's alone and never leave the database (an import refuses the key)."""

    manager: str
    report: str
    date: Date
    status: MeetingStatus = MeetingStatus.held
    minutes: int | None = Field(None, ge=0, le=600)
    notes: str | None = Field(None, max_length=TEXT_MAX, description="Shared notes; left out, an import keeps "
                              "those already stored.")
    agenda: list[AgendaItemIn] = []
    actions: list[ActionItemIn] = []

    @field_validator("manager", "report")
    @classmethod
    def _lower(cls, v: str) -> str:
        return v.lower()


class GoalIn(_Strict):
    person: str
    quarter: QuarterId
    title: str = Field(min_length=1, max_length=300)
    kpi: str | None = None
    target: float | None = Field(None, allow_inf_nan=False)
    objective: str | None = None
    status: GoalStatus = GoalStatus.active

    @field_validator("person")
    @classmethod
    def _lower(cls, v: str) -> str:
        return v.lower()


class OrgFile(_Strict):
    """A whole org. Only ``company`` is required; every list may be empty."""

    company: CompanyIn
    quarters: list[QuarterIn] = []
    people: list[PersonIn] = []
    kpis: list[KpiIn] = []
    checkins: list[CheckInIn] = []
    meetings: list[MeetingIn] = []
    goals: list[GoalIn] = []
