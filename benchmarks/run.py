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
  KPI audit); subjects are distinct random people, each drafted once.
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


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    k = (len(s) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


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
                "repeated_texts": stats["documents"] - stats.get("texts_embedded", stats["documents"]),
                "documents_per_second": round(stats["documents"] / seconds, 1),
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
    from assistant.drafting.pipeline import _problems, build_messages, composer
    from assistant.llm import get_provider
    from assistant.settings import get_settings

    settings = get_settings()
    provider = get_provider(settings)
    t0 = time.perf_counter()
    job = _job(kind, session, viewer, subject, week)
    t1 = time.perf_counter()
    messages, tokens, trims = build_messages(job, settings.prompt_budget)
    t2 = time.perf_counter()
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
            "guard_ms": ms(t4, t5), "total_ms": ms(t0, t2) + ms(t4, t5), "prompt_tokens": tokens,
            "trims": trims, "offline_valid": valid}


def w_latency(size: str, ids: str) -> dict[str, Any]:
    from assistant.domain.models import Person

    out: dict[str, Any] = {}
    subjects = [int(x) for x in ids.split(",")]
    with _session() as s:
        founder = s.get(Person, 1)
        s.expunge(founder)
    for kind in KINDS:
        with _session() as s:  # warm-up: first-use costs (embedder, Chroma, catalog vectors), reported apart
            warm_subject = s.get(Person, 2)
            started = time.perf_counter()
            try:
                time_draft(kind, s, founder, warm_subject)
            except Exception as exc:  # noqa: BLE001
                out[kind] = {"available": False, "why": f"{type(exc).__name__}: {exc}"[:300]}
                continue
            first = (time.perf_counter() - started) * 1000
        rows, errors = [], []
        for pid in subjects:
            with _session() as s:
                try:
                    rows.append(time_draft(kind, s, founder, s.get(Person, pid)))
                except Exception as exc:  # noqa: BLE001
                    errors.append(f"{pid}: {type(exc).__name__}: {exc}"[:200])
        stage = {k: summary([r[k] for r in rows])
                 for k in ("gather_ms", "prompt_ms", "guard_ms", "offline_provider_ms")}
        out[kind] = {"available": True, **summary([r["total_ms"] for r in rows]), "first_call_ms": round(first, 1),
                     "stages": stage, "prompt_tokens": summary([r["prompt_tokens"] for r in rows]),
                     "offline_output_over_schema_limits": sum(1 for r in rows if not r["offline_valid"]),
                     "errors": errors[:5], "error_count": len(errors)}
        for k in ("prompt_tokens",):
            out[kind][k] = {"p50": pct([r[k] for r in rows], 50), "max": max([r[k] for r in rows], default=None)}
    return out


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
    """Outbox drain throughput against the raw embedder on the same texts, in this process."""
    from sqlalchemy import func
    from sqlmodel import col, select

    from assistant.core.embeddings import get_embedder
    from assistant.domain.models import CheckIn, Outbox
    from assistant.retrieval import drain_all, enqueue_checkin, sync_playbook
    from assistant.retrieval.index import FIELDS, field_text

    sync_playbook()
    drain_all()  # whatever the server left
    with _session() as s:  # the newest n check-ins: the ones the ingest filed
        ids = list(s.exec(select(CheckIn.id).order_by(col(CheckIn.id).desc()).limit(int(n))).all())
        rows = s.exec(select(CheckIn).where(col(CheckIn.id).in_(ids))).all()
        texts = [t for r in rows for f in FIELDS if (t := field_text(r, f))]
    embedder = get_embedder()
    embedder.embed(texts[:32])
    # best of two interleaved rounds each, so a burst of load from elsewhere skews neither side
    raw = indexed = 0.0
    drained = pending = 0
    for _ in range(2):
        started = time.perf_counter()
        embedder.embed(texts)
        raw = max(raw, len(texts) / (time.perf_counter() - started))
        with _session() as s:  # queue them as a write does (upsert rows in the outbox)
            for cid in ids:
                enqueue_checkin(s, cid)
            s.commit()
            pending = s.exec(select(func.count()).select_from(Outbox)).one()
        started = time.perf_counter()
        drained = drain_all()
        indexed = max(indexed, len(texts) / (time.perf_counter() - started))
    return {"outbox_rows": pending, "drained": drained, "texts": len(texts), "rounds": 2,
            "raw_texts_per_second": round(raw, 1), "outbox_texts_per_second": round(indexed, 1),
            "ratio": round(indexed / raw, 3)}


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


