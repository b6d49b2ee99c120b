"""What an import (or its dry run) answers: the files as read, and each KPI value it changes."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field


class FileRead(BaseModel):
    name: str
    kind: str
    label: str = Field(description="The report family as sellers call it, e.g. 'Amazon Ads report'.")
    detected: bool = Field(description="True when the kind came from the header, False when it was forced.")
    rows: int
    first: date | None
    last: date | None
    currency: str | None = Field(description="ISO code (or '$') the file's money is in, when it shows one.")


class ValueChange(BaseModel):
    kpi: str
    metric: str
    period: date
    old: float | None = Field(description="The value before (None: the period had none).")
    new: float


class ImportResult(BaseModel):
    dry_run: bool
    import_id: int | None = Field(description="The recorded import; None for a dry run.")
    recorded_at: datetime | None
    files: list[FileRead]
    changes: list[ValueChange]
    unchanged: int = Field(description="KPI values the reports confirm as they were.")
    notes: list[str] = Field(description="Periods left out and why (a partial week, a report not yet in).")

    def summary(self) -> str:
        """One line for the command line and the web page."""
        verb = "would change" if self.dry_run else "changed"
        return f"{verb} {len(self.changes)} KPI value(s), {self.unchanged} unchanged"


class MetricInfo(BaseModel):
    """One entry of the vocabulary, as the API lists it."""

    name: str
    label: str
    unit: str
    formula: str
    reports: list[str] = Field(description="The report kinds it is computed from.")
