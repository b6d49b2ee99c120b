"""`make bench`: how Cadence's own work grows with the data. Writes benchmarks/results.json.

    python benchmarks/run.py [--sizes S,M,L] [--fresh] [--data-dir DIR] [--pg-only]

Everything runs on the embedded default (SQLite + embedded Chroma + offline provider). With
CADENCE_BENCH_PG_URL set (e.g. postgresql+psycopg://postgres@127.0.0.1:5432/postgres) the
draft latencies are measured again on PostgreSQL (sizes from --pg-sizes, default S,M), with
CADENCE_BENCH_CHROMA_URL as the Chroma server: a URL (the bench drops and rebuilds its
check-in collection there), or ``start`` to have this script run one per size on 127.0.0.1
(``chroma run`` from this venv, a throwaway folder). ``--pg-only`` runs just that part and
merges it into an existing results.json (``make bench-pg``).

What is timed, and what is not:
- Draft latency is everything but the LLM call: ``gather`` (permissions, KPI facts, KPI
  audit, text analysis, retrieval of history and playbook) + ``build_messages`` (budget and
  prompt render) + the grounding guard over the offline provider's answer. The offline
  provider's own templating is timed separately and left out of the headline figure, and
  the Draft row is not stored (a benchmark would otherwise grow the table it reads).
  The viewer is the founder (who sees everyone: the worst case for permissions and the
  KPI audit); subjects are distinct random people.
- Per size and kind, in one process: the *first call* (the process's first draft of the kind:
  imports, the embedder, Chroma, catalog vectors), then with every stored assessment deleted a
  *first read* of each subject (the assessment computed on first read and stored), the
  worker's refresh, then the *warm* pass, the headline figures. The embedder's request-time
  LRU is emptied before each pass, so a second draft on a subject is not faster only because
  the first embedded the same texts; ``embedded_at_request_time`` counts what a warm draft
  still embeds. Prompt tokens are the pipeline's own count (what a stored draft keeps as
  ``meta.usage.prompt_tokens_counted``), max per kind and size against CADENCE_PROMPT_BUDGET.
- Every timed phase records its wall seconds and /proc/loadavg at its start and end
  (``phases``). The largest size profiles its slowest kind's warm pass (cProfile, top
  functions by cumulative time), kept under ``sqlite.profile`` when a goal is missed.
- One check-in changed at the largest size: the stored assessments around one person (them,
  their manager, the manager's reports, the sampled subjects; as each sees it and as their
  manager does) are computed, the person's latest check-in is rewritten through the write
  path, then the drain and refresh run: the rows recomputed and the time taken.
- Check-in to current: during the 8-client ingest a watcher inside the server notes when each
  new check-in's index documents carry its version and its author's week in force, as their
  manager sees it, is current again (the in-process indexer drains every 5 s).
- Outbox vs raw embedder: the ingest's check-ins are rewritten with new text each round (no
  vector reused on either side), embedded raw, then drained; the index half of the drain is
  the ratio (documents/s over raw texts/s), the assessment refresh the same writes queued is
  timed apart. The drain also embeds each check-in's analysis units, so the texts it sent
  to the model are captured and embedded raw once more: ``ratio_on_the_drains_own_texts``.
- Databases are generated once into benchmarks/out/<size>/ (or --data-dir) and reused
  (``--fresh`` rebuilds). Sizes that need generating are generated side by side, one
  process each, before anything is timed (their load seconds are then measured concurrently).
- Indexes: S is fully indexed by ``reindex``; M by ``cadence reindex`` (the timed figure,
  cached with the M database because it takes minutes); at L only the sampled subjects'
  check-ins are indexed (SQL is full size): embedding 150,000 check-ins does not fit in
  the time budget on two cores. results.json says this next to the L figures.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from generator import LAST_WEEK, OUT, SIZES, TODAY, VERSION, generate  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results.json"
PY = sys.executable
ENV_BASE = {**os.environ, "CADENCE_TODAY": TODAY.isoformat(), "CADENCE_LLM": "offline", "PYTHONHASHSEED": "0"}
SAMPLES = {"S": 19, "M": 30, "L": 8}  # distinct subjects drafted per size (L: the indexed ones)
KINDS = ("brief", "feedback", "goals")
GOAL_P95_MS, GOAL_GROWTH = 50.0, 1.3  # issue 21: p95 within 50 ms at L, growth from S to L under 1.3x


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    k = (len(s) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def loadavg() -> list[float]:
    """/proc/loadavg's 1, 5 and 15 minute figures (the machine's, not only this run's)."""
    try:
        return [float(x) for x in Path("/proc/loadavg").read_text().split()[:3]]
    except OSError:
        return [round(x, 2) for x in os.getloadavg()]


PHASES: list[dict[str, Any]] = []  # every timed phase of this run: name, seconds, load at start and end


