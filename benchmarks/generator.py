"""Synthetic orgs for benchmarks and tests, written straight into SQL or as an org file.

    python benchmarks/generator.py S|M|L [DATABASE_URL]      # default: benchmarks/out/<size>/cadence.db

Sizes (people x weeks): S 20 x 26, M 200 x 104, L 1,000 x 156. Every person files a
check-in in ~97% of the weeks and owns 8 weekly KPIs (L: ~151,000 check-ins and
1.25 million KPI values), managers hold weekly 1:1s with their reports, and everyone has
two role goals a quarter. Deterministic for a seed.

The rows are streamed and bulk-inserted in chunks (on SQLite straight into the driver's
executemany, see ``_insert_many``), so L loads in ~52 s on SQLite (measured beside M's
generation, load ~2-3; it was ~100 s through SQLAlchemy's per-row parameters); ``import_org``
goes row by row through the ORM and is meant for human-sized files. ``org_file`` builds the same org as an org
file (a dict in the ``demo/northwind.yaml`` shape) for sizes small enough to import.

Text is combinatorial (subjects x events x details x numbers) but not all distinct, as in
real check-ins: at M, 31,399 of the 54,677 indexed field texts are distinct (priorities
repeat most: 6,741 distinct of 20,212; blockers 9,580 of 14,253, because a blocker recurs
word for word over several weeks, as the recurring-blocker analysis expects; wins 15,078
of 20,212). ``reindex`` embeds each distinct text once and reports both counts.
"""

from __future__ import annotations

import json
import random
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import Table, insert, text  # noqa: E402
from sqlalchemy.engine import Connection, Engine  # noqa: E402

from assistant.domain.calendar import iso_week_monday, weeks_back  # noqa: E402
from assistant.domain.models import (  # noqa: E402
    CheckIn,
    Company,
    Kpi,
    KpiValue,
    Meeting,
    Objective,
    Person,
    Quarter,
    RoleGoal,
)

VERSION = 1  # bump when the generated data changes, so cached databases are rebuilt
OUT = Path(__file__).resolve().parent / "out"
LAST_WEEK = "2026-W41"  # the demo org's last week; benchmarks pin CADENCE_TODAY to its Sunday
TODAY = iso_week_monday(LAST_WEEK) + timedelta(days=6)
KPIS_PER_PERSON = 8
FANOUT = 7  # reports per manager
CHUNK = 20_000


@dataclass(frozen=True)
class Size:
    name: str
    people: int
    weeks: int


SIZES = {"S": Size("S", 20, 26), "M": Size("M", 200, 104), "L": Size("L", 1000, 156)}

OBJECTIVES = [("margin", "Lift contribution margin on hero SKUs"), ("instock", "Keep hero SKUs in stock"),
              ("conversion", "Raise listing conversion on the hero ASINs"),
              ("support-quality", "Lift first-contact resolution"), ("retention", "Grow repeat purchase")]

