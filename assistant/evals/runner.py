"""Run eval cases through the real pipeline, each in a fresh database with its fixture loaded.

    result = run_suite(load_cases(EVALS / "cases"), providers=["offline", "openai"])

Legs: ``offline`` runs every draft case on the offline provider (no cassette needed);
``openai`` / ``local`` replay the cases marked ``record: true`` from their cassettes (or
record them, with ``record=True``). Cases that call no model (kpi_audit, search) run once
per run under the provider name ``no-model``.

Each fixture is imported once per run into its own CADENCE_HOME (SQLite plus a Chroma
index with the outbox drained); each case then runs on a copy of that SQLite file, so no
case sees another's drafts. ``today`` is pinned per fixture, so prompts are byte-identical
between a recording and its replay.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlmodel import Session, select

from assistant.domain.models import flat_content
from assistant.errors import CadenceError
from assistant.evals import recording
from assistant.evals.cases import LLM_TASKS, Case
from assistant.evals.scorers import Observation, Score, score_all
from assistant.settings import PROJECT_ROOT, Settings, get_settings

EVALS = PROJECT_ROOT / "evals"
CASSETTES = EVALS / "cassettes"
NO_MODEL = "no-model"
FALLBACK_TODAY = date(2026, 10, 9)
_CANARY = re.compile(r"CANARY-[A-Z0-9-]+")


@dataclass
class CaseResult:
    case: Case
    provider: str
    scores: list[Score]
    output: dict[str, Any] | None
    error: str | None = None
    seconds: float = 0.0
    rerecord: bool = False

    @property
    def passed(self) -> bool:
        return all(s.passed for s in self.scores)

    @property
    def key(self) -> str:
        return f"{self.case.id}@{self.provider}"


@dataclass
class SuiteResult:
    results: list[CaseResult]
    providers: dict[str, dict[str, Any]]
    record: bool
    seconds: float = 0.0
    changed_prompts: dict[str, list[str]] = field(default_factory=dict)

    def rerecord(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for r in self.results:
            if r.rerecord:
                out.setdefault(r.provider, []).append(r.case.id)
        return out


# ---------------------------------------------------------------- environment
def _reset_caches() -> None:
    from assistant.core import db
    if db.get_engine.cache_info().currsize:
        db.get_engine().dispose()
    db.get_engine.cache_clear()
    get_settings.cache_clear()


@contextmanager
def pinned_env(**values: str) -> Iterator[None]:
    """A clean room: every CADENCE_* variable replaced by ``values`` (restored afterwards).

    Settings are environment-driven (one cached Settings object), so the harness points
    them at a case's folder the same way a deployment would.
    """
    saved = {k: v for k, v in os.environ.items() if k.startswith("CADENCE_") or k == "OPENAI_API_KEY"}
    for k in saved:
        del os.environ[k]
    os.environ.update({f"CADENCE_{k.upper()}": v for k, v in values.items()})
    _reset_caches()
    try:
        yield
    finally:
        for k in list(os.environ):
            if k.startswith("CADENCE_"):
                del os.environ[k]
        os.environ.update(saved)
        _reset_caches()


@contextmanager
def memo_embeddings() -> Iterator[None]:
    """Identical embed() calls computed once per run (queries repeat across cases and legs).

    Keyed by the whole batch, so a text is never given a vector computed in another batch:
    a recording and its replay see bit-identical vectors and so identical retrieval.
    """
    from assistant.core.embeddings import get_embedder

    embedder = get_embedder()
    original = embedder.embed
    memo: dict[tuple[str, ...], list[list[float]]] = {}

    def embed(texts: list[str]) -> list[list[float]]:
        key = tuple(texts)
        if key not in memo:
            memo[key] = original(texts)
        return [list(v) for v in memo[key]]

    embedder.embed = embed  # type: ignore[method-assign]
    try:
        yield
    finally:
        del embedder.embed


def fixture_today(path: Path) -> date:
    """Friday of the fixture's last week with any data: the day its drafts are written."""
    from assistant.analysis import iso_week_monday
    from assistant.domain.orgfile import read_org_file

    org = read_org_file(path)
    days = [v.period for k in org.kpis for v in k.values] + [m.date for m in org.meetings]
    days += [iso_week_monday(c.week) for c in org.checkins]
    if not days:
        return FALLBACK_TODAY
    last = max(days)
    return last - timedelta(days=last.weekday()) + timedelta(days=4)


