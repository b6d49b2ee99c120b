"""What the model must return, per draft kind. Strict: an unknown field fails validation."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

NULLABLE_NUMBER = [{"type": "number"}, {"type": "null"}]


def _lean(schema: dict[str, Any]) -> None:
    """Say each thing once in the JSON Schema the model reads, where it counts against the prompt
    budget: a property's title only repeats its key, an empty default only repeats that the key
    is not required, and a nullable number is one list of types rather than two alternatives.
    Validation is pydantic's and unchanged; every constraint stays in the schema."""
    for prop in schema.get("properties", {}).values():
        prop.pop("title", None)
        if "default" in prop and prop["default"] in (None, ""):
            del prop["default"]
        if prop.get("anyOf") == NULLABLE_NUMBER:
            del prop["anyOf"]
            prop["type"] = ["number", "null"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra=_lean)


class Item(_Strict):
    text: str = Field(min_length=1, max_length=700, description="One claim, in plain words.")
    sources: list[str] = Field(default_factory=list, max_length=8, description="Ids from the data blocks.")


class Section(_Strict):
    title: str = Field(min_length=1, max_length=80)
    items: list[Item] = Field(default_factory=list, max_length=10)


class BriefModelOut(_Strict):
    """The model-written part of a 1:1 brief; the computed parts are added by the pipeline."""

    sections: list[Section] = Field(max_length=8)
    questions: list[str] = Field(default_factory=list, max_length=6)


# ---------------------------------------------------------------- check-in feedback
FeedbackTitle = Literal["Wins", "Priorities", "Blockers", "Metric check", "Goals", "Patterns", "Action items",
                        "Role goals", "Sharpen next week", "Encouragement"]
FEEDBACK_WORD_CAP = 220
"""Read in under a minute: about 220 words at an ordinary reading pace."""
ONE_ITEM = ("Sharpen next week", "Encouragement")


class FeedbackItem(_Strict):
    text: str = Field(min_length=1, max_length=320, description="One short judgement, in plain words.")
    sources: list[str] = Field(default_factory=list, max_length=6, description="Ids from the data blocks.")


class FeedbackSection(_Strict):
    title: FeedbackTitle
    items: list[FeedbackItem] = Field(default_factory=list, max_length=3)


class FeedbackModelOut(_Strict):
    """Feedback on one check-in: the four answers judged, goals and patterns, then the one
    thing to sharpen and one earned encouragement (each a section with one item)."""

    sections: list[FeedbackSection] = Field(max_length=10)

    @model_validator(mode="after")
    def _short(self) -> FeedbackModelOut:
        words = sum(len(i.text.split()) for s in self.sections for i in s.items)
        if words > FEEDBACK_WORD_CAP:
            raise ValueError(f"the feedback has {words} words; keep it under {FEEDBACK_WORD_CAP}")
        for s in self.sections:
            if s.title in ONE_ITEM and len(s.items) > 1:
                raise ValueError(f"'{s.title}' holds one item only")
        return self


# ---------------------------------------------------------------- next-quarter role goals
class GoalSuggestion(_Strict):
    """One SMART goal; each figure and the date as computed for its candidate, unchanged. A process
    goal (a milestone's dated deliverable) has no KPI and no figures but its date."""

    # The figures' meaning is the class's description; the goals prompt names each field's value.
    title: str = Field(min_length=1, max_length=240, description="One sentence with KPI, baseline, target, date.")
    objective: str = Field(max_length=64, description="The quarter objective's key.")
    kpi: str | None = Field(None, max_length=64, description="The primary KPI's key; null for a process goal.")
    guardrail: str | None = Field(None, max_length=120, description="The counter-metric that exposes gaming.")
    baseline: float | None = None
    window: str = Field("", max_length=160, description="The values the baseline is computed from.")
    statistic: str = Field("", max_length=60, description="How: e.g. mean of the last 4 values.")
    trend_per_week: float | None = None
    improvement: float | None = None
    target: float | None = None
    arithmetic: str = Field(max_length=600, description="Baseline, trend, improvement and cap, step by step.")
    date: str = Field(max_length=10, description="Due date, YYYY-MM-DD.")
    rationale: str = Field(max_length=400, description="Why it suits the company's stage and the objective.")
    sources: list[str] = Field(default_factory=list, max_length=8)


class Retirement(_Strict):
    kpi: str = Field(max_length=64)
    action: Literal["retire", "demote"]
    reason: str = Field(min_length=1, max_length=400)
    replacement: str | None = Field(None, max_length=120, description="A catalog KPI to track instead.")
    sources: list[str] = Field(default_factory=list, max_length=8)


class GoalsModelOut(_Strict):
    """Two to four goal suggestions, KPIs to retire or demote, and notes for the founder."""

    goals: list[GoalSuggestion] = Field(max_length=4)
    retire: list[Retirement] = Field(default_factory=list, max_length=4)
    notes: list[Item] = Field(default_factory=list, max_length=3)