# role title -> KPI templates: (catalog-ish name, unit, direction, base value, target, objective, guardrail index)
_T = tuple[str, str, str, float, float, str, int | None]
ROLES: dict[str, list[_T]] = {
    "PPC specialist": [
        ("ACOS", "percent", "down", 30, 25, "margin", 1), ("TACOS", "percent", "down", 11, 10, "margin", None),
        ("ROAS", "ratio", "up", 3.1, 3.5, "margin", 1), ("Ad spend", "currency", "down", 42000, 40000, "margin", None),
        ("Cost per click", "currency", "down", 1.2, 1.0, "margin", None),
        ("New-to-brand share of ad orders", "percent", "up", 28, 30, "margin", None),
        ("Click-through rate", "percent", "up", 0.45, 0.5, "conversion", None),
        ("Ad-attributed sales", "currency", "up", 120000, 140000, "margin", 0)],
    "Amazon account manager": [
        ("Listing conversion rate", "percent", "up", 12, 15, "conversion", 6),
        ("Organic rank on priority keywords", "count", "down", 14, 8, "conversion", None),
        ("Buy Box percentage", "percent", "up", 91, 95, "conversion", None),
        ("Average star rating", "score", "up", 4.3, 4.5, "conversion", None),
        ("Sessions", "count", "up", 52000, 60000, "conversion", 0),
        ("Total sales", "currency", "up", 380000, 420000, "margin", None),
        ("Return rate", "percent", "down", 4.2, 3.5, "conversion", None),
        ("Order defect rate", "percent", "down", 0.6, 0.5, "conversion", None)],
    "Supply chain manager": [
        ("Stock-out rate", "percent", "down", 4, 3, "instock", None),
        ("Days of cover", "days", "down", 48, 40, "instock", 0),
        ("IPI score", "score", "up", 520, 550, "instock", None),
        ("In-stock rate", "percent", "up", 95, 97, "instock", None),
        ("Inventory turnover", "ratio", "up", 5.5, 6, "instock", 0),
        ("Storage fees", "currency", "down", 9000, 8000, "margin", None),
        ("Forecast accuracy", "percent", "up", 78, 85, "instock", None),
        ("Aged inventory", "days", "down", 95, 90, "margin", None)],
    "Customer support lead": [
        ("First-contact resolution", "percent", "up", 68, 75, "support-quality", 3),
        ("First response time", "hours", "down", 9, 6, "support-quality", 0),
        ("Customer satisfaction score", "percent", "up", 86, 90, "support-quality", None),
        ("Repeat contact rate", "percent", "down", 14, 10, "support-quality", None),
        ("Escalation rate", "percent", "down", 6, 5, "support-quality", None),
        ("Time to resolution", "hours", "down", 30, 24, "support-quality", 3),
        ("Tickets answered", "count", "up", 1400, 1500, "support-quality", 3),
        ("Return rate", "percent", "down", 4.2, 3.5, "support-quality", None)],
    "Creative strategist": [
        ("Click-through rate", "percent", "up", 0.42, 0.5, "conversion", 1),
        ("Conversion rate", "percent", "up", 11, 13, "conversion", None),
        ("Creative testing velocity", "count", "up", 6, 8, "conversion", 3),
        ("Winning angle adoption", "percent", "up", 35, 45, "conversion", None),
        ("Creatives produced", "count", "up", 20, 24, "conversion", 3),
        ("Social engagement", "count", "up", 9000, 11000, "conversion", 1),
        ("Average order value", "currency", "up", 38, 42, "margin", None),
        ("Cost per click", "currency", "down", 1.1, 1.0, "margin", None)],
    "DTC retention manager": [
        ("Repeat purchase rate", "percent", "up", 24, 28, "retention", 4),
        ("Email open rate", "percent", "up", 38, 42, "retention", 0),
        ("Subscriber churn rate", "percent", "down", 7, 5, "retention", None),
        ("Customer lifetime value", "currency", "up", 140, 160, "retention", None),
        ("Discount depth", "percent", "down", 14, 10, "margin", None),
        ("Email list size", "count", "up", 48000, 55000, "retention", 0),
        ("Average order value", "currency", "up", 41, 45, "retention", None),
        ("Net promoter score", "score", "up", 42, 50, "retention", None)],
    "Brand manager": [
        ("Contribution margin", "currency", "up", 95000, 110000, "margin", 5),
        ("Gross margin", "percent", "up", 38, 42, "margin", None),
        ("Total sales", "currency", "up", 410000, 450000, "margin", 1),
        ("Sell-through rate", "percent", "up", 62, 70, "instock", 4),
        ("Discount depth", "percent", "down", 12, 10, "margin", None),
        ("Sales growth rate", "percent", "up", 8, 12, "margin", 0),
        ("Return rate", "percent", "down", 4, 3.5, "margin", None),
        ("Units sold", "count", "up", 9800, 11000, "margin", 0)],
    "Finance lead": [
        ("Net profit margin", "percent", "up", 9, 12, "margin", None),
        ("Gross margin", "percent", "up", 39, 42, "margin", None),
        ("Cash conversion cycle", "days", "down", 64, 55, "margin", None),
        ("Return on investment", "ratio", "up", 1.8, 2.2, "margin", None),
        ("Gross profit", "currency", "up", 160000, 180000, "margin", None),
        ("Stock-to-sales ratio", "ratio", "down", 2.4, 2.0, "instock", None),
        ("Contribution margin", "currency", "up", 90000, 105000, "margin", 1),
        ("Storage fees", "currency", "down", 8800, 8000, "margin", None)],
}
MANAGER_ROLES = ["Head of Growth", "Operations manager", "Marketing manager", "Brand manager"]
MARKETS = ["", " (US)", " (UK)", " (EU)"]  # a few variants per name, as real teams label them

