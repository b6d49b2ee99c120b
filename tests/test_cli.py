"""The cadence command end to end, in a subprocess like a user runs it."""

from __future__ import annotations

import os
import subprocess
import sys

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
