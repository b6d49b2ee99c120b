"""Requesting drafts: POST /api/drafts/<kind>. Reading and deciding on them is in drafts.py."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from assistant.api.deps import SessionDep, ViewerDep, errors
from assistant.drafting import draft_brief
from assistant.models import Draft
from assistant.orgfile_schema import ISO_WEEK
from assistant.schemas import DraftPublic
from assistant.team import visible_person_by_email

router = APIRouter(prefix="/api/drafts", tags=["drafts"])


class BriefRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    person: str = Field(max_length=254, description="Email of the report the brief is about.")
    week: str | None = Field(None, pattern=ISO_WEEK.pattern, description="Default: their latest check-in week.")


@router.post("/brief", response_model=DraftPublic, status_code=201, responses=errors(403, 404, 422, 429, 502, 503))
def request_brief(body: BriefRequest, session: SessionDep, viewer: ViewerDep) -> Draft:
    """Draft a 1:1 prep brief (the reads run first; the draft is stored once the model answers)."""
    subject = visible_person_by_email(session, viewer, body.person)
    return draft_brief(session, viewer, subject, body.week)