SUBJECTS = ["The supplier", "Our 3PL", "The factory in Ningbo", "Amazon seller support", "The freelancer",
            "The support VA team", "The ad account", "The Klaviyo flow", "The hero SKU", "Our main listing",
            "The new bakeware line", "The Shopify checkout", "The freight forwarder", "The photo studio",
            "The agency", "Finance", "The warehouse in Reno", "The packaging vendor", "The review program",
            "The influencer batch"]
EVENTS = ["slipped the ship date by {n} days", "is slow to receive inbound pallets", "cut our storage limit by {n}%",
          "missed the deadline for the launch video", "saw repeat contacts rise {n}%",
          "spent {n}% more while TACOS rose", "dropped orders from the segment", "is at {n} days of cover",
          "lost the Buy Box to a reseller for {n} hours", "gained {n} organic positions",
          "needs a new quote before {month}", "is waiting on compliance documents", "raised prices {n}%",
          "flagged a listing for a restricted keyword", "delivered {n} new creatives",
          "has a backlog of {n} tickets", "is blocked on a decision about bundles"]
TAILS = ["", " I need a decision on air freight.", " Waiting on approval from the lead.",
         " This is the third week in a row.", " Conversion held despite it.", " Escalated to the account rep.",
         " Plan B is a second supplier.", " Need budget sign-off by Friday.", ""]
WINS = ["Shipped {n} new listings", "Cut ACOS on the hero campaign by {n} points", "Closed {n} supplier tickets",
        "Launched the {month} email flow", "Got the Buy Box back on {n} ASINs", "Finished the Q{q} forecast",
        "Answered {n} tickets under six hours", "Renegotiated freight for {n} pallets",
        "Tested {n} new hooks in the video ads", "Published the A+ content refresh", "Moved {n} SKUs to the new 3PL",
        "Hit the weekly sales plan", "Onboarded two VAs", "Cleared {n} aged units through the outlet"]
PRIORITIES = ["Fix the {thing} for the hero SKU", "Get the {month} PO confirmed", "Test {n} new creatives",
              "Rebuild the {thing} campaign structure", "Audit the return reasons for {month}",
              "Prepare the Q{q} plan", "Cut storage fees on slow movers", "Close the {thing} backlog",
              "Train the new VAs on refunds", "Lift conversion on the {thing} listing"]
THINGS = ["bakeware", "stoneware", "knife set", "cutting board", "storage jar", "kettle", "skillet", "mixing bowl",
          "spice rack", "utensil set"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]


def _fill(template: str, rng: random.Random) -> str:
    return template.format(n=rng.randint(2, 90), month=rng.choice(MONTHS), q=rng.randint(1, 4),
                           thing=rng.choice(THINGS))


def _blocker(rng: random.Random) -> str:
    return f"{rng.choice(SUBJECTS)} {_fill(rng.choice(EVENTS), rng)}.{rng.choice(TAILS)}"


def _list(rng: random.Random, pool: list[str], k: int) -> str:
    return "\n".join(f"- {_fill(t, rng)}" for t in rng.sample(pool, k))


def _quarter(d: date) -> str:
    return f"{d.year}-Q{(d.month - 1) // 3 + 1}"


# ---------------------------------------------------------------- the org, as rows
@dataclass
class Org:
    size: Size
    seed: int
    weeks: list[str]
    people: list[dict[str, Any]]
    kpis: list[dict[str, Any]]
    quarters: list[str]

    @property
    def founder_email(self) -> str:
        return self.people[0]["email"]

    def managers(self) -> list[dict[str, Any]]:
        return [p for p in self.people if p["access"] == "manager"]