class Fixtures:
    """One imported, indexed home per fixture file, built on first use in ``work``."""

    def __init__(self, work: Path) -> None:
        self.work = work
        self.homes: dict[str, tuple[Path, date, dict[str, str]]] = {}
        self._base: Path | None = None

    def base(self) -> Path:
        """A migrated, empty home with the playbook indexed: copied for every fixture."""
        if self._base is None:
            from assistant.core.db import migrate
            from assistant.retrieval import reset_clients, sync_playbook

            home = self.work / "base"
            with pinned_env(home=str(home), today=FALLBACK_TODAY.isoformat()):
                migrate()
                sync_playbook()
                reset_clients()
            self._base = home
        return self._base

    def get(self, fixture: str) -> tuple[Path, date, dict[str, str]]:
        """(home, today, canaries: text -> owner email) for ``fixture``."""
        if fixture not in self.homes:
            from assistant.core.db import session_scope
            from assistant.domain.orgfile import import_org, read_org_file
            from assistant.retrieval import drain_all

            path = EVALS / fixture
            home = self.work / "fixtures" / re.sub(r"[^a-z0-9]+", "-", fixture.lower())
            shutil.copytree(self.base(), home)
            today = fixture_today(path)
            org = read_org_file(path)
            with pinned_env(home=str(home), today=today.isoformat()):
                with session_scope() as session:
                    import_org(session, org)
                drain_all()
            canaries = {m: c.person for c in org.checkins
                        for m in _CANARY.findall(f"{c.wins} {c.priorities} {c.blockers}")}
            self.homes[fixture] = (home, today, canaries)
        return self.homes[fixture]


# ---------------------------------------------------------------- one case
def _person(session: Session, email: str | None) -> Any:
    from assistant.domain.team import person_by_email

    return person_by_email(session, email) if email else None


def execute(case: Case, session: Session, provider: Any) -> dict[str, Any]:
    """Run the case's task through the same functions the API calls; return its output: a
    draft's three parts as stored (``output``, ``facts``, ``meta``), or the audit or the hits."""
    viewer, subject = _person(session, case.viewer), _person(session, case.subject)
    if case.task in LLM_TASKS:
        from assistant.drafting import DRAFTERS

        period = case.quarter if case.task == "goals" else case.week
        draft = DRAFTERS[case.task](session, viewer, subject, period, provider=provider)
        return {"output": dict(draft.output), "facts": dict(draft.facts), "meta": dict(draft.meta)}
    if case.task == "consistency":
        from assistant.evals.consistency import observe

        return observe(session, viewer, subject, case.week or "")
    if case.task == "kpi_audit":
        from assistant.kpi_audit.stored import audit_visible

        audits = audit_visible(session, viewer, owner_id=subject.id if subject else None)
        return {"audits": [a.model_dump(mode="json") for a in audits],
                "flags": [{"kpi": a.id, "code": f.code, "severity": f.severity, "reason": f.reason}
                          for a in audits for f in a.flags]}
    from assistant.domain.models import Person
    from assistant.retrieval import search_checkins

    hits = search_checkins(session, viewer, case.query or "", k=case.k,
                           person_ids={subject.id} if subject else None)
    people = {str(p.id): p.email for p in session.exec(select(Person))
              if p.id in {h.person_id for h in hits}}
    return {"hits": [h.model_dump(mode="json") for h in hits], "people": people}


