"""Fuzzing: schemathesis against the app's own OpenAPI schema, every operation, three roles.

Generated requests (valid and not) as a founder, a manager and a member of the small org:
no server errors, and every answer (status code, content type, body) is one the schema
documents. Bounded example counts keep it to a few minutes.
"""

from __future__ import annotations

from collections import Counter

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from tests.reliability.conftest import figure

pytestmark = pytest.mark.slow

EXAMPLES = 25  # per operation, role and mode (valid / invalid requests)
ROLES = ("anonymous", "member", "manager", "founder")  # the founder last: it may delete people
EMAILS = {"member": "ppc@t.test", "manager": "growth-lead@t.test", "founder": "founder@t.test"}
MODES = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def _fuzz(operation, mode: GenerationMode, headers: dict[str, str], found: list[str],  # noqa: ANN001
          sent: Counter) -> None:
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    def run(case) -> None:  # noqa: ANN001
        try:
            response = case.call(headers=headers)
        except Exception as exc:  # noqa: BLE001 - the test client re-raises what would be a 500
            sent[500] += 1
            found.append(f"{case.method} {case.path} -> 500: {type(exc).__name__}: {str(exc)[:200]}")
            return
        sent[response.status_code] += 1
        try:
            case.validate_response(response, checks=CHECKS)
        except Exception as exc:  # noqa: BLE001 - collect every finding, not just the first
            first = str(exc).strip().splitlines()
            found.append(f"{case.method} {case.path} -> {response.status_code}: {' '.join(first[:3])[:300]}")

    try:
        run()
    except Unsatisfiable:
        pass  # negative mode on an operation with nothing to get wrong (no parameters, no body)


def test_schema_fuzz_three_roles(client, tokens, monkeypatch):
    monkeypatch.setenv("CADENCE_DRAFT_RATE_LIMIT", "1000")  # 429 is documented; draft paths are what we want
    from assistant.settings import get_settings

    get_settings.cache_clear()
    schema = schemathesis.openapi.from_asgi("/openapi.json", client.app)
    operations = [result.ok() for result in schema.get_all_operations()]
    found: list[str] = []
    sent: Counter = Counter()
    for role in ROLES:
        headers = {"Authorization": f"Bearer {tokens[EMAILS[role]]}"} if role in EMAILS else {}
        for operation in operations:
            for mode in MODES:
                _fuzz(operation, mode, headers, found, sent)
    server_errors = sum(n for code, n in sent.items() if code >= 500)
    figure("fuzz", "operations x roles x modes", f"{len(operations)}x{len(ROLES)}x{len(MODES)}")
    figure("fuzz", "requests sent", sum(sent.values()))
    figure("fuzz", "answers by status", dict(sorted(sent.items())))
    figure("fuzz", "5xx answers", server_errors)
    figure("fuzz", "schema violations (distinct)", len(set(found)))
    for line in sorted(set(found))[:40]:
        print("  ", line)
    assert server_errors == 0 and not found, sorted(set(found))[:20]


ABSURD_WEEKS = ("9999-W52", "2027-W53", "0000-W01")
ABSURD_QUARTERS = ("9999-Q4", "0000-Q1")
ABSURD_NUMBERS = ("9" * 30, "-1")
NESTED = "[" * 5000


def _json_error(resp) -> bool:  # noqa: ANN001
    ctype = resp.headers.get("content-type", "")
    return 400 <= resp.status_code < 500 and ctype.startswith("application/json") and \
        {"error", "message"} <= set(resp.json())


def test_absurd_inputs_answer_a_4xx_json_error(client, tokens, monkeypatch):
    """Every operation of the schema, fed the inputs a red-team pass found: weeks and quarters
    that do not exist (in query parameters and in bodies), 30-digit offsets, 5,000 levels of
    nested JSON and a body over the size limit. Each answer is a 4xx ErrorBody."""
    monkeypatch.setenv("CADENCE_MAX_BODY_BYTES", "65536")
    from assistant.settings import get_settings

    get_settings.cache_clear()
    spec = client.get("/openapi.json").json()
    headers = {"Authorization": f"Bearer {tokens['founder@t.test']}"}
    sent, bad = 0, []

    def check(method: str, url: str, **kw) -> None:  # noqa: ANN003
        nonlocal sent
        sent += 1
        resp = client.request(method, url, headers={**headers, **kw.pop("headers", {})}, **kw)
        if not _json_error(resp):
            bad.append(f"{method.upper()} {url} -> {resp.status_code} {resp.text[:120]}")

    for path, operations in spec["paths"].items():
        url = path.replace("{quarter}", "2026-Q4")
        for key in ("{person_id}", "{checkin_id}", "{goal_id}", "{draft_id}", "{meeting_id}", "{objective_id}",
                    "{index}"):
            url = url.replace(key, "1")
        url = url.replace("{key}", "ppc-acos").replace("{kpi}", "ppc-acos")
        for method, op in operations.items():
            params = {p["name"] for p in op.get("parameters", []) if p["in"] == "query"}
            for name in params & {"week", "week_from", "week_to"}:
                for week in ABSURD_WEEKS:
                    check(method, url, params={name: week, **({"q": "tacos"} if "q" in params else {})})
            for name in params & {"quarter"}:
                for quarter in ABSURD_QUARTERS:
                    check(method, url, params={name: quarter})
            for name in params & {"offset", "limit", "person_id", "k"}:
                for number in ABSURD_NUMBERS:
                    check(method, url, params={name: number, **({"q": "tacos"} if "q" in params else {})})
            if "{quarter}" in path:
                for quarter in ABSURD_QUARTERS:
                    check(method, path.replace("{quarter}", quarter).replace("{objective_id}", "1")
                          .replace("{kpi}", "ppc-acos"), json={})
            body = op.get("requestBody", {}).get("content", {})
            if "application/json" in body:
                check(method, url, content=NESTED, headers={"Content-Type": "application/json"})
                check(method, url, content=b"[" + b"0," * 40000 + b"0]", headers={"Content-Type": "application/json"})
                ref = body["application/json"].get("schema", {}).get("$ref", "")
                fields = spec["components"]["schemas"].get(ref.rsplit("/", 1)[-1], {}).get("properties", {})
                for field, values in (("week", ABSURD_WEEKS), ("quarter", ABSURD_QUARTERS)):
                    if field in fields:
                        for value in values:
                            check(method, url, json={"person": "ppc@t.test", "title": "t", field: value})
    figure("fuzz", "absurd inputs sent (weeks, quarters, offsets, nested JSON, oversized bodies)", sent)
    figure("fuzz", "absurd inputs not answered with a 4xx ErrorBody", len(bad))
    assert sent > 50 and not bad, bad[:20]