def build(size: Size, seed: int = 7) -> Org:
    """People and KPI definitions (small); the large tables are streamed by ``rows``."""
    rng = random.Random(seed)
    weeks = weeks_back(LAST_WEEK, size.weeks)
    people: list[dict[str, Any]] = []
    member_roles = list(ROLES)
    for i in range(size.people):
        manager = None if i == 0 else (i - 1) // FANOUT + 1  # a heap: person 1 the founder
        has_reports = i * FANOUT + 1 < size.people
        access = "founder" if i == 0 else "manager" if has_reports else "member"
        role = ("Founder and CEO" if i == 0 else rng.choice(MANAGER_ROLES) if has_reports
                else member_roles[i % len(member_roles)])
        people.append({"id": i + 1, "email": f"p{i:04d}@bench.test", "name": f"Person {i:04d}", "role": role,
                       "access": access, "manager_id": manager})
    kpis: list[dict[str, Any]] = []
    for p in people:
        templates = ROLES.get(p["role"]) or ROLES[member_roles[p["id"] % len(member_roles)]]
        first = len(kpis) + 1
        for j, (name, unit, direction, base, target, objective, guard) in enumerate(templates[:KPIS_PER_PERSON]):
            kpis.append({"id": first + j, "key": f"{p['email'].split('@')[0]}-k{j}", "owner_id": p["id"],
                         "role": None, "name": name + rng.choice(MARKETS),
                         "description": f"{name} across the hero ASINs, reported every Monday.",
                         "unit": unit, "direction": direction, "frequency": "weekly", "target": target,
                         "objective_key": objective, "guardrail_id": first + guard if guard is not None else None,
                         "tier": "primary" if j < 3 else "secondary", "_base": base,
                         "_drift": rng.choice([-0.01, -0.004, 0.0, 0.004, 0.01])})
    quarters = sorted({_quarter(iso_week_monday(w)) for w in weeks})
    return Org(size=size, seed=seed, weeks=weeks, people=people, kpis=kpis, quarters=quarters)


def kpi_value_rows(org: Org) -> Iterator[dict[str, Any]]:
    rng = random.Random(org.seed + 1)
    mondays = [iso_week_monday(w) for w in org.weeks]
    vid = 0
    for k in org.kpis:
        value, drift = k["_base"], k["_drift"]
        for d in mondays:
            value = max(value * (1 + drift + rng.gauss(0, 0.02)), 0.0)
            vid += 1
            yield {"id": vid, "kpi_id": k["id"], "period": d, "value": round(value, 2 if value < 1000 else 0)}


def checkin_rows(org: Org) -> Iterator[dict[str, Any]]:
    rng = random.Random(org.seed + 2)
    keys_of: dict[int, list[str]] = {}
    for k in org.kpis:
        keys_of.setdefault(k["owner_id"], []).append(k["key"])
    stamp = datetime(2026, 10, 11, tzinfo=UTC)
    cid = 0
    for p in org.people:
        thread, thread_left = "", 0
        for w in org.weeks:
            if rng.random() < 0.03:
                continue  # a missed week
            if thread_left == 0 and rng.random() < 0.08:
                thread, thread_left = _blocker(rng), rng.randint(2, 6)  # a blocker that keeps coming back
            if thread_left:
                blockers = thread if rng.random() < 0.5 else f"Still: {thread.lower()} {rng.choice(TAILS)}".strip()
                thread_left -= 1
            else:
                blockers = _blocker(rng) if rng.random() < 0.6 else ""
            metrics = {key: rng.choice(["on_track", "on_track", "off_track", "unclear"])
                       for key in rng.sample(keys_of.get(p["id"], []), min(3, len(keys_of.get(p["id"], []))))}
            cid += 1
            yield {"id": cid, "person_id": p["id"], "week": w, "wins": _list(rng, WINS, 2),
                   "priorities": _list(rng, PRIORITIES, 2), "blockers": blockers, "metrics": metrics,
                   "created_at": stamp, "updated_at": stamp}


