from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request
from pydantic import BaseModel

from assistant.api.deps import RowIdQuery, SessionDep, ViewerDep, WriteSessionDep, errors
from assistant.domain.kpis import (
    get_visible_kpi,
    kpi_public,
    parse_values,
    series,
    set_kpi_metric,
    upsert_values,
    visible_kpis,
)
from assistant.domain.schemas import KpiPublic, KpiUpdate, KpiValuePublic, ValuesUploadResult
from assistant.kpi_audit.rules import KpiAudit
from assistant.kpi_audit.stored import audit_visible

router = APIRouter(prefix="/api/kpis", tags=["kpis"])


class AuditReport(BaseModel):
    kpis: list[KpiAudit]


@router.get("", response_model=list[KpiPublic], responses=errors())
def list_kpis(session: SessionDep, viewer: ViewerDep, owner_id: RowIdQuery = None) -> list[KpiPublic]:
    """KPI definitions of everyone the viewer may see."""
    return [kpi_public(session, viewer, k) for k in visible_kpis(session, viewer, owner_id=owner_id)]


@router.get("/audit", response_model=AuditReport, responses=errors())
def audit(session: SessionDep, viewer: ViewerDep, owner_id: RowIdQuery = None) -> AuditReport:
    """The KPI audit (vanity, gamed, weak KPIs) over the KPIs the viewer may see."""
    return AuditReport(kpis=audit_visible(session, viewer, owner_id=owner_id))


@router.get("/{key}", response_model=KpiPublic, responses=errors(404))
def get_kpi(key: str, session: SessionDep, viewer: ViewerDep) -> KpiPublic:
    return kpi_public(session, viewer, get_visible_kpi(session, viewer, key))


@router.patch("/{key}", response_model=KpiPublic, responses=errors(404, 422))
def update_kpi(key: str, body: KpiUpdate, session: WriteSessionDep, viewer: ViewerDep) -> KpiPublic:
    """Map the KPI to a seller-report metric, or clear it with null (its owner, their managers, founders)."""
    out = kpi_public(session, viewer, set_kpi_metric(session, viewer, key, body.metric))
    session.commit()
    return out


@router.get("/{key}/values", response_model=list[KpiValuePublic], responses=errors(404))
def get_values(key: str, session: SessionDep, viewer: ViewerDep,
               until: date | None = None) -> list[KpiValuePublic]:
    kpi = get_visible_kpi(session, viewer, key)
    return [KpiValuePublic(kpi=key, period=p, value=v) for p, v in series(session, kpi.id, until=until)]


@router.post(
    "/values", response_model=ValuesUploadResult, responses=errors(422),
    openapi_extra={"requestBody": {"required": True, "content": {
        "application/json": {"schema": {"type": "array", "items": {"$ref": "#/components/schemas/KpiValueIn"}}},
        "text/csv": {"schema": {"type": "string", "description": "Header row kpi,period,value"}},
    }}},
)
async def upload_values(request: Request, session: WriteSessionDep, viewer: ViewerDep) -> ValuesUploadResult:
    """Bulk upsert of KPI values as CSV (``text/csv``) or JSON; all rows or none."""
    values = parse_values(await request.body(), request.headers.get("content-type", "application/json"))
    result = upsert_values(session, viewer, values)
    session.commit()
    return result
