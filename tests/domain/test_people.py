"""Founders keep the org chart: adding, changing and the rules that keep it a tree."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from assistant.domain.people import create_person, update_person
from assistant.domain.schemas import PersonCreate, PersonUpdate
from assistant.domain.team import can_see
from assistant.errors import Forbidden, InvalidInput, NotFound


def test_a_founder_adds_a_person_who_lands_under_their_manager(session, org):
    founder, lead = org["founder@t.test"], org["growth-lead@t.test"]
    new = create_person(session, founder, PersonCreate(email="New.Hire@T.test", name="Nia New", role="Designer",
                                                       manager_id=lead.id))
    session.commit()
    assert (new.email, new.access, new.manager_id) == ("new.hire@t.test", "member", lead.id)
    assert can_see(session, lead, new.id) and not can_see(session, org["ops-lead@t.test"], new.id)
    with pytest.raises(InvalidInput, match="already belongs"):
        create_person(session, founder, PersonCreate(email="new.hire@t.test", name="Twin", role="Designer"))
    with pytest.raises(InvalidInput, match="is a member"):
        create_person(session, founder, PersonCreate(email="x@t.test", name="X", role="R",
                                                     manager_id=org["ppc@t.test"].id))
    with pytest.raises(InvalidInput, match="no such person"):
        create_person(session, founder, PersonCreate(email="y@t.test", name="Y", role="R", manager_id=9999))


def test_only_founders_add_or_change_people(session, org):
    lead = org["growth-lead@t.test"]
    with pytest.raises(Forbidden):
        create_person(session, lead, PersonCreate(email="z@t.test", name="Z", role="R"))
    with pytest.raises(Forbidden):
        update_person(session, lead, org["ppc@t.test"].id, PersonUpdate(role="Senior PPC"))
    with pytest.raises(NotFound):
        update_person(session, org["founder@t.test"], 9999, PersonUpdate(role="x"))


def test_a_change_of_manager_moves_visibility_and_keeps_the_chart_a_tree(session, org):
    founder, ops, warehouse = org["founder@t.test"], org["ops-lead@t.test"], org["warehouse-lead@t.test"]
    ppc = org["ppc@t.test"]
    moved = update_person(session, founder, ppc.id, PersonUpdate(manager_id=ops.id, role="Marketplace analyst"))
    session.commit()
    assert (moved.manager_id, moved.role, moved.name) == (ops.id, "Marketplace analyst", "Pia Ppc")
    assert can_see(session, ops, ppc.id) and not can_see(session, org["growth-lead@t.test"], ppc.id)
    with pytest.raises(InvalidInput, match="reports to this person"):
        update_person(session, founder, ops.id, PersonUpdate(manager_id=warehouse.id))  # a cycle
    with pytest.raises(InvalidInput, match="cannot manage themself"):
        update_person(session, founder, ops.id, PersonUpdate(manager_id=ops.id))
    top = update_person(session, founder, warehouse.id, PersonUpdate(manager_id=None))
    assert top.manager_id is None


def test_access_changes_that_would_strand_someone_are_refused(session, org):
    founder, warehouse, picker = org["founder@t.test"], org["warehouse-lead@t.test"], org["picker@t.test"]
    with pytest.raises(InvalidInput, match="give them another manager first"):
        update_person(session, founder, warehouse.id, PersonUpdate(access="member"))
    with pytest.raises(Forbidden, match="own access"):
        update_person(session, founder, founder.id, PersonUpdate(access="manager"))
    promoted = update_person(session, founder, picker.id, PersonUpdate(access="manager"))
    assert promoted.access == "manager"
    unchanged = update_person(session, founder, founder.id, PersonUpdate(access="founder", name="Fay F."))
    assert (unchanged.access, unchanged.name) == ("founder", "Fay F.")


def test_the_request_models_hold_the_limits():
    with pytest.raises(ValidationError):
        PersonCreate(email="not-an-email", name="A", role="R")
    with pytest.raises(ValidationError):
        PersonCreate(email="a@t.test", name="", role="R")
    with pytest.raises(ValidationError):
        PersonUpdate(access="admin")
    with pytest.raises(ValidationError):
        PersonUpdate(role="x" * 121)