def meeting_rows(org: Org) -> Iterator[dict[str, Any]]:
    rng = random.Random(org.seed + 3)
    mid = 0
    for p in org.people:
        if p["manager_id"] is None:
            continue
        for w in org.weeks:
            if rng.random() < 0.15:
                continue
            status = rng.choices(["held", "cancelled", "rushed"], [85, 10, 5])[0]
            mid += 1
            yield {"id": mid, "manager_id": p["manager_id"], "report_id": p["id"],
                   "date": iso_week_monday(w) + timedelta(days=rng.randint(0, 4)), "status": status,
                   "minutes": None if status == "cancelled" else rng.choice([15, 25, 30, 45]), "notes": ""}


def goal_rows(org: Org) -> Iterator[dict[str, Any]]:
    rng = random.Random(org.seed + 4)
    by_owner: dict[int, list[dict[str, Any]]] = {}
    for k in org.kpis:
        by_owner.setdefault(k["owner_id"], []).append(k)
    gid = 0
    for p in org.people:
        for q in org.quarters:
            for k in rng.sample(by_owner[p["id"]], 2):
                gid += 1
                status = "active" if q == org.quarters[-1] else rng.choice(["achieved", "missed", "dropped"])
                yield {"id": gid, "person_id": p["id"], "quarter_id": q, "title": f"Bring {k['name']} to {k['target']}",
                       "kpi_id": k["id"], "target": k["target"], "objective_key": k["objective_key"], "status": status}


# ---------------------------------------------------------------- writers
def _chunks(rows: Iterator[dict[str, Any]], n: int = CHUNK) -> Iterator[list[dict[str, Any]]]:
    buf: list[dict[str, Any]] = []
    for r in rows:
        buf.append(r)
        if len(buf) >= n:
            yield buf
            buf = []
    if buf:
        yield buf


def _insert_many(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """``INSERT`` of many rows. On SQLite the values go through each column type's own bind
    processor (the same conversion SQLAlchemy applies) into the driver's executemany as
    tuples: SQLAlchemy's per-row parameter handling was a third of the M load time
    (12 of 36 s, profiled). Other databases take SQLAlchemy's batched insert."""
    if conn.dialect.name != "sqlite":
        conn.execute(insert(table), rows)
        return
    names = list(rows[0])
    procs = [table.c[n].type.dialect_impl(conn.dialect).bind_processor(conn.dialect) for n in names]
    sql = f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"
    conn.exec_driver_sql(sql, [tuple(v if p is None or v is None else p(v)
                                     for p, v in zip(procs, (r[n] for n in names), strict=True))
                               for r in rows])


def write_db(engine: Engine, org: Org) -> dict[str, int]:
    """Bulk-insert the org into an empty, migrated database; returns row counts."""
    counts: dict[str, int] = {}
    with engine.begin() as conn:
        conn.execute(insert(Company.__table__), [{"id": 1, "name": f"Bench Goods {org.size.name}", "stage": "growth"}])
        conn.execute(insert(Quarter.__table__), [{"id": q} for q in org.quarters])
        conn.execute(insert(Objective.__table__), [{"quarter_id": q, "key": k, "title": t}
                                                   for q in org.quarters for k, t in OBJECTIVES])
        conn.execute(insert(Person.__table__), [{k: v for k, v in p.items()} for p in org.people])
        kpis = [{k: v for k, v in row.items() if not k.startswith("_")} for row in org.kpis]
        # guardrails point at rows inserted in the same statement: insert first, link after
        conn.execute(insert(Kpi.__table__), [{**k, "guardrail_id": None} for k in kpis])
        linked = [{"kid": k["id"], "gid": k["guardrail_id"]} for k in kpis if k["guardrail_id"]]
        if linked:
            conn.execute(text("UPDATE kpi SET guardrail_id = :gid WHERE id = :kid"), linked)
        counts.update(people=len(org.people), kpis=len(kpis))
    for name, table, rows in (("kpi_values", KpiValue.__table__, kpi_value_rows(org)),
                              ("checkins", CheckIn.__table__, checkin_rows(org)),
                              ("meetings", Meeting.__table__, meeting_rows(org)),
                              ("goals", RoleGoal.__table__, goal_rows(org))):
        counts[name] = 0
        for chunk in _chunks(rows):
            with engine.begin() as conn:
                _insert_many(conn, table, chunk)
            counts[name] += len(chunk)
    if engine.dialect.name == "postgresql":  # explicit ids: move the sequences past them
        with engine.begin() as conn:
            for table in ("company", "objective", "person", "kpi", "kpivalue", "checkin", "meeting", "rolegoal"):
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                  f"COALESCE((SELECT MAX(id) FROM {table}), 1))"))
    else:
        with engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
    return counts


