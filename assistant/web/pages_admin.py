"""People, kept by founders on the web: add someone, change their manager, role or access,
remove them, and hand them a one-time sign-in link.

The rules are the domain's (``domain.people``): the same ones the API and CLI follow.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from pydantic import ValidationError
from sqlmodel import Session
from starlette.responses import Response

from assistant.api.deps import RowId
from assistant.core.db import begin_write, get_engine, get_session
from assistant.domain.models import Access, Person
from assistant.domain.people import create_person, delete_person, everyone, removal_preview, update_person
from assistant.domain.schemas import PersonCreate, PersonUpdate
from assistant.domain.team import visible_person
from assistant.errors import CadenceError, Forbidden
from assistant.web.render import page
from assistant.web.security import FormFields, check_csrf
from assistant.web.signin import LINK_TTL, WebViewer, create_signin_link

router = APIRouter()
CSRF = [Depends(check_csrf)]
FIELDS = ("email", "name", "role", "access", "manager_id")


def require_founder(viewer: Person) -> None:
    if viewer.access != Access.founder:
        raise Forbidden("only founders manage people")


def _render(request: Request, session: Session, viewer: Person, *, forms: dict | None = None,
            errors: dict | None = None, notice: str | None = None, link: dict | None = None,
            status: int = 200) -> Response:
    """The people page; ``forms`` and ``errors`` (keyed by person id, or "new") refill a refused form."""
    people = everyone(session, viewer)
    return page(request, "admin_people.html", {
        "people": people, "managers": [p for p in people if p.access != Access.member],
        "names": {p.id: p.name for p in people}, "accesses": [a.value for a in Access],
        "forms": forms or {}, "errors": errors or {}, "notice": notice, "link": link,
    }, status_code=status)


@router.get("/admin/people")
def people_page(request: Request, viewer: WebViewer, session: Session = Depends(get_session)) -> Response:
    require_founder(viewer)
    return _render(request, session, viewer)


def _form(data: dict[str, str]) -> dict[str, str]:
    return {k: data.get(k, "").strip() for k in FIELDS}


def _body(form: dict[str, str]) -> dict:
    """The form as the request model reads it: an empty manager is no manager."""
    return {k: v for k, v in form.items() if k != "manager_id"} | {"manager_id": form["manager_id"] or None}


def _problem(exc: ValidationError) -> str:
    return "; ".join(f"{'.'.join(map(str, e['loc'])) or 'form'}: {e['msg'].removeprefix('Value error, ')}"
                     for e in exc.errors())


@router.post("/admin/people", dependencies=CSRF)
def add_person(request: Request, viewer: WebViewer, data: FormFields) -> Response:
    require_founder(viewer)
    form = _form(data)
    with Session(get_engine(), expire_on_commit=False) as session:
        try:
            body = PersonCreate.model_validate(_body(form))
            begin_write(session)
            person = create_person(session, viewer, body)
        except ValidationError as exc:
            return _render(request, session, viewer, forms={"new": form}, errors={"new": _problem(exc)}, status=422)
        except CadenceError as exc:
            session.rollback()
            return _render(request, session, viewer, forms={"new": form}, errors={"new": exc.message},
                           status=exc.status_code)
        session.commit()
        return _render(request, session, viewer, notice=f"{person.name} was added. Give them a sign-in link below.")


@router.post("/admin/people/{person_id}", dependencies=CSRF)
def change_person(request: Request, person_id: RowId, viewer: WebViewer, data: FormFields) -> Response:
    require_founder(viewer)
    form = _form(data)
    with Session(get_engine(), expire_on_commit=False) as session:
        try:
            body = PersonUpdate.model_validate({k: v for k, v in _body(form).items() if k != "email"})
            begin_write(session)
            person = update_person(session, viewer, person_id, body)
        except ValidationError as exc:
            return _render(request, session, viewer, forms={person_id: form}, errors={person_id: _problem(exc)},
                           status=422)
        except CadenceError as exc:
            session.rollback()
            return _render(request, session, viewer, forms={person_id: form}, errors={person_id: exc.message},
                           status=exc.status_code)
        session.commit()
        return _render(request, session, viewer, notice=f"Saved {person.name}.")


@router.post("/admin/people/{person_id}/link", dependencies=CSRF)
def signin_link(request: Request, person_id: RowId, viewer: WebViewer) -> Response:
    require_founder(viewer)
    with Session(get_engine(), expire_on_commit=False) as session:
        begin_write(session)
        person = visible_person(session, viewer, person_id)
        url = create_signin_link(session, person, str(request.base_url))
        session.commit()
        return _render(request, session, viewer, link={"person": person, "url": url,
                                               "minutes": int(LINK_TTL.total_seconds() // 60)})


@router.get("/admin/people/{person_id}/remove")
def confirm_remove(request: Request, person_id: RowId, viewer: WebViewer,
                   session: Session = Depends(get_session)) -> Response:
    require_founder(viewer)
    person = visible_person(session, viewer, person_id)
    if person.id == viewer.id:
        raise Forbidden("a founder cannot remove themself; ask another founder")
    manager, reports = removal_preview(session, viewer, person)
    return page(request, "admin_remove.html", {"person": person, "manager": manager, "reports": reports})


@router.post("/admin/people/{person_id}/remove", dependencies=CSRF)
def remove_person(request: Request, person_id: RowId, viewer: WebViewer) -> Response:
    require_founder(viewer)
    with Session(get_engine(), expire_on_commit=False) as session:
        begin_write(session)
        name = visible_person(session, viewer, person_id).name
        delete_person(session, viewer, person_id)
        session.commit()
        return _render(request, session, viewer, notice=f"{name} was removed, with everything by or about them.")
