"""Seller reports on the web: map KPIs to metrics, upload exports, preview, then commit.

The preview is the importer's dry run. The uploaded files wait in a private folder under
``CADENCE_HOME/uploads`` (named by a random token, tied to the person who uploaded them)
until the person commits or cancels; an abandoned upload is removed after an hour.
"""

from __future__ import annotations

import json
import secrets
import shutil
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from sqlmodel import Session
from starlette.responses import RedirectResponse, Response

from assistant.api.reports import LimitedRoute, dates_of, uploads_of
from assistant.core.db import begin_write, get_engine, get_session
from assistant.domain.kpis import set_kpi_metric, visible_kpis
from assistant.domain.models import Person
from assistant.domain.reports.detect import LABELS
from assistant.domain.reports.importer import Upload, import_reports
from assistant.domain.reports.metrics import METRICS, check_metric
from assistant.domain.reports.store import recent_imports
from assistant.errors import CadenceError, InvalidInput, NotFound
from assistant.settings import get_settings
from assistant.web.render import page
from assistant.web.security import FormFields, check_csrf
from assistant.web.signin import WebViewer

router = APIRouter(route_class=LimitedRoute)
CSRF = [Depends(check_csrf)]
STAGED_FOR = 3600  # seconds an upload waits for its commit
_TOKEN_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")


def _uploads_dir() -> Path:
    folder = get_settings().home / "uploads"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def _sweep() -> None:
    for old in _uploads_dir().iterdir():
        if old.is_dir() and time.time() - old.stat().st_mtime > STAGED_FOR:
            shutil.rmtree(old, ignore_errors=True)


def _staged(token: str, viewer: Person) -> tuple[Path, dict]:
    folder = _uploads_dir() / token
    if not token or set(token) - _TOKEN_CHARS or not (folder / "upload.json").is_file():
        raise NotFound("that upload has expired or was already imported; upload the files again")
    meta = json.loads((folder / "upload.json").read_text())
    if meta["person_id"] != viewer.id:
        raise NotFound("that upload has expired or was already imported; upload the files again")
    return folder, meta


def _render(request: Request, session: Session, viewer: Person, *, error: str | None = None,
            notice: str | None = None, status: int = 200) -> Response:
    return page(request, "reports.html", {
        "kpis": visible_kpis(session, viewer), "metrics": METRICS, "labels": LABELS, "error": error,
        "notice": notice, "imports": recent_imports(session, viewer), "max_mb": get_settings().report_max_mb,
    }, status_code=status)


@router.get("/reports")
def reports_page(request: Request, viewer: WebViewer, session: Session = Depends(get_session)) -> Response:
    return _render(request, session, viewer)


@router.post("/reports/mapping", dependencies=CSRF)
def save_mapping(request: Request, viewer: WebViewer, data: FormFields) -> Response:
    wanted = {k[7:]: (v or None) for k, v in data.items() if k.startswith("metric:")}
    with Session(get_engine(), expire_on_commit=False) as session:
        try:
            wanted = {key: check_metric(metric) for key, metric in wanted.items()}
        except ValueError as exc:
            return _render(request, session, viewer, error=str(exc), status=422)
        begin_write(session)
        for key, metric in wanted.items():
            set_kpi_metric(session, viewer, key, metric)
        session.commit()
        return _render(request, session, viewer, notice="Metric mapping saved.")


@router.post("/reports/preview", dependencies=CSRF)
def preview(request: Request, viewer: WebViewer,
            files: Annotated[list[UploadFile], File()],
            kind: Annotated[str, Form(max_length=40)] = "",
            dates: Annotated[str, Form(max_length=40)] = "") -> Response:
    _sweep()
    token = secrets.token_urlsafe(18)
    folder = _uploads_dir() / token
    folder.mkdir(mode=0o700)
    with Session(get_engine(), expire_on_commit=False) as session:
        try:
            uploads = uploads_of([f for f in files if f.filename])
            names = []
            for i, upload in enumerate(uploads):
                # Stored by number (two files may share a name); the name as sent is kept in upload.json.
                with (folder / f"{i:02d}.upload").open("wb") as out:
                    shutil.copyfileobj(upload.stream, out)
                upload.stream.seek(0)
                names.append(upload.name)
            result = import_reports(session, viewer, uploads, kind=kind or None, dates=dates_of(dates),
                                    dry_run=True, via="web")
        except CadenceError as exc:
            shutil.rmtree(folder, ignore_errors=True)
            return _render(request, session, viewer, error=exc.message, status=exc.status_code)
        finally:
            session.rollback()
        (folder / "upload.json").write_text(json.dumps(
            {"person_id": viewer.id, "names": names, "kind": kind, "dates": dates}))
    return page(request, "report_preview.html", {"result": result, "token": token, "committed": False})


@router.post("/reports/commit", dependencies=CSRF)
def commit(request: Request, viewer: WebViewer, token: Annotated[str, Form(max_length=64)] = "") -> Response:
    folder, meta = _staged(token, viewer)
    paths = sorted(p for p in folder.iterdir() if p.name != "upload.json")
    with ExitStack() as stack, Session(get_engine(), expire_on_commit=False) as session:
        uploads = [Upload(name, stack.enter_context(path.open("rb"))) for name, path in zip(meta["names"], paths,
                                                                                           strict=True)]
        begin_write(session)
        try:
            result = import_reports(session, viewer, uploads, kind=meta["kind"] or None,
                                    dates=dates_of(meta["dates"]), via="web")
        except InvalidInput as exc:
            session.rollback()  # the data changed since the preview (another import, a new mapping)
            return _render(request, session, viewer, error=exc.message, status=422)
        session.commit()
    shutil.rmtree(folder, ignore_errors=True)
    return page(request, "report_preview.html", {"result": result, "token": "", "committed": True})


@router.post("/reports/cancel", dependencies=CSRF)
def cancel(viewer: WebViewer, token: Annotated[str, Form(max_length=64)] = "") -> Response:
    try:
        folder, _ = _staged(token, viewer)
        shutil.rmtree(folder, ignore_errors=True)
    except NotFound:
        pass  # already gone: cancelling twice is fine
    return RedirectResponse("/reports", status_code=303)