def resolve_sources(session: Session, viewer_email: str, output: dict[str, Any]) -> dict[str, str]:
    """Each source the output cites: ok, missing (no such record) or hidden (not the viewer's)."""
    from assistant.domain.kpis import kpi_visible
    from assistant.domain.models import CheckIn, Kpi, KpiValue, Meeting
    from assistant.domain.sources import cited, parse_source
    from assistant.domain.team import can_see
    from assistant.retrieval import load_sections

    viewer = _person(session, viewer_email)
    found = set(cited(output)) | {h["source_id"] for h in output.get("hits") or []}
    playbook = {s.source_id for s in load_sections()}
    out: dict[str, str] = {}
    for src in sorted(found):
        ref = parse_source(src)
        status = "missing"
        if ref.kind == "playbook":
            status = "ok" if src in playbook else "missing"
        elif ref.kind == "checkin" and ref.record_id is not None:
            row = session.get(CheckIn, ref.record_id)
            status = "missing" if row is None else "ok" if can_see(session, viewer, row.person_id) else "hidden"
        elif ref.kind == "meeting" and ref.record_id is not None:
            row = session.get(Meeting, ref.record_id)
            status = ("missing" if row is None else "ok" if can_see(session, viewer, row.report_id) else "hidden")
        elif ref.kind == "kpi" and "@" in ref.ref:
            kpi = session.exec(select(Kpi).where(Kpi.key == ref.kpi_key)).first()
            value = None
            if kpi is not None and ref.period is not None:
                value = session.exec(select(KpiValue).where(KpiValue.kpi_id == kpi.id,
                                                            KpiValue.period == ref.period)).first()
            status = "missing" if value is None else "ok" if kpi_visible(session, viewer, kpi) else "hidden"
        out[src] = status
    return out


def forbidden_canaries(session: Session, viewer_email: str, canaries: dict[str, str]) -> list[str]:
    """The fixture's canaries written by people the viewer may not see."""
    from assistant.domain.team import visible_person_ids

    viewer = _person(session, viewer_email)
    visible = visible_person_ids(session, viewer)
    from assistant.domain.models import Person

    emails = {p.email: p.id for p in session.exec(select(Person))}
    return sorted(c for c, owner in canaries.items() if emails.get(owner) not in visible)


def run_case(case: Case, provider_name: str, provider: Any, fixtures: Fixtures, work: Path, *,
             cassette_dir: Path | None = None, record: bool = False) -> CaseResult:
    from assistant.core.db import get_engine

    home, today, canaries = fixtures.get(case.fixture)
    folder = work / "cases" / provider_name / case.id
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy2(home / "cadence.db", folder / "cadence.db")
    started = time.monotonic()
    output, error, message, rerecord = None, None, "", False
    # A recording waits as long as a small CPU model needs; the timeout is not in the request body.
    slow = {"llm_timeout": "900"} if record else {}
    with pinned_env(home=str(home), database_url=f"sqlite:///{folder / 'cadence.db'}",
                    today=(case.today or today).isoformat(), **slow):
        settings = get_settings()
        with Session(get_engine(), expire_on_commit=False) as session:
            try:
                if cassette_dir is not None:
                    with recording.cassette(cassette_dir, case.id, record=record):
                        output = execute(case, session, provider)
                else:
                    output = execute(case, session, provider)
            except Exception as exc:  # noqa: BLE001 - every failure becomes a scored, explained result
                output = None
                if cassette_dir is not None and recording.is_miss(exc):
                    rerecord = True
                    error = "cassette_miss"
                    message = (f"the request is not in cassette {provider_name}/{case.id}.yaml (a prompt or the "
                               f"pipeline changed); re-record: {recording.rerecord_hint(provider_name, [case.id])}")
                elif isinstance(exc, CadenceError):
                    errors = exc.detail.get("errors") if isinstance(exc.detail, dict) else None
                    error, message = exc.code, exc.message + (f" ({'; '.join(errors[:2])})" if errors else "")
                else:
                    error, message = type(exc).__name__, f"{type(exc).__name__}: {exc}"
            session.rollback()
            sources = resolve_sources(session, case.viewer, output) if output is not None else {}
            forbidden = forbidden_canaries(session, case.viewer, canaries)
        obs = Observation(case=case, provider=provider_name, output=output, error=error, error_message=message,
                          sources=sources, forbidden_canaries=forbidden, prompt_budget=settings.prompt_budget)
        scores = score_all(obs)
    shutil.rmtree(folder, ignore_errors=True)
    if case.uses_llm and output is not None:
        output = flat_content(**output)  # the report shows a draft as the CLI and the API do
    return CaseResult(case=case, provider=provider_name if case.uses_llm else NO_MODEL, scores=scores,
                      output=output, error=message or error, seconds=round(time.monotonic() - started, 3),
                      rerecord=rerecord)


