"""The cadence command end to end, in a subprocess like a user runs it."""

from __future__ import annotations

import os
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
