"""People on the web (founders): add, change manager or role, remove, hand out a sign-in link."""

from __future__ import annotations

import re

from sqlmodel import select

from assistant.domain.models import Person
from tests.web.conftest import csrf_of, post_form, sign_in


def person(session, email: str) -> Person | None:  # noqa: ANN001
    session.rollback()
    session.expire_all()
    return session.exec(select(Person).where(Person.email == email)).first()


def test_only_founders_reach_the_people_page(client, tokens, org):
    for email in ("ppc@t.test", "growth-lead@t.test"):
        sign_in(client, tokens[email])
        assert client.get("/admin/people").status_code == 403
        assert 'href="/admin/people"' not in client.get("/week").text
        assert post_form(client, "/week", "/admin/people", {"email": "x@t.test", "name": "X", "role": "R",
                                                            "access": "member", "manager_id": ""}).status_code == 403
        assert post_form(client, "/week", f"/admin/people/{org['am@t.test'].id}/link").status_code == 403
    sign_in(client, tokens["founder@t.test"])
    page = client.get("/admin/people")
    assert page.status_code == 200 and "Pat Picker" in page.text and 'href="/admin/people"' in page.text


def test_a_founder_adds_a_person_and_a_refused_form_keeps_its_fields(client, tokens, session, org):
    sign_in(client, tokens["founder@t.test"])
    form = {"email": "not-an-email", "name": "Nia New", "role": "Designer", "access": "member",
            "manager_id": str(org["growth-lead@t.test"].id)}
    bad = post_form(client, "/admin/people", "/admin/people", form)
    assert bad.status_code == 422 and "email" in bad.text and 'value="Nia New"' in bad.text
    assert 'value="not-an-email"' in bad.text
    taken = post_form(client, "/admin/people", "/admin/people", form | {"email": "ppc@t.test"})
    assert taken.status_code == 422 and "already belongs" in taken.text
    ok = post_form(client, "/admin/people", "/admin/people", form | {"email": "nia@t.test"})
    assert ok.status_code == 200 and "Nia New was added" in ok.text
    new = person(session, "nia@t.test")
    assert new is not None and new.manager_id == org["growth-lead@t.test"].id and new.role == "Designer"


def test_a_founder_changes_a_manager_and_a_cycle_is_refused_inline(client, tokens, session, org):
    sign_in(client, tokens["founder@t.test"])
    ppc, ops, warehouse = org["ppc@t.test"], org["ops-lead@t.test"], org["warehouse-lead@t.test"]
    moved = post_form(client, "/admin/people", f"/admin/people/{ppc.id}",
                      {"name": "Pia Ppc", "role": "Marketplace analyst", "access": "member", "manager_id": str(ops.id)})
    assert moved.status_code == 200 and "Saved Pia Ppc" in moved.text
    assert (person(session, "ppc@t.test").manager_id, person(session, "ppc@t.test").role) == (ops.id,
                                                                                            "Marketplace analyst")
    cycle = post_form(client, "/admin/people", f"/admin/people/{ops.id}",
                      {"name": "Oda Ops", "role": "Operations lead", "access": "manager",
                       "manager_id": str(warehouse.id)})
    assert cycle.status_code == 422 and "reports to this person" in cycle.text
    row = cycle.text.split(f'id="person-{ops.id}"', 1)[1].split('class="person-admin"', 1)[0]
    assert 'class="alert"' in row and f'<option value="{warehouse.id}" selected>' in row
    assert person(session, "ops-lead@t.test").manager_id == org["founder@t.test"].id


def test_a_sign_in_link_from_the_page_signs_the_person_in_once(client, tokens, org):
    sign_in(client, tokens["founder@t.test"])
    resp = post_form(client, "/admin/people", f"/admin/people/{org['am@t.test'].id}/link")
    assert resp.status_code == 200 and "Sign-in link for Abe Account" in resp.text
    url = re.search(r'value="(http[^"]+/signin/link\?t=cad_[^"]+)"', resp.text)[1]
    client.cookies.clear()
    path, token = "/" + url.split("://", 1)[1].split("/", 1)[1], url.split("t=", 1)[1]
    redeem = client.post("/signin/link", data={"csrf": csrf_of(client.get(path).text), "t": token},
                         follow_redirects=False)
    assert redeem.status_code == 303 and redeem.headers["location"] == "/week"  # a member lands on their week
    assert "Abe Account" in client.get("/week").text
    again = client.post("/signin/link", data={"csrf": csrf_of(client.get(path).text), "t": token})
    assert again.status_code == 401


def test_removing_asks_first_then_follows_the_delete_rules(client, tokens, session, org):
    sign_in(client, tokens["founder@t.test"])
    warehouse = org["warehouse-lead@t.test"]
    confirm = client.get(f"/admin/people/{warehouse.id}/remove")
    assert confirm.status_code == 200 and "Pat Picker will report to Oda Ops instead" in confirm.text
    assert person(session, "warehouse-lead@t.test") is not None  # asking removes nothing
    assert client.get(f"/admin/people/{org['founder@t.test'].id}/remove").status_code == 403
    gone = post_form(client, f"/admin/people/{warehouse.id}/remove", f"/admin/people/{warehouse.id}/remove")
    assert gone.status_code == 200 and "Wes Warehouse was removed" in gone.text
    assert person(session, "warehouse-lead@t.test") is None
    assert person(session, "picker@t.test").manager_id == org["ops-lead@t.test"].id
