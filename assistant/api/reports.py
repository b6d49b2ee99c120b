"""Seller-report uploads: ``POST /api/reports`` (multipart) and the metric vocabulary."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.routing import APIRoute
from starlette.responses import Response

from assistant.api.deps import ViewerDep, WriteSessionDep, errors
from assistant.domain.reports.cells import CellError, read_range
from assistant.domain.reports.importer import Upload, import_reports
from assistant.domain.reports.metrics import METRICS
from assistant.domain.reports.results import ImportResult, MetricInfo
from assistant.errors import InvalidInput, TooLarge
from assistant.settings import get_settings


def check_length(request: Request) -> None:
    """413 from the Content-Length alone, before the body is read (a body sent without one is
    spooled to disk by the form parser, and each file's size is checked after)."""
    limit = get_settings().report_max_mb * 1024 * 1024
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > limit:
        raise TooLarge(f"the upload is larger than {get_settings().report_max_mb} MB (CADENCE_REPORT_MAX_MB)")


class LimitedRoute(APIRoute):
    """A route whose body size is checked before FastAPI parses the form."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def limited(request: Request) -> Response:
            check_length(request)
            return await handler(request)

        return limited


router = APIRouter(prefix="/api/reports", tags=["reports"], route_class=LimitedRoute)


def uploads_of(files: list[UploadFile]) -> list[Upload]:
    """The uploaded files as the importer reads them; each within the size limit."""
    limit = get_settings().report_max_mb * 1024 * 1024
    out = []
    for f in files:
        name = (f.filename or "upload").rsplit("/", 1)[-1].rsplit("\\", 1)[-1][:200] or "upload"
        if f.size is not None and f.size > limit:
            raise TooLarge(f"{name} is larger than {get_settings().report_max_mb} MB (CADENCE_REPORT_MAX_MB)")
        out.append(Upload(name, f.file))
    return out


def dates_of(text: str | None):  # noqa: ANN201 - a Span or None
    try:
        return read_range(text)
    except CellError as exc:
        raise InvalidInput(str(exc)) from None


@router.post("", response_model=ImportResult, responses=errors(403, 413, 422))
def upload_reports(
    session: WriteSessionDep, viewer: ViewerDep,
    files: Annotated[list[UploadFile], File(description="One or more exports: .csv, .tsv, .txt or .xlsx.")],
    kind: Annotated[str | None, Form(max_length=40, description="Force a report kind instead of detecting it.")]
    = None,
    dates: Annotated[str | None, Form(max_length=40, description="FIRST..LAST for a report that names no "
                                                                 "dates (a Business Report by ASIN).")] = None,
    dry_run: Annotated[bool, Form(description="Say what would change and write nothing.")] = False,
) -> ImportResult:
    """Import seller reports into the KPIs mapped to their metrics: all files or none."""
    result = import_reports(session, viewer, uploads_of(files), kind=kind or None, dates=dates_of(dates),
                            dry_run=dry_run, via="api")
    if dry_run:
        session.rollback()
    else:
        session.commit()
    return result


@router.get("/metrics", response_model=list[MetricInfo], responses=errors())
def list_metrics(viewer: ViewerDep) -> list[MetricInfo]:
    """The metric vocabulary a KPI's ``metric`` may name, with each formula and its reports."""
    return [MetricInfo(name=m.name, label=m.label, unit=m.unit.value, formula=m.formula, reports=list(m.kinds))
            for m in METRICS.values()]