def phase(name: str, fn, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN201
    """Run one timed phase; its wall seconds and the load average at its start and end go to
    results.json's ``phases`` (and into its own dict when it returns one)."""
    start, t = loadavg(), time.perf_counter()
    out = None
    try:
        out = fn(*args, **kwargs)
        return out
    finally:
        row = {"phase": name, "seconds": round(time.perf_counter() - t, 1), "loadavg_start": start,
               "loadavg_end": loadavg()}
        PHASES.append(row)
        if isinstance(out, dict):
            out.setdefault("phase", row)
        log(f"{name}: {row['seconds']} s, load {start} -> {row['loadavg_end']}")


def summary(ms: list[float]) -> dict[str, Any]:
    return {"n": len(ms), "p50_ms": round(pct(ms, 50), 1), "p95_ms": round(pct(ms, 95), 1),
            "max_ms": round(max(ms), 1) if ms else None}


DATA = OUT  # --data-dir: a cold run beside a cached benchmarks/out/ someone else is using


def home_of(size: str) -> Path:
    return DATA / size


def env_for(home: Path, **extra: str) -> dict[str, str]:
    return {**ENV_BASE, "CADENCE_HOME": str(home), **extra}


def worker(args: list[str], env: dict[str, str], timeout: float = 900) -> dict[str, Any]:
    """Run a stage of this script in a fresh process (its own settings, caches and memory)."""
    p = subprocess.run([PY, __file__, "--worker", *args], env=env, capture_output=True, text=True, timeout=timeout)
    if p.returncode != 0:
        raise RuntimeError(f"worker {args} failed:\n{p.stderr[-3000:]}")
    return json.loads(p.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------- data and indexes
def ensure_data(sizes: list[str], fresh: bool) -> dict[str, dict[str, Any]]:
    """Each size's database, generated if missing. Generation is single-threaded Python
    (L: ~1.3 million rows), so the missing sizes are generated side by side, one process
    each, before any timed stage: nothing timed shares the machine with them."""
    out: dict[str, dict[str, Any]] = {}
    running: dict[str, subprocess.Popen] = {}
    for size in sizes:
        home = home_of(size)
        meta_path = home / "meta.json"
        if not fresh and meta_path.is_file():
            meta = json.loads(meta_path.read_text())
            if meta.get("version") == VERSION and (home / "cadence.db").is_file():
                out[size] = {**meta, "cached": True}
                continue
        shutil.rmtree(home, ignore_errors=True)
        home.mkdir(parents=True)
        (home / "index.json").unlink(missing_ok=True)
        running[size] = subprocess.Popen([PY, str(Path(__file__).parent / "generator.py"), size,
                                          f"sqlite:///{home / 'cadence.db'}"], env=ENV_BASE,
                                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if running:
        log(f"generating {', '.join(running)} (side by side)")
    for size, proc in running.items():
        stdout, stderr = proc.communicate()
        if proc.returncode != 0:
            raise RuntimeError(f"generating {size} failed:\n{stderr[-2000:]}")
        meta = {**json.loads(stdout), "generated_alongside": [s for s in running if s != size]}
        (home_of(size) / "meta.json").write_text(json.dumps(meta, indent=1))
        out[size] = {**meta, "cached": False}
    return out


def subjects_for(size: str) -> list[int]:
    """Distinct random non-founder subjects (person ids 2..n), fixed per size."""
    n = SIZES[size].people
    return random.Random(f"subjects-{size}").sample(range(2, n + 1), min(SAMPLES[size], n - 1))


def ensure_index(size: str) -> dict[str, Any]:
    """S: full reindex; M: `cadence reindex`, timed (cached); L: the sampled subjects only."""
    home = home_of(size)
    marker = home / "index.json"
    if marker.is_file():
        return {**json.loads(marker.read_text()), "cached": True}
    env = env_for(home)
    if size == "M":
        log("M: `cadence reindex` of every check-in (minutes; cached afterwards)")
        load_before = [round(x, 2) for x in os.getloadavg()]
        cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        p = subprocess.run([PY, "-m", "assistant", "reindex"], env=env, capture_output=True, text=True)
        seconds = time.perf_counter() - started
        cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if p.returncode != 0:
            raise RuntimeError(p.stderr[-2000:])
        stats = json.loads(p.stdout.strip().splitlines()[-1])
        info = {"scope": "every check-in", "command": "cadence reindex", "seconds": round(seconds, 1),
                # CPU seconds barely move with the machine's load; wall seconds do
                "cpu_seconds": round(cpu_after.ru_utime + cpu_after.ru_stime
                                     - cpu_before.ru_utime - cpu_before.ru_stime, 1),
                "documents": stats["documents"], "checkins": stats["checkins"],
                "distinct_texts_embedded": stats.get("texts_embedded"),
                # texts_embedded counts every unit embedded (documents and the analysis' units alike)
                "vectors_reused": stats.get("vectors_reused"),
                "documents_per_second": round(stats["documents"] / seconds, 1),
                "stored_assessments_rebuilt": stats.get("assessments"),  # `cadence reindex` rebuilds them too
                "output": p.stdout.strip()[-400:], "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "loadavg_before": load_before, "loadavg_after": [round(x, 2) for x in os.getloadavg()]}
    elif size == "S":
        info = {"scope": "every check-in", **worker(["reindex"], env)}
    else:
        log(f"{size}: indexing the {SAMPLES[size]} sampled subjects' check-ins")
        info = {"scope": f"the {SAMPLES[size]} sampled subjects' check-ins only (SQL holds every check-in)",
                **worker(["index-subjects", ",".join(map(str, subjects_for(size)))], env)}
    marker.write_text(json.dumps(info, indent=1))
    return {**info, "cached": False}


# ---------------------------------------------------------------- workers (run in subprocesses)
def _session():
    from sqlmodel import Session

    from assistant.core.db import get_engine

    return Session(get_engine(), expire_on_commit=False)


def w_reindex() -> dict[str, Any]:
    from assistant.retrieval import reindex

    out = reindex(progress=False)
    return {"seconds": out["seconds"], "documents": out["documents"], "checkins": out["checkins"],
            "documents_per_second": out["documents_per_second"]}


def w_index_subjects(ids: str) -> dict[str, Any]:
    from sqlmodel import col, select

    from assistant.domain.models import CheckIn
    from assistant.retrieval import store, sync_playbook
    from assistant.retrieval.index import index_checkins

    if os.environ.get("CADENCE_CHROMA_URL"):  # a server shared by the sizes: start from empty
        store.drop_collection(store.CHECKINS)
    sync_playbook()
    started = time.perf_counter()
    docs = 0
    with _session() as s:
        for pid in map(int, ids.split(",")):
            rows = s.exec(select(CheckIn).where(CheckIn.person_id == pid).order_by(col(CheckIn.id))).all()
            docs += index_checkins(rows, delete_first=[])
    seconds = time.perf_counter() - started
    return {"seconds": round(seconds, 1), "documents": docs, "documents_per_second": round(docs / seconds, 1)}


def _job(kind: str, session, viewer, subject, week: str | None = None):  # noqa: ANN001, ANN202
    import inspect

    from assistant.domain.calendar import current_week
    from assistant.domain.checkins import latest_checkin_week
    from assistant.drafting import DRAFTERS

    # The stages are timed apart, so the job is gathered with the drafter's own module.
    mod = inspect.getmodule(DRAFTERS[kind])
    if kind == "goals":
        from assistant.kpi_audit.stored import current_quarter

        period = current_quarter(session)
    elif kind == "brief":
        period = week or current_week()
    else:
        period = week or latest_checkin_week(session, subject)
    return mod.gather(session, viewer, subject, period)


def _parse_lenient(job, text: str):  # noqa: ANN001, ANN202
    """The offline answer as the schema object; lists cut to the schema's limits when the
    template wrote more (see the report: the offline brief can exceed 10 items a section)."""
    from assistant.llm.base import parse_reply

    try:
        return parse_reply(text, job.schema), True
    except Exception:  # noqa: BLE001
        data = json.loads(text)
        for sec in data.get("sections") or []:
            if isinstance(sec, dict) and isinstance(sec.get("items"), list):
                sec["items"] = sec["items"][:10]
        for key in ("sections", "questions", "goals", "retire", "notes"):
            if isinstance(data.get(key), list):
                data[key] = data[key][:4 if key in ("goals", "retire") else 6]
        try:
            return job.schema.model_validate(data), False
        except Exception:  # noqa: BLE001
            return None, False


def time_draft(kind: str, session, viewer, subject, week: str | None = None) -> dict[str, Any]:  # noqa: ANN001
    from assistant.core.token_count import count_tokens
    from assistant.drafting.pipeline import _problems, build_messages, composer
    from assistant.llm import get_provider
    from assistant.settings import get_settings

    settings = get_settings()
    provider = get_provider(settings)
    t0 = time.perf_counter()
    job = _job(kind, session, viewer, subject, week)
    t1 = time.perf_counter()
    built = build_messages(job, settings.prompt_budget)  # what run() stores as prompt_tokens_counted
    t2 = time.perf_counter()
    messages, tokens, trims = built[0], built[1], built[2]
    seen = sum(count_tokens(m["content"] if isinstance(m, dict) else m.content) for m in messages)
    hint = {"compose": composer(job)} if provider.composes else {}  # the offline provider writes with it
    reply = provider._generate(messages, job.schema, max_tokens=settings.llm_max_tokens, timeout=settings.llm_timeout,
                               **hint)
    t3 = time.perf_counter()
    parsed, valid = _parse_lenient(job, reply.text)
    t4 = time.perf_counter()
    if parsed is not None:
        _problems(job, parsed)
    t5 = time.perf_counter()
    session.rollback()
    ms = lambda a, b: (b - a) * 1000  # noqa: E731
    return {"gather_ms": ms(t0, t1), "prompt_ms": ms(t1, t2), "offline_provider_ms": ms(t2, t3),
            "guard_ms": ms(t4, t5), "total_ms": ms(t0, t2) + ms(t4, t5), "prompt_tokens": tokens, "tokens_seen": seen,
            "trims": trims, "offline_valid": valid}


def _stored_module():  # noqa: ANN202
    """assistant.assessment.stored when this build has stored assessments, else None."""
    import importlib.util

    if importlib.util.find_spec("assistant.assessment.stored") is None:
        return None
    import assistant.assessment.stored as stored

    return stored


def _clear_stored() -> int:
    """Delete every stored assessment (a derived cache): each size's figures start as a cold
    run's do, whatever an earlier run left in the cached database."""
    stored = _stored_module()
    if stored is None:
        return 0
    from sqlalchemy import delete

    from assistant.core.db import begin_write
    from assistant.domain.models import StoredAssessment

    with _session() as s:
        begin_write(s)
        n = s.exec(delete(StoredAssessment)).rowcount
        s.commit()
    return n or 0


def _forget_request_vectors() -> None:
    """Empty the embedder's LRU of request-time texts, so a second draft on a subject is not
    faster only because the first one embedded the same texts in this process."""
    from assistant.core.embeddings import get_embedder

    embedder = get_embedder()
    cache, lock = getattr(embedder, "_cache", None), getattr(embedder, "_lock", None)
    if cache is not None and lock is not None:
        with lock:
            cache.clear()


EMBEDDED: dict[str, Any] = {"texts": 0, "calls": 0, "capture": None}  # what this process sent to the embedder
# model (after its LRU); "capture": a list that collects those texts while set


def _count_embedding() -> None:
    """Count what the embedder model runs on (after its LRU): a draft that embeds at request time shows here."""
    from assistant.core.embeddings import get_embedder

    embedder = get_embedder()
    run = getattr(embedder, "embed_array", None)
    if run is None or getattr(run, "counted", False):
        return

    def counted(texts, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        EMBEDDED["texts"] += len(texts)
        EMBEDDED["calls"] += 1
        if EMBEDDED["capture"] is not None:
            EMBEDDED["capture"].extend(texts)
        return run(texts, *args, **kwargs)

    counted.counted = True  # type: ignore[attr-defined]
    embedder.embed_array = counted  # type: ignore[method-assign]


def _stored_state(subjects: list[int], viewer_id: int) -> dict[str, Any]:
    """The stored assessments of these subjects as ``viewer_id`` sees them, and how many are current."""
    stored = _stored_module()
    if stored is None:
        return {"available": False}
    from sqlmodel import col, select

    from assistant.domain.models import StoredAssessment

    with _session() as s:
        keys = s.exec(select(StoredAssessment.person_id, StoredAssessment.week).where(
            col(StoredAssessment.person_id).in_(subjects), StoredAssessment.viewer_id == viewer_id)).all()
        current = sum(1 for pid, week in keys if stored.is_current(s, pid, week, viewer_id))
        s.rollback()
    return {"available": True, "rows": len(keys), "current": current,
            "subjects_with_a_row": len({pid for pid, _ in keys})}


def _pass(kind: str, subjects: list[int], founder) -> tuple[list[dict[str, Any]], list[str]]:  # noqa: ANN001
    from assistant.domain.models import Person

    rows, errors = [], []
    for pid in subjects:
        with _session() as s:
            before = dict(EMBEDDED)
            try:
                rows.append(time_draft(kind, s, founder, s.get(Person, pid)))
            except Exception as exc:  # noqa: BLE001
                errors.append(f"{pid}: {type(exc).__name__}: {exc}"[:200])
                continue
            rows[-1]["texts_embedded"] = EMBEDDED["texts"] - before["texts"]
            rows[-1]["embedder_calls"] = EMBEDDED["calls"] - before["calls"]
    return rows, errors


def _profile(kind: str, subjects: list[int], founder, top: int = 15) -> dict[str, Any]:  # noqa: ANN001
    """cProfile over one warm draft of ``kind`` per subject: the functions with the most
    cumulative time (this script's own frames left out), and the most time of their own."""
    import cProfile
    import pstats

    _forget_request_vectors()
    prof = cProfile.Profile()
    prof.enable()
    rows, errors = _pass(kind, subjects, founder)
    prof.disable()
    stats = pstats.Stats(prof).stats  # {(file, line, func): (primitive calls, calls, tottime, cumtime, callers)}
    here = str(Path(__file__).resolve())

    def name(key: tuple[str, int, str]) -> str:
        file, line, func = key
        for base in (str(ROOT) + "/", *(p + "/" for p in sys.path if "site-packages" in p)):
            if file.startswith(base):
                file = file[len(base):]
                break
        return f"{file}:{line}({func})" if line else func

    entries = [(k, v) for k, v in stats.items() if k[0] != here and "cProfile" not in k[2]]
    n = max(len(rows), 1)

    def row(k, v) -> dict[str, Any]:  # noqa: ANN001
        return {"function": name(k), "calls": v[1], "cumulative_ms_per_draft": round(v[3] * 1000 / n, 1),
                "own_ms_per_draft": round(v[2] * 1000 / n, 1)}

    by_cum = sorted(entries, key=lambda kv: kv[1][3], reverse=True)[:top]
    by_own = sorted(entries, key=lambda kv: kv[1][2], reverse=True)[:10]
    return {"kind": kind, "drafts": len(rows), "errors": errors[:3],
            "what": "cProfile over one warm draft per sampled subject (stored assessments current); "
                    "times per draft, inflated by the profiler's own overhead",
            "total_ms_per_draft_profiled": round(sum(r["total_ms"] for r in rows) / n, 1),
            "top_cumulative": [row(k, v) for k, v in by_cum], "top_own_time": [row(k, v) for k, v in by_own]}


def w_latency(size: str, ids: str, profile: str = "") -> dict[str, Any]:
    """Per kind: a first call (this process's first draft of the kind: imports, the embedder,
    Chroma, catalog vectors), then a first read of every subject (nothing stored: the
    assessment is computed on first read and stored), the worker's refresh, then the warm
    pass (the headline figures). ``profile``: profile the slowest kind's warm pass afterwards."""
    from assistant.domain.models import Person

    out: dict[str, Any] = {"stored_assessments": _stored_module() is not None,
                           "stored_rows_cleared_at_start": _clear_stored(), "loadavg_start": loadavg()}
    subjects = [int(x) for x in ids.split(",")]
    stored = _stored_module()
    with _session() as s:
        founder = s.get(Person, 1)
        s.expunge(founder)
    started = time.perf_counter()
    profiles: dict[str, Any] = {}
    for n, kind in enumerate(KINDS):
        with _session() as s:
            warm_subject = s.get(Person, 2)
            t = time.perf_counter()
            try:
                time_draft(kind, s, founder, warm_subject)
            except Exception as exc:  # noqa: BLE001
                out[kind] = {"available": False, "why": f"{type(exc).__name__}: {exc}"[:300]}
                continue
            first = (time.perf_counter() - t) * 1000
        if n == 0:
            out["process_first_call_ms"] = round(first, 1)
        _clear_stored()
        _forget_request_vectors()
        _count_embedding()
        cold_rows, cold_errors = _pass(kind, subjects, founder)  # first read: computed and stored
        refreshed = None
        if stored is not None:
            refreshed = stored.refresh_all() if hasattr(stored, "refresh_all") else stored.refresh()
        state = _stored_state(subjects, founder.id)
        _forget_request_vectors()
        rows, errors = _pass(kind, subjects, founder)
        stage = {k: summary([r[k] for r in rows])
                 for k in ("gather_ms", "prompt_ms", "guard_ms", "offline_provider_ms")}
        out[kind] = {"available": True, **summary([r["total_ms"] for r in rows]), "first_call_ms": round(first, 1),
                     "first_read": {**summary([r["total_ms"] for r in cold_rows]),
                                    "what": "each subject's first draft with nothing stored (the assessment "
                                            "computed on first read and stored)", "error_count": len(cold_errors)},
                     "worker_refresh_before_warm_pass": refreshed, "stored_before_warm_pass": state,
                     "stages": stage,
                     "embedded_at_request_time": {
                         "texts_per_draft_max": max((r["texts_embedded"] for r in rows), default=None),
                         "texts_per_draft_p50": pct([r["texts_embedded"] for r in rows], 50),
                         "embedder_calls_per_draft_max": max((r["embedder_calls"] for r in rows), default=None),
                         "what": "texts the embedder model ran on during a warm draft (its LRU emptied first)"},
                     "offline_output_over_schema_limits": sum(1 for r in rows if not r["offline_valid"]),
                     "prompt_tokens": tokens_summary(rows + cold_rows),
                     "errors": errors[:5], "error_count": len(errors)}
        # While this kind's assessments are stored: the largest size profiles every kind (the
        # slowest is kept), the others each kind over the goal, on a few subjects.
        if rows and (profile or out[kind]["p95_ms"] > GOAL_P95_MS):
            profiles[kind] = _profile(kind, subjects if profile else subjects[:6], founder, top=15 if profile else 10)
    out["seconds"] = round(time.perf_counter() - started, 1)
    timed = [k for k in KINDS if k in profiles]
    if profile and timed:
        slowest = max(timed, key=lambda k: out[k]["p95_ms"])
        out["profile"] = profiles.pop(slowest)
    out["profiles_over_goal"] = {k: v for k, v in profiles.items() if out[k]["p95_ms"] > GOAL_P95_MS}
    out["loadavg_end"] = loadavg()
    return out


def tokens_summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    from assistant.settings import get_settings

    budget = get_settings().prompt_budget
    counted = [r["prompt_tokens"] for r in rows]
    seen = [r["tokens_seen"] for r in rows]
    return {"budget": budget, "drafts": len(rows), "p50": pct(counted, 50), "max": max(counted, default=None),
            "over_budget": sum(1 for t in counted if t > budget),
            "max_system_plus_user": max(seen, default=None),
            "over_budget_system_plus_user": sum(1 for t in seen if t > budget),
            "what": "max is the pipeline's own count (Draft.meta usage prompt_tokens_counted); "
                    "system_plus_user counts both messages' text with the same tokenizer"}


def w_tokens(pid: str) -> dict[str, Any]:
    """Prompt tokens of a brief on one subject as their history grows (the week drafted moves later)."""
    from assistant.analysis import weeks_back
    from assistant.domain.models import Person
    from assistant.settings import get_settings

    weeks = weeks_back(LAST_WEEK, 156)
    out = []
    with _session() as s:
        founder = s.get(Person, 1)
        subject = s.get(Person, int(pid))
        for h in (4, 8, 13, 26, 52, 104, 156):
            r = time_draft("brief", s, founder, subject, week=weeks[h - 1])
            out.append({"history_weeks": h, "prompt_tokens": r["prompt_tokens"], "trims": r["trims"]})
    return {"budget": get_settings().prompt_budget, "points": out}


def w_outbox(n: str) -> dict[str, Any]:
    """Outbox drain throughput against the raw embedder on the same texts, in this process.

    Each round first rewrites the n newest check-ins (the ingest's) through the check-in write
    path with text no earlier round had, so neither side reuses a vector it has seen (the
    index may keep vectors by content); then it embeds those texts with the raw embedder,
    drains the check-in outbox rows (the index) and, apart, the assessment rows the writes
    queued (the worker's refresh)."""
    from sqlalchemy import func
    from sqlmodel import col, select

    from assistant.core.db import get_engine
    from assistant.core.embeddings import get_embedder
    from assistant.domain.checkins import upsert_checkin
    from assistant.domain.models import CheckIn, Outbox, Person
    from assistant.domain.schemas import CheckInWrite
    from assistant.retrieval import drain_all, drain_outbox, sync_playbook
    from assistant.retrieval import worker as drainer
    from assistant.retrieval.index import FIELDS, field_text

    # The index half of a drain (drain_outbox also refreshes the assessments its rows made stale)
    index_only = getattr(drainer, "_drain", None) or (lambda engine, limit: drain_outbox(engine, limit))
    engine = get_engine()
    stored = _stored_module()
    sync_playbook()
    drain_all()  # whatever the server left
    if stored is not None:
        stored.refresh_all()
    with _session() as s:  # the newest n check-ins: the ones the ingest filed
        ids = list(s.exec(select(CheckIn.id).order_by(col(CheckIn.id).desc()).limit(int(n))).all())
        s.rollback()
    embedder = get_embedder()
    embedder.embed([f"warm-up text {i}" for i in range(80)])
    _count_embedding()

    def queued(entity: str) -> int:
        with _session() as s:
            return s.exec(select(func.count()).select_from(Outbox).where(Outbox.entity == entity)).one()

    # best of two interleaved rounds each, so a burst of load from elsewhere skews neither side
    raw = indexed = 0.0
    rounds: list[dict[str, Any]] = []
    for r in range(2):
        with _session() as s:
            rows = s.exec(select(CheckIn).where(col(CheckIn.id).in_(ids))).all()
            for row in rows:
                tag = f" (round {r + 1}, #{row.id})"
                body = CheckInWrite.model_validate({"wins": row.wins.split(" (round ")[0] + tag,
                                                    "priorities": row.priorities.split(" (round ")[0] + tag,
                                                    "blockers": row.blockers.split(" (round ")[0] + tag,
                                                    "metrics": row.metrics or {}})
                upsert_checkin(s, person=s.get(Person, row.person_id), week=row.week, body=body)
            s.commit()
            rows = s.exec(select(CheckIn).where(col(CheckIn.id).in_(ids))).all()
            texts = [t for row in rows for f in FIELDS if (t := field_text(row, f))]
            s.rollback()
        pending = queued("checkin")
        started = time.perf_counter()
        embedder.embed(texts)
        raw_tps = len(texts) / (time.perf_counter() - started)
        EMBEDDED["capture"] = captured = []
        started = time.perf_counter()
        drained = 0
        while applied := index_only(engine, 500):
            drained += applied
        index_s = time.perf_counter() - started
        EMBEDDED["capture"] = None
        embedded = len(captured)
        started = time.perf_counter()  # the raw embedder on exactly what the drain embedded
        embedder.embed_array(captured) if captured else None
        raw_same_s = time.perf_counter() - started
        left = queued("assessment")
        refresh = None
        if stored is not None:
            started = time.perf_counter()
            refresh = {**stored.refresh_all(), "wall_seconds": round(time.perf_counter() - started, 2)}
        drain_all()
        raw, indexed = max(raw, raw_tps), max(indexed, len(texts) / index_s)
        rounds.append({"checkin_outbox_rows": pending, "drained": drained, "texts": len(texts),
                       "distinct_texts": len(set(texts)), "raw_texts_per_second": round(raw_tps, 1),
                       "index_drain_seconds": round(index_s, 2),
                       "index_texts_per_second": round(len(texts) / index_s, 1),
                       # the drain embeds each check-in's analysis units with its documents
                       "texts_the_drain_embedded": embedded,
                       "drain_embedded_texts_per_second": round(embedded / index_s, 1),
                       "raw_seconds_on_the_drains_texts": round(raw_same_s, 2),
                       "drain_vs_raw_on_the_same_texts": round(raw_same_s / index_s, 3),
                       "assessment_outbox_rows_after_index_drain": left, "assessment_refresh": refresh,
                       "drain_and_refresh_texts_per_second": round(
                           len(texts) / (index_s + (refresh or {}).get("wall_seconds", 0.0)), 1)})
    return {"texts": rounds[-1]["texts"], "rounds": rounds,
            "raw_texts_per_second": round(raw, 1), "outbox_texts_per_second": round(indexed, 1),
            "ratio": round(indexed / raw, 3),
            "ratio_on_the_drains_own_texts": max(r["drain_vs_raw_on_the_same_texts"] for r in rounds),
            "texts_the_drain_embedded": rounds[-1]["texts_the_drain_embedded"],
            "ratio_with_assessment_refresh": round(
                max(r["drain_and_refresh_texts_per_second"] for r in rounds) / raw, 3),
            "what": "best of two rounds each; texts = the documents (one per non-empty field); outbox = the "
                    "check-in outbox drain's index half "
                    "(retrieval.worker._drain); the assessment refresh the same writes queued (the drain's "
                    "other half) is timed apart"}


def w_recompute(ids: str) -> dict[str, Any]:
    """One person's check-in changes (at L): which stored assessments the worker recomputes, and
    how long that takes, with the neighbourhood of that person stored and current beforehand."""
    stored = _stored_module()
    if stored is None:
        return {"available": False, "why": "assistant.assessment.stored is not in this build"}
    from sqlalchemy import func
    from sqlmodel import col, select

    from assistant.core.db import get_engine
    from assistant.domain.calendar import current_week
    from assistant.domain.checkins import upsert_checkin
    from assistant.domain.models import CheckIn, Person, StoredAssessment
    from assistant.domain.schemas import CheckInWrite
    from assistant.retrieval import drain_all, sync_playbook

    engine = get_engine()
    sampled = [int(x) for x in ids.split(",")]
    subject_id, week = sampled[0], current_week()
    with _session() as s:
        subject = s.get(Person, subject_id)
        manager_id = subject.manager_id
        team = list(s.exec(select(Person.id).where(Person.manager_id == manager_id)).all()) if manager_id else []
        wanted = {subject_id, *team, *sampled, 1} | ({manager_id} if manager_id else set())
        people = dict(s.exec(select(Person.id, Person.manager_id).where(col(Person.id).in_(wanted))).all())
        s.rollback()
    # Stored beforehand: the week in force of the subject, their manager and the manager's other
    # reports, as each sees it and as their manager does (what the worker seeds), plus what the
    # latency phase stored (the founder's view of the sampled subjects).
    around = {subject_id, *team} | ({manager_id} if manager_id else set())
    keys = sorted({(p, week, v) for p, m in people.items() if p in around for v in (p, m) if v is not None})
    sync_playbook()
    drain_all()
    setup = stored.compute(engine, keys)
    settle = stored.refresh_all()

    def snapshot() -> dict[tuple[int, str, int], tuple[Any, float]]:
        with _session() as s:
            rows = s.exec(select(StoredAssessment.person_id, StoredAssessment.week, StoredAssessment.viewer_id,
                                 StoredAssessment.computed_at, StoredAssessment.compute_ms)).all()
            s.rollback()
        return {(p, w, v): (at, ms) for p, w, v, at, ms in rows}

    t = time.perf_counter()
    idle = stored.refresh_all()  # nothing changed: the cost of looking
    idle_s = time.perf_counter() - t
    before = snapshot()
    with _session() as s:
        row = s.exec(select(CheckIn).where(CheckIn.person_id == subject_id)
                     .order_by(col(CheckIn.week).desc())).first()
        body = CheckInWrite.model_validate({"wins": (row.wins + " Also closed the carrier claim.").strip(),
                                            "priorities": row.priorities, "blockers": row.blockers,
                                            "metrics": row.metrics or {}})
        upsert_checkin(s, person=s.get(Person, subject_id), week=row.week, body=body)
        s.commit()
        changed_week = row.week
    t = time.perf_counter()
    drained = drain_all()  # the index drain (and the assessment refresh, where the worker does both)
    drain_s = time.perf_counter() - t
    t = time.perf_counter()
    refreshed = stored.refresh_all()
    refresh_s = time.perf_counter() - t
    after = snapshot()
    redone = sorted(k for k in after if k not in before or after[k][0] != before[k][0])

    def who(k: tuple[int, str, int]) -> str:
        p, _, v = k
        person = "the subject" if p == subject_id else "their manager" if p == manager_id else f"person {p}"
        viewer = ("themselves" if v == p else "their manager" if v == people.get(p) else
                  "the founder" if v == 1 else f"person {v}")
        return f"{person}, seen by {viewer}"

    with _session() as s:
        total = s.exec(select(func.count()).select_from(StoredAssessment)).one()
        current = sum(1 for p, w, v in after if stored.is_current(s, p, w, v))
        s.rollback()
    return {"available": True, "subject": subject_id, "manager": manager_id, "changed_week": changed_week,
            "week_in_force": week, "stored_rows_before": len(before), "stored_rows_after": total,
            "setup": {"computed": setup, "settle_refresh": settle},
            "refresh_when_nothing_changed": {**idle, "wall_seconds": round(idle_s, 3)},
            "index_drain": {"outbox_rows": drained, "wall_seconds": round(drain_s, 3)},
            "refresh_after_change": {**refreshed, "wall_seconds": round(refresh_s, 3)},
            "rows_recomputed": len(redone), "recomputed": [who(k) + f" ({k[1]})" for k in redone][:20],
            "rows_dropped": [who(k) + f" ({k[1]})" for k in sorted(set(before) - set(after))][:20],
            "recompute_ms": {"sum": round(sum(after[k][1] for k in redone), 1),
                             "max": round(max((after[k][1] for k in redone), default=0.0), 1)},
            "seconds_change_to_current": round(drain_s + refresh_s, 3),
            "current_after": f"{current} of {len(after)}"}


def w_tokens_for(emails: str) -> dict[str, Any]:
    from sqlmodel import select

    from assistant.core.db import session_scope
    from assistant.domain.auth import create_token
    from assistant.domain.models import Person

    out = {}
    with session_scope() as s:
        for email in emails.split(","):
            person = s.exec(select(Person).where(Person.email == email)).one()
            out[email] = create_token(s, person, "bench")
    return out


# ---------------------------------------------------------------- HTTP ingest, memory, cold start
def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return float("nan")


POLL_S = 0.2  # how often the server-side watcher looks whether new check-ins are current


def _watch_currency(path: Path) -> None:
    """Inside the server process: for every check-in created after start-up, when its index
    documents carry its version and (stored assessments) the week in force of its author, as
    the author's manager sees it, is current. One JSON line per check-in, times from time.time()."""
    from sqlalchemy import func
    from sqlmodel import Session, select

    from assistant.core.db import get_engine
    from assistant.domain.calendar import current_week
    from assistant.domain.models import CheckIn, Person
    from assistant.retrieval import store
    from assistant.retrieval.index import _indexed, checkin_version

    stored = _stored_module()
    engine = get_engine()
    week = current_week()
    with Session(engine) as s:
        last = s.exec(select(func.max(CheckIn.id))).one() or 0
    pending: dict[int, dict[str, Any]] = {}
    viewer: dict[int, int] = {}
    with path.open("a") as out:
        out.write(json.dumps({"start": time.time(), "stored_assessments": stored is not None,
                              "indexer_interval_s": _indexer_interval()}) + "\n")
        while True:
            try:
                with Session(engine) as s:  # one read snapshot: the check-ins seen and the tokens compared
                    for c in s.exec(select(CheckIn).where(CheckIn.id > last)).all():
                        pending[c.id] = {"id": c.id, "person": c.person_id, "version": checkin_version(c),
                                         "seen": time.time()}
                        last = max(last, c.id)
                        if c.person_id not in viewer:
                            person = s.get(Person, c.person_id)
                            viewer[c.person_id] = person.manager_id or person.id
                    waiting = [cid for cid, p in pending.items() if "indexed" not in p]
                    if waiting:
                        try:
                            got = _indexed(store.collection(store.CHECKINS), waiting, "version")
                        except Exception:  # noqa: BLE001 - the index may be mid-check; look again
                            got = {}
                        now = time.time()
                        for cid in waiting:
                            if got.get(cid, "") >= pending[cid]["version"]:
                                pending[cid]["indexed"] = now
                    if stored is not None:
                        for pid in {p["person"] for p in pending.values() if "assessed" not in p}:
                            if stored.is_current(s, pid, week, viewer[pid]):
                                now = time.time()
                                for p in pending.values():
                                    if p["person"] == pid:
                                        p.setdefault("assessed", now)
                    s.rollback()
                for cid in [c for c, p in pending.items() if "indexed" in p and (stored is None or "assessed" in p)]:
                    out.write(json.dumps(pending.pop(cid)) + "\n")
                out.flush()
            except Exception as exc:  # noqa: BLE001 - a watcher must not stop on a busy database
                out.write(json.dumps({"error": f"{type(exc).__name__}: {exc}"[:300]}) + "\n")
                out.flush()
            time.sleep(POLL_S)


def w_serve(port: str, watch: str) -> None:
    """The server, as `uvicorn assistant.app:create_app --factory` runs it, with the watcher beside it."""
    import uvicorn

    import assistant.app  # noqa: F401 - imported here first: two threads importing it at once race
    import assistant.retrieval.index  # noqa: F401

    _stored_module()
    threading.Thread(target=_watch_currency, args=(Path(watch),), name="bench-watch", daemon=True).start()
    uvicorn.run("assistant.app:create_app", factory=True, host="127.0.0.1", port=int(port), log_level="warning")


def _currency(posted: list[dict[str, Any]], watch: Path, timeout: float = 180.0) -> dict[str, Any]:
    """Time from each POST's answer to its check-in being current (read from the watcher's lines)."""
    want = {p["id"] for p in posted}
    deadline = time.time() + timeout
    seen: dict[int, dict[str, Any]] = {}
    errors: list[str] = []
    head: dict[str, Any] = {}
    while True:
        seen, errors = {}, []
        if watch.is_file():
            for line in watch.read_text().splitlines():
                row = json.loads(line)
                if "start" in row:
                    head = row
                elif "error" in row:
                    errors.append(row["error"])
                elif row.get("id") in want:
                    seen[row["id"]] = row
        if len(seen) >= len(want) or time.time() > deadline:
            break
        time.sleep(0.5)
    answered = {p["id"]: p["answered"] for p in posted}
    index_s = [seen[c]["indexed"] - answered[c] for c in seen]
    assessed_s = [seen[c]["assessed"] - answered[c] for c in seen if "assessed" in seen[c]]
    both_s = [max(seen[c]["indexed"], seen[c].get("assessed", 0.0)) - answered[c] for c in seen]

    def s_summary(xs: list[float]) -> dict[str, Any]:
        return {"n": len(xs), "p50_s": round(pct(xs, 50), 2), "p95_s": round(pct(xs, 95), 2),
                "max_s": round(max(xs), 2) if xs else None}

    return {"what": "from the POST's answer to its check-in's index documents carrying its version and, with "
                    "stored assessments, its author's week in force (as their manager sees it) being current; "
                    f"watched inside the server every {POLL_S} s",
            "stored_assessments": head.get("stored_assessments"), "posts": len(want), "current": len(seen),
            "not_current_after_s": None if len(seen) >= len(want) else timeout,
            "current_s": s_summary(both_s), "index_s": s_summary(index_s), "assessment_s": s_summary(assessed_s),
            "indexer_interval_s": head.get("indexer_interval_s"), "watch_errors": errors[:3]}


def _indexer_interval() -> float | None:
    import inspect

    from assistant.retrieval import IndexerThread

    default = inspect.signature(IndexerThread.__init__).parameters.get("interval")
    return None if default is None else default.default


def bench_ingest(clients: int = 8, per_client: int = 25) -> dict[str, Any]:
    """8 clients POST new check-ins concurrently to a server on a copy of the S org."""
    import httpx

    home = Path(tempfile.mkdtemp(prefix="cadence-bench-ingest-"))
    shutil.copytree(home_of("S"), home, dirs_exist_ok=True)
    env = env_for(home)
    emails = [f"p{i:04d}@bench.test" for i in range(1, 1 + clients)]  # people 2..9: one client each
    tokens = worker(["tokens", ",".join(emails + ["p0000@bench.test"])], env)
    port = _free_port()
    watch = home / "currency.jsonl"
    server = subprocess.Popen([PY, __file__, "--worker", "serve", str(port), str(watch)], env=env, cwd=str(ROOT),
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                if httpx.get(f"{base}/api/health", timeout=2).status_code < 500:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        latencies: list[float] = []
        posted: list[dict[str, Any]] = []
        failures: list[str] = []
        lock = threading.Lock()

        def client(i: int) -> None:
            headers = {"Authorization": f"Bearer {tokens[emails[i]]}"}
            with httpx.Client(base_url=base, headers=headers, timeout=60) as c:
                for j in range(per_client):
                    # weeks before the generated history: every POST creates a check-in
                    body = {"week": f"{2020 + j // 50}-W{j % 50 + 1:02d}", "wins": f"Shipped batch {j} of the listings",
                            "priorities": f"- Close the backlog item {i}-{j}\n- Prepare the Q{j % 4 + 1} plan",
                            "blockers": f"The supplier slipped order {i}{j:03d} by {j % 9 + 2} days."}
                    t = time.perf_counter()
                    r = c.post("/api/checkins", json=body)
                    dt = (time.perf_counter() - t) * 1000
                    answered = time.time()
                    with lock:
                        latencies.append(dt)
                        if r.status_code not in (200, 201):
                            failures.append(f"{r.status_code}: {r.text[:120]}")
                        else:
                            posted.append({"id": r.json()["id"], "answered": answered})

        threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
        started = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - started
        ingest = {"clients": clients, "requests": len(latencies), "failures": len(failures),
                  "failure_examples": failures[:3], "requests_per_second": round(len(latencies) / wall, 1),
                  **{k: v for k, v in summary(latencies).items() if k != "n"}}
        rss_idle = _rss_mb(server.pid)
        currency = _currency(posted, watch)
        # warm-up: a few briefs load the embedder, Chroma and the catalog vectors
        founder = {"Authorization": f"Bearer {tokens['p0000@bench.test']}"}
        brief_ms = []
        for i in range(3, 8):
            t = time.perf_counter()
            r = httpx.post(f"{base}/api/drafts/brief", json={"person": f"p{i:04d}@bench.test"}, headers=founder,
                           timeout=120)
            brief_ms.append((time.perf_counter() - t) * 1000)
        memory = {"rss_mb_after_ingest": rss_idle, "rss_mb_after_warmup": _rss_mb(server.pid),
                  "warmup": "200 check-in POSTs, then 5 briefs over HTTP",
                  "brief_over_http_status": r.status_code, "brief_over_http_ms": summary(brief_ms)}
    finally:
        server.terminate()
        server.wait(30)
    outbox = worker(["outbox", str(clients * per_client)], env)
    shutil.rmtree(home, ignore_errors=True)
    return {"ingest": ingest, "checkin_to_current": currency, "memory": memory, "outbox": outbox}


def cold_start(runs: int = 5) -> dict[str, Any]:
    env = env_for(home_of("S"))
    cli = shutil.which("cadence", path=str(Path(PY).parent))
    help_cmd = [cli, "--help"] if cli else [PY, "-m", "assistant", "--help"]
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(help_cmd, env=env, capture_output=True, check=True)
        times.append((time.perf_counter() - t) * 1000)
    imports = []
    code = "import time; t = time.perf_counter(); import server; print((time.perf_counter() - t) * 1000)"
    for _ in range(runs):
        p = subprocess.run([PY, "-c", code], env=env, cwd=str(ROOT), capture_output=True, text=True, check=True)
        imports.append(float(p.stdout.strip().splitlines()[-1]))
    return {"cli_help": {"command": " ".join(Path(c).name for c in help_cmd),
                         "median_ms": round(statistics.median(times)),
                         "min_ms": round(min(times))},
            "server_import": {"what": "import server (builds the FastAPI app)",
                              "median_ms": round(statistics.median(imports)), "min_ms": round(min(imports))}}


def eval_replay() -> dict[str, Any]:
    env = env_for(Path(tempfile.mkdtemp(prefix="cadence-bench-eval-")))
    if subprocess.run([PY, "-m", "assistant", "eval", "--help"], env=env, capture_output=True).returncode != 0:
        return {"available": False, "why": "`cadence eval` is not in this build"}
    report = Path(env["CADENCE_HOME"]) / "evals"
    t = time.perf_counter()
    p = subprocess.run([PY, "-m", "assistant", "eval", "--report", str(report)], env=env, cwd=str(ROOT),
                       capture_output=True, text=True, timeout=600)
    return {"available": True, "seconds": round(time.perf_counter() - t, 1), "exit_code": p.returncode,
            "tail": (p.stdout + p.stderr).strip()[-300:]}


def report_import() -> dict[str, Any]:
    """The 100,000-row daily ads report: import time next to a bare csv parse (benchmarks/reports_bench.py)."""
    env = env_for(Path(tempfile.mkdtemp(prefix="cadence-bench-reports-")))
    p = subprocess.run([PY, str(Path(__file__).resolve().parent / "reports_bench.py"), "--json"], env=env,
                       cwd=str(ROOT), capture_output=True, text=True, timeout=600, check=True)
    return json.loads(p.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------- PostgreSQL
class ChromaServer:
    """``chroma run`` from this venv on 127.0.0.1, in a throwaway folder, for one size."""

    def __init__(self) -> None:
        self.path = Path(tempfile.mkdtemp(prefix="cadence-bench-chroma-"))
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        exe = Path(PY).parent / "chroma"
        if not exe.is_file():
            raise RuntimeError(f"{exe} not found: pip install chromadb into this venv")
        self.proc = subprocess.Popen([str(exe), "run", "--host", "127.0.0.1", "--port", str(self.port),
                                      "--path", str(self.path)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def __enter__(self) -> ChromaServer:
        import httpx

        for _ in range(300):
            if self.proc.poll() is not None:
                raise RuntimeError(f"chroma run exited: {self.proc.stderr.read()[-1000:]!r}")
            try:
                if httpx.get(f"{self.url}/api/v2/heartbeat", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError("chroma run did not answer within 60 s")

    def __exit__(self, *exc: object) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        shutil.rmtree(self.path, ignore_errors=True)


def bench_postgres(url: str, sizes: list[str], fresh: bool) -> dict[str, Any]:
    """Draft latency on PostgreSQL (one database per size, generated once and kept) with the
    index in a Chroma server (CADENCE_BENCH_CHROMA_URL) or embedded when that is unset."""
    import contextlib

    import psycopg

    admin = url.replace("postgresql+psycopg://", "postgresql://")
    chroma = os.environ.get("CADENCE_BENCH_CHROMA_URL") or ""
    out: dict[str, Any] = {"chroma": ("a server started by the bench per size (chroma run, 127.0.0.1)"
                                      if chroma == "start" else chroma or "embedded"),
                           "sizes": sizes, "loadavg_at_start": [round(x, 2) for x in os.getloadavg()]}
    for size in sizes:
        db = f"cadence_bench_{size.lower()}"
        target = url.rsplit("/", 1)[0] + f"/{db}"
        with psycopg.connect(admin, autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (db,)).fetchone()
            meta_ok = exists and conn.execute(
                "SELECT obj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
                (db,)).fetchone()[0] == f"cadence bench v{VERSION} complete"
            if exists and (fresh or not meta_ok):  # a half-generated database is rebuilt
                conn.execute(f'DROP DATABASE "{db}"')
                exists = None
            generated = None
            if not exists:
                conn.execute(f'CREATE DATABASE "{db}"')
                log(f"generating {size} on PostgreSQL")
                generated = generate(target, size)
                conn.execute(f"COMMENT ON DATABASE \"{db}\" IS 'cadence bench v{VERSION} complete'")
        home = Path(tempfile.mkdtemp(prefix=f"cadence-bench-pg-{size}-"))
        with contextlib.ExitStack() as stack:
            extra = {"CADENCE_DATABASE_URL": target}
            if chroma == "start":
                extra["CADENCE_CHROMA_URL"] = stack.enter_context(ChromaServer()).url
            elif chroma:
                extra["CADENCE_CHROMA_URL"] = chroma
            env = env_for(home, **extra)
            ids = subjects_for(size)
            log(f"PostgreSQL {size}: indexing the sampled subjects, then draft latency")
            index = worker(["index-subjects", ",".join(map(str, ids))], env)
            out[size] = {"database": db, "generated": generated or "cached",
                         "index": {"scope": "the sampled subjects' check-ins", **index},
                         "latency": worker(["latency", size, ",".join(map(str, ids))], env),
                         "loadavg_after": [round(x, 2) for x in os.getloadavg()]}
        shutil.rmtree(home, ignore_errors=True)
    return out


# ---------------------------------------------------------------- the table
def _goal_lines(sq: dict[str, Any]) -> list[str]:
    lines = []
    budget = next((v["budget"] for k, v in sq["goals"].items() if k.startswith("prompt tokens")), "?")
    lines.append(f"max prompt tokens (budget {budget}; brief/feedback/goals): " + "  ".join(
        f"{size} " + "/".join(str(v) for v in kinds.values()) for size, kinds in sq["max_prompt_tokens"].items()))
    for name, goal in sq["goals"].items():
        if goal.get("met") is False:
            lines.append(f"goal missed: {name} (measured {goal['value']})")
    prof = sq.get("profile") or {}
    for row in (prof.get("top_cumulative") or [])[:8]:
        lines.append(f"  profile {prof['kind']} at {prof['size']}: {row['cumulative_ms_per_draft']:>7} ms "
                     f"{row['function']}")
    rc = sq.get("recompute_one_checkin") or {}
    if rc.get("available"):
        lines.append(f"one check-in changed at {rc['size']}: {rc['rows_recomputed']} of {rc['stored_rows_before']} "
                     f"stored assessments recomputed, {rc['recompute_ms']['sum']} ms computing, "
                     f"{rc['seconds_change_to_current']} s drain + refresh")
    elif rc:
        lines.append(f"one check-in changed: {rc.get('why') or rc.get('error', '')[:200]}")
    return lines


def table(results: dict[str, Any]) -> str:
    lines = ["", "Cadence benchmarks  (" + results["machine"]["summary"] + ")", ""]
    lat = results["sqlite"]["latency"]
    for kind in KINDS:
        row = [f"{kind:<9}"]
        for size in lat:
            k = lat[size].get(kind, {})
            row.append(f"{size}: p50 {k['p50_ms']:>6} p95 {k['p95_ms']:>6} ms" if k.get("available")
                       else f"{size}: n/a")
        growth = results["sqlite"]["growth_p95_s_to_l"].get(kind)
        lines.append("  ".join(row) + (f"   p95 growth S->L {growth}x" if growth else ""))
        firsts = [f"{size}: first call {k['first_call_ms']}, first read p95 {k['first_read']['p95_ms']} ms"
                  for size in lat if (k := lat[size].get(kind, {})).get("available")]
        lines.append(f"{'':<9}" + "  ".join(firsts))
    lines.extend(_goal_lines(results["sqlite"]))
    tok = results["sqlite"].get("prompt_tokens_vs_history")
    if tok:
        pts = ", ".join(f"{p['history_weeks']}w:{p['prompt_tokens']}" for p in tok["points"])
        lines.append(f"prompt tokens vs history (budget {tok['budget']}): {pts}")
    ing = results.get("http", {})
    if "ingest" in ing:
        i, o, m = ing["ingest"], ing["outbox"], ing["memory"]
        lines.append(f"ingest: {i['requests_per_second']} req/s, p95 {i['p95_ms']} ms ({i['clients']} clients, "
                     f"{i['requests']} requests, {i['failures']} failed)")
        lines.append(f"outbox->index {o['outbox_texts_per_second']} texts/s vs raw embedder "
                     f"{o['raw_texts_per_second']} ({o['ratio']} of raw; on the {o.get('texts_the_drain_embedded')} "
                     f"texts the drain embedded for {o['texts']} documents: {o.get('ratio_on_the_drains_own_texts')})")
        c = ing.get("checkin_to_current") or {}
        if c:
            lines.append(f"check-in POST -> current: p50 {c['current_s']['p50_s']} s, p95 {c['current_s']['p95_s']} s "
                         f"({c['current']} of {c['posts']}; index alone p95 {c['index_s']['p95_s']} s, "
                         f"indexer every {c['indexer_interval_s']} s)")
        lines.append(f"server RSS after warm-up: {m['rss_mb_after_warmup']} MB")
    r = results["sqlite"]["index"].get("M", {})
    if r:
        lines.append(f"cadence reindex at M: {r.get('seconds')} s wall, {r.get('cpu_seconds')} s CPU, "
                     f"{r.get('documents')} documents ({r.get('distinct_texts_embedded')} texts embedded, "
                     f"{r.get('vectors_reused')} vectors reused), "
                     f"load {r.get('loadavg_before')} -> {r.get('loadavg_after')}")
    c = results.get("cold_start")
    if c and "cli_help" in c:
        lines.append(f"cold start: cadence --help {c['cli_help']['median_ms']} ms, server import "
                     f"{c['server_import']['median_ms']} ms")
    e = results.get("eval_replay")
    if e:
        lines.append(f"eval replay: {e.get('seconds', 'n/a')} s" + ("" if e.get("available") else f" ({e.get('why')})"))
    ri = results.get("report_import")
    if ri and "import_s" in ri:
        lines.append(f"report import, {ri['rows']:,} ads rows: {ri['import_s']} s vs bare csv {ri['bare_csv_s']} s "
                     f"({ri['import_vs_bare_csv']}x); polars read_csv {ri['polars_read_csv_s']}")
    for size, row in (results.get("postgres") or {}).items():
        if isinstance(row, dict) and "latency" in row:
            lat_pg = "  ".join(f"{k}: p50 {row['latency'][k].get('p50_ms')} p95 {row['latency'][k].get('p95_ms')} ms"
                               for k in KINDS if row["latency"].get(k, {}).get("available"))
            lines.append(f"PostgreSQL {size} ({results['postgres'].get('chroma')}): {lat_pg}")
    lines.append(f"total bench time: {results['bench_seconds']} s")
    return "\n".join(lines)


def goals(sqlite: dict[str, Any], last: str) -> dict[str, Any]:
    """Issue 21's goals, each met or not (None: not measured in this run)."""
    out: dict[str, Any] = {}
    lat = sqlite["latency"]
    for kind in KINDS:
        row = lat.get(last, {}).get(kind, {})
        p95 = row.get("p95_ms") if row.get("available") else None
        out[f"p95 {kind} at {last} <= {GOAL_P95_MS:g} ms"] = {"value": p95, "met": None if p95 is None
                                                                  else p95 <= GOAL_P95_MS}
        g = sqlite["growth_p95_s_to_l"].get(kind)
        out[f"growth {kind} p95 {next(iter(lat))}->{last} < {GOAL_GROWTH}x"] = {"value": g, "met": None if g is None
                                                                              else g < GOAL_GROWTH}
    for size, kinds in sqlite["max_prompt_tokens"].items():
        budget = next((lat[size][k]["prompt_tokens"]["budget"] for k in kinds), None)
        out[f"prompt tokens within the budget at {size}"] = {
            "value": kinds, "budget": budget, "met": bool(kinds) and all(t is not None and t <= budget
                                                                       for t in kinds.values())}
    return out


def machine() -> dict[str, Any]:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    mem = next((int(line.split()[1]) // 1024 for line in Path("/proc/meminfo").read_text().splitlines()
                if line.startswith("MemTotal")), 0)
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_mb": mem, "python": platform.python_version(),
            "os": platform.platform(), "loadavg_at_start": loadavg(),
            "summary": f"{os.cpu_count()} cores {cpu}, {mem // 1024} GB, Python {platform.python_version()}"}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="S,M,L")
    parser.add_argument("--fresh", action="store_true", help="Regenerate the cached databases and indexes.")
    parser.add_argument("--skip", default="", help="Comma list of: http,cold,eval,reports,pg,recompute,profile")
    parser.add_argument("--out", type=Path, default=RESULTS, help="Where to write the JSON (default results.json).")
    parser.add_argument("--data-dir", type=Path, default=OUT,
                        help="Generated databases and indexes (default benchmarks/out; a new folder = a cold run).")
    parser.add_argument("--pg-sizes", default="S,M", help="Sizes measured on PostgreSQL (default S,M).")
    parser.add_argument("--pg-only", action="store_true",
                        help="Only the PostgreSQL part; merged into the existing --out file.")
    args = parser.parse_args()
    global DATA
    DATA = args.data_dir.resolve()
    sizes = args.sizes.split(",")
    skip = set(filter(None, args.skip.split(",")))
    started = time.perf_counter()
    pg = os.environ.get("CADENCE_BENCH_PG_URL")
    previous_pg = json.loads(args.out.read_text()).get("postgres") if args.out.is_file() else None
    if args.pg_only:
        if not pg:
            parser.error("--pg-only needs CADENCE_BENCH_PG_URL")
        results = json.loads(args.out.read_text()) if args.out.is_file() else {}
        results["postgres"] = {"measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
                               "machine": machine()["summary"],
                               **bench_postgres(pg, args.pg_sizes.split(","), args.fresh)}
        results["postgres"]["seconds"] = round(time.perf_counter() - started, 1)
        args.out.write_text(json.dumps(results, indent=1, default=str) + "\n")
        print(json.dumps(results["postgres"], indent=1, default=str)[:4000])
        return
    results: dict[str, Any] = {"generated_at": datetime.now(UTC).isoformat(timespec="seconds"), "machine": machine(),
                               "method": __doc__.split("What is timed, and what is not:")[1].strip()}
    sqlite: dict[str, Any] = {"data": phase("data", ensure_data, sizes, args.fresh), "index": {}, "latency": {}}
    for size in sizes:
        sqlite["index"][size] = phase(f"index {size}", ensure_index, size)
        log(f"{size}: draft latency over {SAMPLES[size]} subjects")
        try:  # the largest size also profiles its slowest kind (kept when a goal is missed)
            sqlite["latency"][size] = phase(f"latency {size}", worker,
                                            ["latency", size, ",".join(map(str, subjects_for(size))),
                                             "profile" if size == sizes[-1] and "profile" not in skip else ""],
                                            env_for(home_of(size)))
        except Exception as exc:  # noqa: BLE001 - the other sizes' figures still count
            sqlite["latency"][size] = {"error": f"{type(exc).__name__}: {exc}"[-1500:]}
        args.out.write_text(json.dumps({**results, "sqlite": sqlite}, indent=1, default=str) + "\n")
    first, last = sizes[0], sizes[-1]
    sqlite["growth_p95_s_to_l"] = {
        kind: round(sqlite["latency"][last][kind]["p95_ms"] / sqlite["latency"][first][kind]["p95_ms"], 2)
        for kind in KINDS
        if sqlite["latency"][first].get(kind, {}).get("available")
        and sqlite["latency"][last].get(kind, {}).get("available")
    }
    sqlite["max_prompt_tokens"] = {
        size: {kind: lat[kind]["prompt_tokens"]["max"] for kind in KINDS if lat.get(kind, {}).get("available")}
        for size, lat in sqlite["latency"].items()}
    sqlite["goals"] = goals(sqlite, last)
    prof = sqlite["latency"][last].pop("profile", None)
    sqlite["profiles_over_goal"] = {size: found for size, lat in sqlite["latency"].items()
                                    if (found := lat.pop("profiles_over_goal", None))}
    missed = [g for g, v in sqlite["goals"].items() if v.get("met") is False and g.startswith(("p95", "growth"))]
    sqlite["profile"] = ({"why": f"missed: {', '.join(missed)}", "size": last, **prof} if missed and prof else
                         {"needed": not missed, "why": "every latency goal met" if not missed else "not profiled"})
    if "L" in sizes:
        log("prompt tokens against history length (L)")
        sqlite["prompt_tokens_vs_history"] = phase("tokens vs history L", worker,
                                                   ["tokens-history", str(subjects_for("L")[0])],
                                                   env_for(home_of("L")))
    if "recompute" not in skip:
        log(f"{last}: assessment recomputation when one person's check-in changes")
        try:
            sqlite["recompute_one_checkin"] = {"size": last, **phase(
                f"recompute {last}", worker, ["recompute", ",".join(map(str, subjects_for(last)))],
                env_for(home_of(last)))}
        except Exception as exc:  # noqa: BLE001
            sqlite["recompute_one_checkin"] = {"size": last, "error": f"{type(exc).__name__}: {exc}"[-1500:]}
    results["sqlite"] = sqlite
    args.out.write_text(json.dumps(results, indent=1, default=str) + "\n")  # partial, in case a later stage fails
    for name, label, fn in (("http", "HTTP ingest, memory and outbox throughput", bench_ingest),
                            ("cold", "cold start", cold_start), ("eval", "eval replay", eval_replay),
                            ("reports", "seller-report import, 100k rows", report_import)):
        if name in skip:
            continue
        log(label)
        key = {"http": "http", "cold": "cold_start", "eval": "eval_replay", "reports": "report_import"}[name]
        try:
            results[key] = phase(label, fn)
        except Exception as exc:  # noqa: BLE001 - one failed stage must not lose the others
            results[key] = {"error": f"{type(exc).__name__}: {exc}"[-1500:]}
        args.out.write_text(json.dumps(results, indent=1, default=str) + "\n")
    if pg and "pg" not in skip:
        results["postgres"] = phase("postgres", bench_postgres, pg, args.pg_sizes.split(","), args.fresh)
    else:  # keep the figures of an earlier `make bench-pg` (--pg-only)
        results["postgres"] = previous_pg or {
            "configured": False, "how": "make bench-pg, or set CADENCE_BENCH_PG_URL (and CADENCE_BENCH_CHROMA_URL)"}
    results["machine"]["loadavg_at_end"] = loadavg()
    results["phases"] = PHASES
    results["bench_seconds"] = round(time.perf_counter() - started, 1)
    args.out.write_text(json.dumps(results, indent=1, default=str) + "\n")
    print(table(results))
    print(f"\nwrote {args.out}")


def run_worker(argv: list[str]) -> None:
    name, rest = argv[0], argv[1:]
    fn = {"reindex": w_reindex, "index-subjects": w_index_subjects, "latency": w_latency,
          "tokens-history": w_tokens, "outbox": w_outbox, "tokens": w_tokens_for,
          "recompute": w_recompute, "serve": w_serve}[name]
    print(json.dumps(fn(*rest), default=str))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        run_worker(sys.argv[2:])
    else:
        main()
