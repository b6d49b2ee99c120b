"""The cadence command end to end, in a subprocess like a user runs it."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT, SMALL_ORG


def cadence(*args: str, home) -> subprocess.CompletedProcess:  # noqa: ANN001
    env = {k: v for k, v in os.environ.items() if not k.startswith("CADENCE_")}
    env["CADENCE_HOME"] = str(home)
    return subprocess.run([sys.executable, "-m", "assistant", *args], capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=120)


@pytest.fixture
def home(tmp_path):
    return tmp_path / "clihome"


def test_import_export_token(home, tmp_path):
    r = cadence("import", str(SMALL_ORG), home=home)
    assert r.returncode == 0, r.stderr
    again = cadence("import", str(SMALL_ORG), home=home)
    assert again.returncode == 0 and "nothing changed" in again.stdout
    out = tmp_path / "export.yaml"
    assert cadence("export", str(out), home=home).returncode == 0
    assert {p["email"] for p in yaml.safe_load(out.read_text())["people"]} >= {"ppc@t.test"}
    tok = cadence("token", "create", "ppc@t.test", home=home)
    assert tok.returncode == 0 and tok.stdout.strip().startswith("cad_")
    missing = cadence("token", "create", "nobody@t.test", home=home)
    assert missing.returncode != 0 and "nobody@t.test" in missing.stderr


def test_invalid_import_exits_nonzero_and_loads_nothing(home, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("company: {name: X}\nkpis:\n  - {id: k, role: PPC specialist, name: K, unit: furlongs}\n")
    r = cadence("import", str(bad), home=home)
    assert r.returncode != 0
    assert "kpis[0].unit" in r.stderr and "line 3" in r.stderr
    exported = cadence("export", home=home)
    assert exported.returncode != 0 and "no company" in exported.stderr


def test_weeks_and_quarters_that_do_not_exist_are_refused(home):
    assert cadence("import", str(SMALL_ORG), home=home).returncode == 0
    for args, bad in ((["brief", "--week", "9999-W52", "--as", "growth-lead@t.test"], "9999-W52"),
                      (["feedback", "--week", "2027-W53"], "2027-W53"),
                      (["goals", "--quarter", "0000-Q1", "--as", "founder@t.test"], "0000-Q1")):
        r = cadence("draft", *args, "--person", "ppc@t.test", home=home)
        assert r.returncode != 0 and bad in r.stderr and "does not exist" in r.stderr, r.stderr
        assert "Traceback" not in r.stderr


def console_script(*args: str, home) -> subprocess.CompletedProcess:  # noqa: ANN001
    """The installed ``cadence`` entry point itself (``assistant.cli:main``), as CI calls it."""
    script = Path(sys.executable).with_name("cadence")
    env = {k: v for k, v in os.environ.items() if not k.startswith("CADENCE_")}
    env["CADENCE_HOME"] = str(home)
    return subprocess.run([str(script), *args], capture_output=True, text=True, env=env, cwd=ROOT, timeout=300)


def test_console_script_exit_status_follows_the_command(home, tmp_path):
    assert console_script("--help", home=home).returncode == 0
    assert console_script("import", str(SMALL_ORG), home=home).returncode == 0
    missing = console_script("token", "create", "nobody@t.test", home=home)  # NotFound: a CadenceError
    assert missing.returncode == 2 and "error: " in missing.stderr
    assert console_script("audit-kpis", home=home).returncode == 2  # click's usage error
    assert console_script("audit-kpis", "x.yaml", "--format", "csv", home=home).returncode == 2  # BadParameter
    # The eval gate: a baselined case whose scorer now fails must fail the process (typer.Exit(1)).
    evals = tmp_path / "evals"
    (evals / "cases").mkdir(parents=True)
    (evals / "fixtures").mkdir()
    shutil.copy(ROOT / "evals" / "fixtures" / "newhire.yaml", evals / "fixtures")
    case = {"id": "newhire-kpi-audit", "task": "kpi_audit", "fixture": "fixtures/newhire.yaml",
            "subject": "newbie@fresh.test", "viewer": "lead@fresh.test", "expect": {"not_flags": [{"code": "gamed"}]}}
    cases = evals / "cases" / "edges.yaml"
    run = ("eval", "--cases", str(evals / "cases"), "--provider", "offline", "--report", str(tmp_path / "report"))
    cases.write_text(yaml.safe_dump([case]))
    clean = console_script(*run, home=home)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    case["expect"] = {"not_flags": [{"code": "no_guardrail"}]}  # the audit does raise this one
    cases.write_text(yaml.safe_dump([case]))
    regressed = console_script(*run, home=home)
    assert regressed.returncode == 1, regressed.stdout + regressed.stderr
    assert "REGRESSED" in regressed.stdout and "flag_precision" in regressed.stdout


def test_demo_lands_on_this_week_and_rerunning_revokes_the_old_credentials(home):
    import re
    from datetime import timedelta

    from sqlmodel import Session, col, select

    from assistant.core.db import make_engine
    from assistant.domain.auth import LINK_NAME, person_for_token, spend_link
    from assistant.domain.models import ApiToken, CheckIn, KpiValue, Meeting
    from assistant.errors import Unauthorized

    demo_file = ROOT / "demo" / "northwind.yaml"
    before = demo_file.read_bytes()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CADENCE_")}
    env.update(CADENCE_HOME=str(home), CADENCE_TODAY="2026-12-09")  # a Wednesday of 2026-W50

    def demo() -> str:
        r = subprocess.run([sys.executable, "-m", "assistant", "demo", "--no-serve"], capture_output=True,
                           text=True, env=env, cwd=ROOT, timeout=300)
        assert r.returncode == 0, r.stderr
        return r.stdout

    first = demo()
    assert "2026-W30..2026-W41 -> 2026-W39..2026-W50" in first
    for name, access in (("Maya Lindqvist", "founder"), ("Daniel Okafor", "manager"), ("Priya Raman", "manager"),
                         ("Tomás Herrera", "member"), ("Marco Rossi", "member")):
        assert re.search(rf"{name} \({access}, [^)]+\) <", first), first
    old_tokens = re.findall(r"token: (cad_\S+)", first)
    old_links = re.findall(r"link:  \S+/signin/link\?t=(cad_\S+)", first)
    assert len(old_tokens) == len(old_links) == 8
    assert demo_file.read_bytes() == before

    engine = make_engine(f"sqlite:///{home / 'cadence.db'}")
    with Session(engine) as session:
        weeks = set(session.exec(select(CheckIn.week)).all())
        assert max(weeks) == "2026-W50" and min(weeks) == "2026-W39"
        assert str(max(session.exec(select(KpiValue.period)).all())) == "2026-12-07"  # W50's Monday
        assert str(max(session.exec(select(Meeting.date)).all())) == "2026-12-10"

    second = demo()
    assert "revoked 16 demo token(s) and link(s)" in second and "nothing changed" in second
    new_tokens = re.findall(r"token: (cad_\S+)", second)
    with Session(engine) as session:
        for token in old_tokens:
            with pytest.raises(Unauthorized):
                person_for_token(session, token)
        with pytest.raises(Unauthorized):
            spend_link(session, old_links[0], ttl=timedelta(minutes=30))
        assert person_for_token(session, new_tokens[0]).email == "founder@northwind.test"
        live = session.exec(select(ApiToken).where(col(ApiToken.revoked_at).is_(None),
                                                   col(ApiToken.name).in_(["demo", LINK_NAME]))).all()
        assert len(live) == 16
    engine.dispose()


def test_draft_goals_defaults_to_next_quarter_past_the_midpoint(home):
    assert cadence("import", str(SMALL_ORG), home=home).returncode == 0
    env_today = {"CADENCE_TODAY": "2026-11-20"}
    r = subprocess.run([sys.executable, "-m", "assistant", "draft", "goals", "--person", "ppc@t.test",
                        "--as", "founder@t.test"], capture_output=True, text=True, cwd=ROOT, timeout=120,
                       env={**{k: v for k, v in os.environ.items() if not k.startswith("CADENCE_")},
                            "CADENCE_HOME": str(home), **env_today})
    assert r.returncode == 0, r.stderr
    assert '"period": "2027-Q1"' in r.stdout or '"quarter": "2027-Q1"' in r.stdout


def test_draft_as_markdown_names_people_and_sources_in_words_and_amounts_in_the_orgs_currency(home, tmp_path):
    from tests.drafting.test_currency import org_file

    assert cadence("import", str(org_file(tmp_path, "GBP")), home=home).returncode == 0
    r = cadence("draft", "brief", "--person", "ppc@t.test", "--as", "growth-lead@t.test", "--week", "2026-W38",
                "--format", "md", home=home)
    assert r.returncode == 0, r.stderr
    md = r.stdout
    assert md.startswith("# 1:1 prep: Pia Ppc (2026-W38)\n")
    assert "for Gil Growth;" in md and "£1.1" in md and "$" not in md
    # What the person pastes carries no address and no record id, only footnotes in words.
    assert "@t.test" not in md and not re.search(r"\b(?:checkin|meeting|kpi|playbook):", md), md
    footnotes = dict(re.findall(r"^\[\^(\d+)\]: (.+)$", md, re.MULTILINE))
    assert {"Pia's check-in, W38", "Cost per click on 2026-09-14"} <= set(footnotes.values()), footnotes
    assert all(f"[^{n}]" in md.split(f"[^{n}]:")[0] for n in footnotes)  # each note is cited above it
