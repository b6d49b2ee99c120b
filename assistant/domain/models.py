"""SQL tables: the system of record.

``table=True`` classes skip validation, so request bodies are validated by the separate
non-table models in ``assistant/schemas.py`` before anything reaches these.
Enumerations are plain ``str`` enums stored as text so both SQLite and PostgreSQL agree.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)

TEXT_MAX = 4000
"""Characters a check-in field may hold (API, web and org file alike)."""


class Stage(StrEnum):
    early = "early"
    growth = "growth"
    mature = "mature"


class Access(StrEnum):
    member = "member"
    manager = "manager"
    founder = "founder"


class Unit(StrEnum):
    percent = "percent"
    currency = "currency"
    count = "count"
    ratio = "ratio"
    score = "score"
    days = "days"
    hours = "hours"


class Direction(StrEnum):
    up = "up"
    down = "down"


class Frequency(StrEnum):
    weekly = "weekly"
    monthly = "monthly"
    quarterly = "quarterly"
    yearly = "yearly"


class Tier(StrEnum):
    primary = "primary"
    secondary = "secondary"


class MetricStatus(StrEnum):
    on_track = "on_track"
    off_track = "off_track"
    unclear = "unclear"


class MeetingStatus(StrEnum):
    scheduled = "scheduled"
    held = "held"
    cancelled = "cancelled"
    rushed = "rushed"


class GoalStatus(StrEnum):
    active = "active"
    achieved = "achieved"
    missed = "missed"
    dropped = "dropped"


class DraftKind(StrEnum):
    brief = "brief"
    feedback = "feedback"
    goals = "goals"


class DraftStatus(StrEnum):
    draft = "draft"
    accepted = "accepted"
    edited = "edited"
    discarded = "discarded"


class Company(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str
    stage: str = Field(default=Stage.growth.value, description="early | growth | mature")
    currency: str | None = Field(default=None, description="ISO code of the org's money (one per org), e.g. USD.")


class Quarter(SQLModel, table=True):
    id: str = Field(primary_key=True, description="e.g. 2026-Q4")


class Objective(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("quarter_id", "key"),)
    id: int | None = Field(default=None, primary_key=True)
    quarter_id: str = Field(foreign_key="quarter.id", index=True)
    key: str = Field(description="Stable id within the quarter, e.g. 'margin'.")
    title: str
    retired: bool = Field(default=False, description="Dropped from the plan; kept so goals that named it still read.")


class Person(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(unique=True, index=True)
    name: str
    role: str = Field(description="Role title, e.g. 'PPC specialist'.")
    access: str = Field(default=Access.member.value, description="member | manager | founder")
    manager_id: int | None = Field(default=None, foreign_key="person.id", index=True)


class Kpi(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True, index=True, description="The org file's id, e.g. 'ppc-tacos'.")
    owner_id: int | None = Field(default=None, foreign_key="person.id", index=True)
    role: str | None = Field(default=None, description="Role that owns it when no person is assigned.")
    name: str
    description: str = ""
    unit: str = Unit.count.value
    direction: str = Direction.up.value
    frequency: str = Frequency.weekly.value
    target: float | None = None
    objective_key: str | None = Field(default=None, description="Key of the objective it supports.")
    guardrail_id: int | None = Field(default=None, foreign_key="kpi.id")
    tier: str = Tier.primary.value
    metric: str | None = Field(default=None, description="The seller-report metric it is, e.g. amazon.tacos.")


class KpiValue(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("kpi_id", "period"),)
    id: int | None = Field(default=None, primary_key=True)
    kpi_id: int = Field(foreign_key="kpi.id", index=True)
    period: date
    value: float
    import_id: int | None = Field(default=None, foreign_key="reportimport.id",
                                  description="The report import that set it; None when entered by hand.")


class ReportImport(SQLModel, table=True):
    """One run of a seller-report import: who, when, which files, and what it changed."""

    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Field(default_factory=utcnow)
    person_id: int | None = Field(default=None, foreign_key="person.id", index=True,
                                  description="Who imported; None for the command line (or a deleted person).")
    via: str = Field(description="cli | api | web")
    files: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False),
                                        description="[{name, kind, rows, first, last}] per file.")
    kinds: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    changes: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False),
                                          description="[{kpi, period, old, new}] per value changed.")


class ReportTotal(SQLModel, table=True):
    """A report's sum of one quantity over one day (or the range of a summary row).

    Kept so a metric that needs two reports (TACOS) is computed whichever arrives second,
    and so a later export of part of a period completes it.
    """

    __table_args__ = (UniqueConstraint("quantity", "start", "end"), Index("ix_reporttotal_kind_start", "kind", "start"))
    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(description="The report family, e.g. amazon_ads.")
    quantity: str = Field(description="<kind>.<quantity>, e.g. amazon_ads.spend.")
    start: date
    end: date
    value: float
    import_id: int = Field(foreign_key="reportimport.id", index=True)


class CheckIn(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("person_id", "week"), Index("ix_checkin_week", "week"))
    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    week: str = Field(description="ISO week, e.g. 2026-W37.")
    wins: str = ""
    priorities: str = ""
    blockers: str = ""
    metrics: dict[str, str] = Field(
        default_factory=dict, sa_column=Column(JSON, nullable=False),
        description="KPI key -> on_track | off_track | unclear.",
    )
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class Meeting(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    manager_id: int = Field(foreign_key="person.id", index=True)
    report_id: int = Field(foreign_key="person.id", index=True)
    date: date
    status: str = MeetingStatus.held.value
    minutes: int | None = None
    notes: str = Field(default="", description="Shared notes: both people write them; see domain/meetings.py "
                                                "for who else reads them.")


class AgendaItem(SQLModel, table=True):
    """Something one of the two people wants to talk about in a 1:1."""

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True)
    author_id: int = Field(foreign_key="person.id", index=True)
    text: str
    created_at: datetime = Field(default_factory=utcnow)


class ActionItem(SQLModel, table=True):
    """What one of the two people agreed in a 1:1 to do, by when."""

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True)
    text: str
    owner_id: int = Field(foreign_key="person.id", index=True, description="The manager or the report.")
    due: date | None = None
    done: bool = False
    done_at: datetime | None = None
    created_by_id: int = Field(foreign_key="person.id")
    created_at: datetime = Field(default_factory=utcnow)


class PrivateNote(SQLModel, table=True):
    """One person's own notes on a 1:1: read by their author and nobody else, ever."""

    meeting_id: int = Field(foreign_key="meeting.id", primary_key=True)
    author_id: int = Field(foreign_key="person.id", primary_key=True, index=True)
    text: str
    updated_at: datetime = Field(default_factory=utcnow)


