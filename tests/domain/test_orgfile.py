"""Org file: round trip, idempotent import, errors that name the field and load nothing."""

from __future__ import annotations

import pytest
import yaml
from sqlmodel import func, select

from assistant.domain.models import CheckIn, Company, Kpi, KpiValue, Person
from assistant.domain.orgfile import export_org, import_org, parse_org_text, read_org_file
from assistant.errors import OrgFileError
from tests.conftest import ROOT, SMALL_ORG

DEMO = ROOT / "demo" / "northwind.yaml"


def _counts(session) -> dict[str, int]:
    return {m.__name__: session.exec(select(func.count()).select_from(m)).one()
            for m in (Company, Person, Kpi, KpiValue, CheckIn)}


@pytest.mark.parametrize("path", [SMALL_ORG, DEMO], ids=["small", "demo"])
def test_round_trip(session, path):
    first = import_org(session, read_org_file(path))
    session.commit()
    assert first["people"] > 0 and first["checkins"] > 0
    exported = export_org(session)
    # A second import of the export changes nothing, and exporting again is identical.
    again = import_org(session, parse_org_text(yaml.safe_dump(exported)))
    session.commit()
    assert sum(again.values()) == 0, again
    assert export_org(session) == exported


def test_import_is_idempotent(session):
    import_org(session, read_org_file(SMALL_ORG))
    session.commit()
    before = _counts(session)
    counts = import_org(session, read_org_file(SMALL_ORG))
    session.commit()
    assert sum(counts.values()) == 0
    assert _counts(session) == before


def test_export_into_a_fresh_database_equals_source(session, tmp_path, monkeypatch):
    from assistant.core import db as dbmod
    import_org(session, read_org_file(SMALL_ORG))
    session.commit()
    exported = export_org(session)
    other = dbmod.make_engine(f"sqlite:///{tmp_path / 'other.db'}")
    dbmod.migrate(other)
    from sqlmodel import Session

    with Session(other) as s2:
        import_org(s2, parse_org_text(yaml.safe_dump(exported)))
        s2.commit()
        assert export_org(s2) == exported


HEAD = "company: {name: Bad Co, stage: early}\npeople:\n  - {email: a@t.test, name: A, role: R}\n"
BAD_CASES = {  # file text, the path the error must name, the line it must name (None: not in file)
    "unit": (HEAD + "kpis:\n  - id: x\n    owner: a@t.test\n    name: X\n    unit: furlongs\n", "kpis[0].unit", 8),
    "unknown key": (HEAD + "  - {email: b@t.test, name: B, role: R, favourite: blue}\n", "people[1].favourite", 4),
    "guardrail": (HEAD + "kpis:\n  - {id: x, owner: a@t.test, name: X, guardrail: nope}\n", "kpis[0].guardrail", 5),
    "week": (HEAD + "checkins:\n  - {person: a@t.test, week: 2026-W60}\n", "checkins[0].week", 5),
    "week 53": (HEAD + "checkins:\n  - {person: a@t.test, week: 2027-W53}\n", "checkins[0].week", 5),
    "year 9999": (HEAD + "checkins:\n  - {person: a@t.test, week: 9999-W52}\n", "checkins[0].week", 5),
    "quarter": (HEAD + "quarters:\n  - {id: 0000-Q1}\n", "quarters[0].id", 5),
    "goal quarter": (HEAD + "goals:\n  - {person: a@t.test, quarter: 9999-Q4, title: T}\n", "goals[0].quarter", 5),
    "duplicate": (HEAD + "  - {email: a@t.test, name: B, role: R}\n", "people[1]", 4),
    "manager": (HEAD + "  - {email: b@t.test, name: B, role: R, manager: ghost@t.test}\n", "people[1].manager", None),
    "owner": (HEAD + "kpis:\n  - {id: x, owner: ghost@t.test, name: X}\n", "kpis[0].owner", None),
}


@pytest.mark.parametrize("case", sorted(BAD_CASES))
def test_bad_file_names_field_and_loads_nothing(session, case):
    text, path, line = BAD_CASES[case]
    with pytest.raises(OrgFileError) as err:
        import_org(session, parse_org_text(text))
    session.rollback()
    assert path in err.value.message, err.value.message
    if line is not None:
        assert f"(line {line})" in err.value.message, err.value.message
    assert _counts(session)["Company"] == 0 and _counts(session)["Person"] == 0


def test_not_yaml_at_all(session):
    with pytest.raises(OrgFileError, match="not valid YAML"):
        parse_org_text("company: {name: [unclosed")
    with pytest.raises(OrgFileError, match="company"):
        parse_org_text("- just a list")