def bench_ingest(clients: int = 8, per_client: int = 25) -> dict[str, Any]:
    """8 clients POST new check-ins concurrently to a server on a copy of the S org."""
    import httpx

    home = Path(tempfile.mkdtemp(prefix="cadence-bench-ingest-"))
    shutil.copytree(home_of("S"), home, dirs_exist_ok=True)
    env = env_for(home)
    emails = [f"p{i:04d}@bench.test" for i in range(1, 1 + clients)]  # people 2..9: one client each
    tokens = worker(["tokens", ",".join(emails + ["p0000@bench.test"])], env)
    port = _free_port()
    server = subprocess.Popen([PY, "-m", "uvicorn", "assistant.app:create_app", "--factory", "--port", str(port),
                               "--log-level", "warning"], env=env, cwd=str(ROOT),
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
                    with lock:
                        latencies.append(dt)
                        if r.status_code not in (200, 201):
                            failures.append(f"{r.status_code}: {r.text[:120]}")

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
    return {"ingest": ingest, "memory": memory, "outbox": outbox}


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
                     f"{o['raw_texts_per_second']} ({o['ratio']} of raw)")
        lines.append(f"server RSS after warm-up: {m['rss_mb_after_warmup']} MB")
    r = results["sqlite"]["index"].get("M", {})
    if r:
        lines.append(f"cadence reindex at M: {r.get('seconds')} s wall, {r.get('cpu_seconds')} s CPU, "
                     f"{r.get('documents')} documents ({r.get('distinct_texts_embedded')} distinct texts embedded), "
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


def machine() -> dict[str, Any]:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    mem = next((int(line.split()[1]) // 1024 for line in Path("/proc/meminfo").read_text().splitlines()
                if line.startswith("MemTotal")), 0)
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_mb": mem, "python": platform.python_version(),
            "os": platform.platform(), "loadavg_at_start": [round(x, 2) for x in os.getloadavg()],
            "summary": f"{os.cpu_count()} cores {cpu}, {mem // 1024} GB, Python {platform.python_version()}"}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="S,M,L")
    parser.add_argument("--fresh", action="store_true", help="Regenerate the cached databases and indexes.")
    parser.add_argument("--skip", default="", help="Comma list of: http,cold,eval,reports,pg")
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
    sqlite: dict[str, Any] = {"data": ensure_data(sizes, args.fresh), "index": {}, "latency": {}}
    for size in sizes:
        sqlite["index"][size] = ensure_index(size)
        log(f"{size}: draft latency over {SAMPLES[size]} subjects")
        sqlite["latency"][size] = worker(["latency", size, ",".join(map(str, subjects_for(size)))],
                                         env_for(home_of(size)))
    first, last = sizes[0], sizes[-1]
    sqlite["growth_p95_s_to_l"] = {
        kind: round(sqlite["latency"][last][kind]["p95_ms"] / sqlite["latency"][first][kind]["p95_ms"], 2)
        for kind in KINDS
        if sqlite["latency"][first].get(kind, {}).get("available")
        and sqlite["latency"][last].get(kind, {}).get("available")
    }
    if "L" in sizes:
        log("prompt tokens against history length (L)")
        sqlite["prompt_tokens_vs_history"] = worker(["tokens-history", str(subjects_for("L")[0])],
                                                    env_for(home_of("L")))
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
            results[key] = fn()
        except Exception as exc:  # noqa: BLE001 - one failed stage must not lose the others
            results[key] = {"error": f"{type(exc).__name__}: {exc}"[-1500:]}
        args.out.write_text(json.dumps(results, indent=1, default=str) + "\n")
    if pg and "pg" not in skip:
        results["postgres"] = bench_postgres(pg, args.pg_sizes.split(","), args.fresh)
    else:  # keep the figures of an earlier `make bench-pg` (--pg-only)
        results["postgres"] = previous_pg or {
            "configured": False, "how": "make bench-pg, or set CADENCE_BENCH_PG_URL (and CADENCE_BENCH_CHROMA_URL)"}
    results["machine"]["loadavg_at_end"] = [round(x, 2) for x in os.getloadavg()]
    results["bench_seconds"] = round(time.perf_counter() - started, 1)
    args.out.write_text(json.dumps(results, indent=1, default=str) + "\n")
    print(table(results))
    print(f"\nwrote {args.out}")


def run_worker(argv: list[str]) -> None:
    name, rest = argv[0], argv[1:]
    fn = {"reindex": w_reindex, "index-subjects": w_index_subjects, "latency": w_latency,
          "tokens-history": w_tokens, "outbox": w_outbox, "tokens": w_tokens_for}[name]
    print(json.dumps(fn(*rest), default=str))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        run_worker(sys.argv[2:])
    else:
        main()
