"""My week: the four-prompt check-in for one ISO week, its feedback draft, past weeks."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from pydantic import ValidationError
from sqlmodel import Session
from starlette.responses import Response

from assistant.analysis.kpi import kpi_status
from assistant.analysis.text import is_empty
from assistant.assessment.goals import goal_readings
from assistant.assessment.kpis import kpi_readings
from assistant.core.db import begin_write, get_engine, get_session
from assistant.domain.calendar import check_week, current_week, iso_week_monday, quarter_of
from assistant.domain.checkins import list_visible_checkins, upsert_checkin, visible_checkin_of_week
from assistant.domain.drafts import latest_visible_draft
from assistant.domain.models import TEXT_MAX, MetricStatus, Person
from assistant.domain.schemas import CheckInWrite
from assistant.domain.sources import cited
from assistant.drafting.reader import source_labels
from assistant.errors import InvalidInput
from assistant.web.bridge import run_draft
from assistant.web.errors import Retry
from assistant.web.pages_meetings import week_card
from assistant.web.render import page
from assistant.web.security import FormFields, check_csrf
from assistant.web.signin import WebViewer

router = APIRouter()
NOTICES = {"saved": "Check-in saved. Your feedback draft is below."}


def _week_or_current(week: str | None) -> str:
    return check_week((week or "").strip() or current_week())  # InvalidInput (422) for one that does not exist


def _render(request: Request, session: Session, viewer: Person, week: str, *, form: dict | None = None,
            error: str | None = None, notice: str | None = None, status: int = 200,
            confirm_empty: bool = False) -> Response:
    existing = visible_checkin_of_week(session, viewer, viewer.id, week)
    if form is None:
        form = {"wins": existing.wins if existing else "", "priorities": existing.priorities if existing else "",
                "blockers": existing.blockers if existing else "",
                "metrics": dict(existing.metrics) if existing else {}}
    draft = latest_visible_draft(session, viewer, kind="feedback", subject_id=viewer.id, period=week)
    readings = kpi_readings(session, viewer, week, viewer)
    return page(request, "week.html", {
        "week": week, "this_week": current_week(), "form": form, "existing": existing, "error": error,
        "notice": notice, "kpis": kpi_status(session, viewer, week),
        "statuses": [s.value for s in MetricStatus],
        "past": list_visible_checkins(session, viewer, person_id=viewer.id, limit=26),
        "draft": draft, "labels": source_labels(session, viewer, cited(draft.content)) if draft else {},
        "one_on_one": week_card(session, viewer), "text_max": TEXT_MAX,
        # The role goals in force that week, read as the assessment reads them (the brief says the same).
        "goals": goal_readings(session, viewer, week, readings), "quarter": quarter_of(iso_week_monday(week)),
        "units": {r.key: r.unit for r in readings}, "readings": readings, "confirm_empty": confirm_empty,
    }, status_code=status)


@router.get("/week")
def my_week(request: Request, viewer: WebViewer, session: Session = Depends(get_session),
            w: str | None = None, notice: str | None = None) -> Response:
    return _render(request, session, viewer, _week_or_current(w), notice=NOTICES.get(notice or ""))


def draft_feedback_now(request: Request, viewer: Person, week: str) -> Response:
    """Ask for the viewer's own feedback draft; the check-in is already committed whatever happens."""
    return run_draft(request, viewer, viewer.id, "feedback", week,
                     Retry("/week/feedback", "Try the feedback draft again", {"week": week}),
                     what="The feedback draft", kept=f"Your check-in for {week} is saved. ",
                     then=lambda _draft: f"/week?w={week}&notice=saved")


@router.post("/week", dependencies=[Depends(check_csrf)])
def save_week(request: Request, viewer: WebViewer, data: FormFields) -> Response:
    week = _week_or_current(str(data.get("week", "")))
    form = {"wins": str(data.get("wins", "")), "priorities": str(data.get("priorities", "")),
            "blockers": str(data.get("blockers", "")),
            "metrics": {k[7:]: str(v) for k, v in data.items() if k.startswith("metric:") and v}}
    with Session(get_engine(), expire_on_commit=False) as session:
        try:
            body = CheckInWrite.model_validate(form)
        except ValidationError as exc:
            problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
            return _render(request, session, viewer, week, form=form, error=problems, status=422)
        if is_empty(body.wins) and is_empty(body.priorities) and not data.get("confirm_empty"):
            # Saved only on a second, deliberate press: an empty check-in tells the manager nothing.
            return _render(request, session, viewer, week, form=form, status=422, confirm_empty=True,
                           error="No wins and no priorities written. Add one of each, or press Save again to file "
                                 "the week as it is.")
        begin_write(session)
        try:
            upsert_checkin(session, person=viewer, week=week, body=body)
        except InvalidInput as exc:
            session.rollback()
            return _render(request, session, viewer, week, form=form, error=exc.message, status=422)
        session.commit()
    return draft_feedback_now(request, viewer, week)


@router.post("/week/feedback", dependencies=[Depends(check_csrf)])
def retry_feedback(request: Request, viewer: WebViewer, data: FormFields) -> Response:
    return draft_feedback_now(request, viewer, _week_or_current(str(data.get("week", ""))))
