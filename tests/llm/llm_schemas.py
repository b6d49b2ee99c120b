"""Schemas shared by the provider tests (a unique module name: tests/ has no __init__.py)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class Feedback(BaseModel):
    """Feedback on one weekly check-in."""

    model_config = ConfigDict(extra="forbid")

    summary: str = Field(min_length=1, max_length=400)
    sentiment: Literal["positive", "neutral", "negative"]
