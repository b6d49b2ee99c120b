"""Retrieval eval: recall@5 over queries whose right answers are known.

    python evals/retrieval/recall.py          # temp database and index, prints the table

Loads ``org.yaml`` (an org file) into the current database, indexes it, runs every case
in ``queries.yaml`` as its viewer, and scores recall@5: the share of expected ids found in
the top five, averaged over cases. ``tests/test_retrieval_eval.py`` asserts the floor.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

HERE = Path(__file__).resolve().parent
FLOOR = 0.8
K = 5


def load(engine: Engine) -> dict[str, int]:
    """Import the fixture org; returns "checkin:<email>:<week>" -> check-in id."""
    from assistant.domain.models import CheckIn, Person
    from assistant.domain.orgfile import import_org, read_org_file

    with Session(engine, expire_on_commit=False) as session:
        import_org(session, read_org_file(HERE / "org.yaml"))
        session.commit()
        emails = dict(session.exec(select(Person.id, Person.email)).all())
        keys = {f"checkin:{emails[c.person_id]}:{c.week}": c.id for c in session.exec(select(CheckIn)).all()}
        session.commit()
    return keys


def run(engine: Engine, *, verbose: bool = True) -> dict:
    from assistant.retrieval import reindex, search_checkins, search_playbook
    from assistant.domain.team import person_by_email

    keys = load(engine)
    reindex(engine, progress=False)
    cases = yaml.safe_load((HERE / "queries.yaml").read_text())["cases"]
    rows = []
    with Session(engine, expire_on_commit=False) as session:
        for case in cases:
            if case.get("kind") == "playbook":
                got = [h.source_id for h in search_playbook(case["q"], k=K)]
                expect = case["expect"]
            else:
                viewer = person_by_email(session, case["as"])
                got = [h.source_id for h in search_checkins(session, viewer, case["q"], k=K)]
                expect = [f"checkin:{keys[e]}" for e in case["expect"]]
            found = [e for e in expect if e in got]
            rows.append({"q": case["q"], "recall": len(found) / len(expect),
                         "missing": [e for e in expect if e not in got], "got": got})
        session.commit()
    recall = sum(r["recall"] for r in rows) / len(rows)
    if verbose:
        for r in rows:
            flag = "ok " if r["recall"] == 1 else f"{r['recall']:.2f}"
            print(f"  {flag}  {r['q'][:60]:<60} missing={r['missing'] or '-'}")
        print(f"recall@{K} = {recall:.3f} over {len(rows)} queries (floor {FLOOR})")
    return {"recall_at_5": recall, "cases": rows}


if __name__ == "__main__":
    import os
    import sys
    import tempfile

    os.environ["CADENCE_HOME"] = tempfile.mkdtemp(prefix="cadence-eval-")  # a throwaway store
    sys.path.insert(0, str(HERE.parent.parent))
    from assistant.core.db import get_engine, migrate

    migrate(get_engine())
    result = run(get_engine())
    sys.exit(0 if result["recall_at_5"] >= FLOOR else 1)