def org_file(org: Org) -> dict[str, Any]:
    """The same org as an org-file dict (for S-sized orgs and tests; import_org loads it)."""
    emails = {p["id"]: p["email"] for p in org.people}
    keys = {k["id"]: k["key"] for k in org.kpis}
    values: dict[int, list[dict[str, Any]]] = {}
    for v in kpi_value_rows(org):
        values.setdefault(v["kpi_id"], []).append({"period": v["period"].isoformat(), "value": v["value"]})
    return {
        "company": {"name": f"Bench Goods {org.size.name}", "stage": "growth"},
        "quarters": [{"id": q, "objectives": [{"id": k, "title": t} for k, t in OBJECTIVES]} for q in org.quarters],
        "people": [{"email": p["email"], "name": p["name"], "access": p["access"], "role": p["role"],
                    **({"manager": emails[p["manager_id"]]} if p["manager_id"] else {})} for p in org.people],
        "kpis": [{"id": k["key"], "owner": emails[k["owner_id"]], "name": k["name"], "description": k["description"],
                  "unit": k["unit"], "direction": k["direction"], "frequency": k["frequency"], "target": k["target"],
                  "objective": k["objective_key"], "tier": k["tier"],
                  **({"guardrail": keys[k["guardrail_id"]]} if k["guardrail_id"] else {}),
                  "values": values.get(k["id"], [])} for k in org.kpis],
        "checkins": [{"person": emails[c["person_id"]], "week": c["week"], "wins": c["wins"],
                      "priorities": c["priorities"], "blockers": c["blockers"], "metrics": c["metrics"]}
                     for c in checkin_rows(org)],
        "meetings": [{"manager": emails[m["manager_id"]], "report": emails[m["report_id"]],
                      "date": m["date"].isoformat(), "status": m["status"],
                      **({"minutes": m["minutes"]} if m["minutes"] else {})} for m in meeting_rows(org)],
        "goals": [{"person": emails[g["person_id"]], "quarter": g["quarter_id"], "title": g["title"],
                   "kpi": keys[g["kpi_id"]], "target": g["target"], "objective": g["objective_key"],
                   "status": g["status"]} for g in goal_rows(org)],
    }


def generate(url: str, size: Size | str, seed: int = 7) -> dict[str, Any]:
    """Migrate the (empty) database at ``url`` and fill it; returns counts and seconds."""
    import time

    from assistant.core.db import make_engine, migrate

    size = SIZES[size] if isinstance(size, str) else size
    engine = make_engine(url)
    migrate(engine)
    started = time.perf_counter()
    counts = write_db(engine, build(size, seed))
    engine.dispose()
    return {"size": size.name, "people": size.people, "weeks": size.weeks, "seed": seed, "version": VERSION,
            "counts": counts, "seconds": round(time.perf_counter() - started, 1)}


if __name__ == "__main__":
    name = sys.argv[1] if len(sys.argv) > 1 else "S"
    if len(sys.argv) > 2:
        target = sys.argv[2]
    else:
        folder = OUT / name
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "cadence.db").unlink(missing_ok=True)
        target = f"sqlite:///{folder / 'cadence.db'}"
    print(json.dumps(generate(target, name), indent=2))