class RoleGoal(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    quarter_id: str = Field(foreign_key="quarter.id", index=True)
    title: str
    kpi_id: int | None = Field(default=None, foreign_key="kpi.id")
    target: float | None = None
    objective_key: str | None = None
    status: str = GoalStatus.active.value


class KpiLink(SQLModel, table=True):
    """A founder's confirmed answer to 'which objective of this quarter does this KPI serve?'
    (None: none of them). Unconfirmed links are suggested on the fly (domain/quarters.py)."""

    __table_args__ = (UniqueConstraint("quarter_id", "kpi_id"),)
    id: int | None = Field(default=None, primary_key=True)
    quarter_id: str = Field(foreign_key="quarter.id", index=True)
    kpi_id: int = Field(foreign_key="kpi.id", index=True)
    objective_id: int | None = Field(default=None, foreign_key="objective.id")
    confirmed_by_id: int = Field(foreign_key="person.id")
    confirmed_at: datetime = Field(default_factory=utcnow)


class Draft(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(index=True)
    subject_id: int = Field(foreign_key="person.id", index=True)
    requested_by_id: int = Field(foreign_key="person.id")
    period: str | None = Field(default=None, description="ISO week or quarter the draft is for.")
    provider: str
    model: str
    output: dict[str, Any] = Field(
        default_factory=dict, sa_column=Column(JSON, nullable=False),
        description="What the model wrote (the kind's schema), after the grounding guard and any edit.",
    )
    facts: dict[str, Any] = Field(
        default_factory=dict, sa_column=Column(JSON, nullable=False),
        description="What the drafter computed from the record: flags, cadence, computed goals...",
    )
    meta: dict[str, Any] = Field(
        default_factory=dict, sa_column=Column(JSON, nullable=False),
        description="Who asked about whom, for which period, by which provider; the guard's result; usage.",
    )
    sources: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    usage: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    status: str = DraftStatus.draft.value
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)

    @property
    def content(self) -> dict[str, Any]:
        """The three parts as one flat dict, the shape the CLI, the API and the markdown show."""
        return flat_content(self.output, self.facts, self.meta)


DRAFT_META_FIRST = ("kind", "subject", "viewer", "period", "provider", "model")
"""Metadata shown before the output in a draft's flat view; the rest (grounding, usage) comes last."""
DRAFT_META_INPUTS = "inputs"
"""The metadata key of what a draft was written from (a fingerprint of its inputs, the KPIs it
rests on, the figures and ids the guard accepted): kept for the server, never shown."""


def flat_content(output: dict[str, Any], facts: dict[str, Any], meta: dict[str, Any]) -> dict[str, Any]:
    """Metadata, output, facts, then the guard's result and usage: one dict, in that order.

    A fact never shares a name with an output field in the kinds' schemas; if one ever did,
    the computed value is the one shown, and the stored output keeps the model's.
    """
    first = {k: v for k, v in meta.items() if k in DRAFT_META_FIRST}
    last = {k: v for k, v in meta.items() if k not in DRAFT_META_FIRST and k != DRAFT_META_INPUTS}
    return {**first, **output, **facts, **last}


class ApiToken(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    token_hash: str = Field(unique=True, index=True, description="sha256 of the token; never the token.")
    name: str = ""
    created_at: datetime = Field(default_factory=utcnow)
    revoked_at: datetime | None = None
    last_used_at: datetime | None = Field(None, description="A web session's latest request (its idle expiry).")


class IdempotencyRecord(SQLModel, table=True):
    """A replayable response for a POST carrying an Idempotency-Key."""

    __table_args__ = (UniqueConstraint("person_id", "key"),)
    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id")
    key: str
    request_hash: str
    status_code: int
    response: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)


class Outbox(SQLModel, table=True):
    """Index work written in the same transaction as the change it mirrors.

    The indexer drains it into Chroma; a row stays until Chroma has accepted it, so an
    unhealthy index loses nothing (SQL is the record, Chroma a derived index).
    """

    id: int | None = Field(default=None, primary_key=True)
    op: str = Field(description="upsert | delete")
    entity: str = Field(description="checkin")
    entity_id: int
    created_at: datetime = Field(default_factory=utcnow)
    attempts: int = 0
    last_error: str | None = None


# ---------------------------------------------------------------- derived: rebuildable from the tables above
class InputToken(SQLModel, table=True):
    """What a stored assessment was computed from, per person: a fresh random token each time a
    write changes one of that person's inputs (``person_id`` 0: the whole org's, for writes any
    assessment may read, such as KPI values and the team's shape). A random token, not a counter,
    so a rolled-back write's token can never match a later one. See assistant/assessment/stored.py."""

    person_id: int = Field(primary_key=True, description="A person's id, or 0 for the org.")
    token: str


class StoredAssessment(SQLModel, table=True):
    """The assessment of (person, week) as one viewer may know it, as computed: a cache kept in
    SQL, never the record. Current only while its basis (code version, day, both input tokens)
    matches; otherwise it is recomputed (by the outbox worker, or on first read)."""

    __table_args__ = (UniqueConstraint("person_id", "week", "viewer_id"),)
    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(index=True)
    week: str
    viewer_id: int
    code: str = Field(description="The assessment code's version (a hash of its source).")
    day: date = Field(description="The clock's date it was computed on (cadence and age read it).")
    org_token: str
    person_token: str
    data: str = Field(description="The Assessment as JSON.")
    compute_ms: float = 0.0
    computed_at: datetime = Field(default_factory=utcnow)


class TextVector(SQLModel, table=True):
    """A text's embedding, stored once by content: the units the analysis compares and the
    documents search indexes are embedded at write time and read back, never recomputed."""

    key: str = Field(primary_key=True, description="sha256 of the model id and the text.")
    model: str
    vector: bytes = Field(description="float32, L2-normalised.")