# ---------------------------------------------------------------- the suite
def plan(cases: list[Case], providers: list[str], record: bool) -> list[tuple[Case, str]]:
    """(case, leg) pairs in run order: offline first, then HTTP legs, then the model-free cases."""
    out: list[tuple[Case, str]] = []
    for leg in providers:
        for case in cases:
            if not case.uses_llm:
                continue
            if leg == "offline" and not record:
                out.append((case, leg))
            elif leg in recording.HTTP_PROVIDERS and case.record:
                out.append((case, leg))
    if not record:
        out += [(c, NO_MODEL) for c in cases if not c.uses_llm]
    return out


def run_suite(cases: list[Case], *, providers: list[str], record: bool = False, settings: Settings | None = None,
              progress: Callable[[str], None] | None = None, work: Path | None = None) -> SuiteResult:
    """Run every (case, provider) pair; the network is blocked unless recording."""
    from assistant.llm.offline import OfflineProvider
    from assistant.retrieval import reset_clients

    settings = settings or get_settings()
    if record and "offline" in providers:
        raise ValueError("--record needs an HTTP provider (openai or local); the offline provider has no cassette")
    started = time.monotonic()
    tmp = Path(tempfile.mkdtemp(prefix="cadence-eval-")) if work is None else work
    info: dict[str, dict[str, Any]] = {}
    legs: dict[str, tuple[Any, Path | None]] = {}
    for leg in providers:
        if leg == "offline":
            p = OfflineProvider()
            legs[leg], info[leg] = (p, None), {"model": p.model, "mode": "offline"}
        else:
            folder = CASSETTES / leg
            p = recording.record_provider(leg, folder, settings) if record else _replay_or_none(leg, folder)
            legs[leg] = (p, folder)
            info[leg] = {"model": getattr(p, "model", None), "base_url": getattr(p, "base_url", None),
                         "mode": "record" if record else "replay"}
    remote = record and any(not recording.live_target(leg, settings)[0].startswith("http://127.")
                            for leg in providers)
    results: list[CaseResult] = []
    guard = nullcontext() if remote else recording.network_blocked(allow_loopback=record)
    try:
        with guard, pinned_env(home=str(tmp / "scratch")), memo_embeddings():
            fixtures = Fixtures(tmp)
            for case, leg in plan(cases, providers, record):
                provider, folder = legs.get(leg, (None, None))
                if leg != NO_MODEL and provider is None:
                    results.append(_unrecorded(case, leg))
                elif leg in recording.HTTP_PROVIDERS:
                    # A fresh provider per case: the auto mode fallback must not leak between cassettes.
                    fresh = (recording.record_provider(leg, folder, settings) if record
                             else recording.replay_provider(leg, folder))
                    results.append(run_case(case, leg, fresh, fixtures, tmp, cassette_dir=folder, record=record))
                else:
                    results.append(run_case(case, leg, provider, fixtures, tmp))
                if progress:
                    progress(results[-1].key)
    finally:
        reset_clients()
        if work is None:
            shutil.rmtree(tmp, ignore_errors=True)
    changed = {leg: recording.changed_prompts(CASSETTES / leg) for leg in providers if leg != "offline"}
    return SuiteResult(results=results, providers=info, record=record, seconds=round(time.monotonic() - started, 2),
                       changed_prompts={k: v for k, v in changed.items() if v})


def _replay_or_none(leg: str, folder: Path) -> Any:
    try:
        return recording.replay_provider(leg, folder)
    except CadenceError:
        return None


def _unrecorded(case: Case, leg: str) -> CaseResult:
    msg = f"nothing recorded for {leg}; record: {recording.rerecord_hint(leg, [case.id])}"
    score = Score("run", 0.0, False, f"the call failed: {msg}")
    return CaseResult(case=case, provider=leg, scores=[score], output=None, error=msg, rerecord=True)
