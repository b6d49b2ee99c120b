"""What the model must return, per draft kind. Strict: an unknown field fails validation."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Item(_Strict):
    text: str = Field(min_length=1, max_length=700, description="One claim, in plain words.")
    sources: list[str] = Field(default_factory=list, max_length=8, description="Ids from the data blocks.")


class Section(_Strict):
    title: str = Field(min_length=1, max_length=80)
    items: list[Item] = Field(default_factory=list, max_length=10)


class BriefModelOut(_Strict):
    """The model-written part of a 1:1 brief; the computed parts are added by the pipeline."""

    sections: list[Section] = Field(max_length=6)
    questions: list[str] = Field(default_factory=list, max_length=6)
