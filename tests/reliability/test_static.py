"""Static checks: ruff and bandit (-ll) clean over the code; Jinja2 autoescape on for every HTML template."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT
from tests.reliability.conftest import figure

BIN = Path(sys.executable).parent


def test_ruff_clean():
    out = subprocess.run([str(BIN / "ruff"), "check", "assistant", "tests", "server.py"], cwd=ROOT,
                         capture_output=True, text=True)
    figure("static", "ruff findings", 0 if out.returncode == 0 else out.stdout.count("-->"))
    assert out.returncode == 0, out.stdout[-3000:]


def test_bandit_medium_and_high_clean():
    out = subprocess.run([str(BIN / "bandit"), "-ll", "-q", "-r", "assistant", "-f", "custom",
                          "--msg-template", "{relpath}:{line} {test_id} {severity} {msg}"],
                         cwd=ROOT, capture_output=True, text=True)
    findings = [line for line in out.stdout.splitlines() if line.startswith("assistant/")]
    figure("static", "bandit -ll findings", len(findings))
    assert out.returncode == 0 and not findings, "\n".join(findings) or out.stderr[-2000:]


def _environments() -> list[tuple[str, int, ast.Call]]:
    found = []
    for path in sorted((ROOT / "assistant").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) == "Environment":
                found.append((str(path.relative_to(ROOT)), node.lineno, node))
    return found


def test_every_jinja_environment_autoescapes_html():
    """autoescape=True or select_autoescape(...) in every Environment; never False or missing.

    Prompt and markdown templates (.j2) stay plain text under select_autoescape: HTML escaping
    would corrupt them, and untrusted text reaches prompts only through JSON data blocks.
    """
    bad = []
    envs = _environments()
    for where, line, call in envs:
        value = next((k.value for k in call.keywords if k.arg == "autoescape"), None)
        ok = (isinstance(value, ast.Constant) and value.value is True) or (
            isinstance(value, ast.Call) and getattr(value.func, "id", "") == "select_autoescape")
        if not ok:
            bad.append(f"{where}:{line}")
    figure("static", "Jinja2 environments checked", len(envs))
    figure("static", "environments without HTML autoescape", len(bad))
    assert envs and not bad, bad


def test_html_templates_escape():
    from assistant.web.render import templates

    env = templates.env
    pages = sorted(p.name for p in (ROOT / "assistant" / "web" / "templates").glob("*.html"))
    assert pages and all(env.autoescape(name) for name in pages)
