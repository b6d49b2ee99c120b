"""KPI values on the web: one typed on the KPI page, many from a ``kpi,period,value`` CSV.

Both follow the API's rules (``domain.kpis``, behind POST /api/kpis/values): a KPI the viewer
may not see is refused as unknown, and an upload lands whole or not at all. An upload is
previewed first (``plan_values``: every row with the value it replaces); the preview's form
carries the CSV text back, so the commit applies what was previewed, checked again.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from pydantic import ValidationError
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from assistant.core.db import begin_write, get_engine
from assistant.domain.kpis import (
    MAX_UPLOAD_ROWS,
    ValueChange,
    enter_value,
    parse_values,
    plan_values,
    upsert_values,
    visible_kpis,
)
from assistant.domain.models import Access, Person
from assistant.domain.schemas import KpiValueIn
from assistant.errors import InvalidInput
from assistant.web.pages_people import render_kpi_page
from assistant.web.render import page
from assistant.web.security import FormFields, check_csrf
from assistant.web.signin import WebViewer, landing

router = APIRouter()
CSRF = [Depends(check_csrf)]
MAX_CSV_BYTES = 2 * 1024 * 1024
"""A web upload's limit: room for MAX_UPLOAD_ROWS short rows, and for the preview to carry it back."""


def _problems(exc: ValidationError) -> str:
    """A value form's validation errors as one line naming each field."""
    out = []
    for err in exc.errors():
        field = ".".join(str(p) for p in err["loc"]) or "value"
        msg = err["msg"].removeprefix("Value error, ")
        if field == "period":
            msg = "pick a day (YYYY-MM-DD)"
        out.append(f"{field}: {msg}")
    return "; ".join(out)


@router.post("/kpis/{key}/values", dependencies=CSRF)
def enter(request: Request, key: str, viewer: WebViewer, data: FormFields) -> Response:
    entry = {"period": data.get("period", "").strip(), "value": data.get("value", "").strip()}
    with Session(get_engine(), expire_on_commit=False) as session:
        try:
            value = KpiValueIn.model_validate({"kpi": key[:64], **entry})
        except ValidationError as exc:
            return render_kpi_page(request, session, viewer, key, entry=entry, error=_problems(exc), status_code=422)
        begin_write(session)
        try:
            change = enter_value(session, viewer, value)
        except InvalidInput as exc:
            session.rollback()
            return render_kpi_page(request, session, viewer, key, entry=entry, error=exc.message, status_code=422)
        session.commit()
    return RedirectResponse(f"/kpis/{key}?saved={change.period.isoformat()}#enter-value", status_code=303)


def _back(target: str, viewer: Person) -> str:
    """Where the upload was started (the Team or a KPI page), else the viewer's landing page."""
    pages = ("/kpis/",) if viewer.access == Access.member else ("/team", "/kpis/")
    return target if target.startswith(pages) and "//" not in target and "\\" not in target else landing(viewer)


def _upload_page(request: Request, viewer: Person, *, text: str = "", back: str = "", error: str | None = None,
                 status: int = 200) -> Response:
    with Session(get_engine()) as session:
        kpis = visible_kpis(session, viewer)  # the ids a row may name, listed for whoever types them
    return page(request, "values_upload.html", {"text": text, "back": _back(back, viewer), "error": error,
                                                "kpis": kpis, "max_rows": MAX_UPLOAD_ROWS,
                                                "max_mb": MAX_CSV_BYTES // 1024 // 1024}, status_code=status)


@router.get("/values/upload")
def upload_form(request: Request, viewer: WebViewer, back: str = "") -> Response:
    return _upload_page(request, viewer, back=back)


async def _csv_text(file: UploadFile | None, text: str) -> str:
    """The uploaded file's text, else the pasted text; InvalidInput past the size limit or not UTF-8."""
    if file is None or not file.filename:
        return text
    body = await file.read(MAX_CSV_BYTES + 1)
    if len(body) > MAX_CSV_BYTES:
        raise InvalidInput(f"values: a file here is at most {MAX_CSV_BYTES // 1024 // 1024} MB; "
                           "POST /api/kpis/values takes larger ones")
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput("values: the file is not UTF-8 text (save it as CSV UTF-8)") from None


PREVIEW_ROWS = 200
"""Rows a preview lists, those that change first: a 50,000-row upload is a count, not a table."""


def _changes_page(request: Request, viewer: Person, changes: list[ValueChange], *, text: str, back: str,
                  committed: bool) -> Response:
    counts = {kind: sum(1 for c in changes if c.kind == kind) for kind in ("new", "changed", "unchanged")}
    shown = sorted(changes, key=lambda c: c.kind == "unchanged")[:PREVIEW_ROWS]  # stable: file order kept
    return page(request, "values_preview.html", {"changes": changes, "shown": shown, "counts": counts,
                                                 "text": text, "back": _back(back, viewer), "committed": committed})


def _preview(request: Request, viewer: Person, text: str, back: str) -> Response:
    with Session(get_engine()) as session:  # read only: closing it rolls back
        try:
            changes = plan_values(session, viewer, parse_values(text.encode(), "text/csv"))
        except InvalidInput as exc:
            return _upload_page(request, viewer, text=text, back=back, error=exc.message, status=422)
        return _changes_page(request, viewer, changes, text=text, back=back, committed=False)


@router.post("/values/preview", dependencies=CSRF)
async def preview(request: Request, viewer: WebViewer, file: Annotated[UploadFile | None, File()] = None,
                  text: Annotated[str, Form(max_length=MAX_CSV_BYTES)] = "",
                  back: Annotated[str, Form(max_length=300)] = "") -> Response:
    try:
        csv_text = await _csv_text(file, text)
    except InvalidInput as exc:
        return _upload_page(request, viewer, text=text, back=back, error=exc.message, status=422)
    if not csv_text.strip():
        return _upload_page(request, viewer, back=back, error="values: choose a CSV file or paste its rows", status=422)
    # The preview reads the database: the threadpool, as for the sync pages, keeps the event loop free.
    return await run_in_threadpool(_preview, request, viewer, csv_text, back)


@router.post("/values/edit", dependencies=CSRF)
def edit(request: Request, viewer: WebViewer, text: Annotated[str, Form(max_length=MAX_CSV_BYTES)] = "",
         back: Annotated[str, Form(max_length=300)] = "") -> Response:
    """Back from a preview to the upload form, with the rows it previewed."""
    return _upload_page(request, viewer, text=text, back=back)


@router.post("/values/commit", dependencies=CSRF)
def commit(request: Request, viewer: WebViewer, text: Annotated[str, Form(max_length=MAX_CSV_BYTES)] = "",
           back: Annotated[str, Form(max_length=300)] = "") -> Response:
    with Session(get_engine(), expire_on_commit=False) as session:
        try:
            values = parse_values(text.encode(), "text/csv")
            begin_write(session)
            changes = plan_values(session, viewer, values)
            upsert_values(session, viewer, values)
        except InvalidInput as exc:
            session.rollback()  # refused whole: nothing of the upload is kept
            return _upload_page(request, viewer, text=text, back=back, error=exc.message, status=422)
        session.commit()
        return _changes_page(request, viewer, changes, text="", back=back, committed=True)
