"""Embedding throughput on this machine, raw and through `reindex`.

    python benchmarks/embed_throughput.py [N_CHECKINS]

Builds N synthetic check-ins (default 400) in a throwaway CADENCE_HOME, embeds what a
reindex embeds (their field documents and their analysis units) with the raw embedder, then
runs the real reindex (SQL reads, embedding, stored vectors and Chroma writes) on an emptied
text vector store, and prints distinct texts embedded per second for both (best of two
interleaved rounds) and their ratio. The goal is that the indexing path keeps >= 0.8 of the raw
embedder's throughput; `--strict` exits 1 below it. A reindex over a filled store embeds
nothing (it reads the stored vectors), so each round empties it first.
"""

from __future__ import annotations

import os
import random
import sys
import tempfile
import time
from pathlib import Path

os.environ["CADENCE_HOME"] = tempfile.mkdtemp(prefix="cadence-bench-")  # a throwaway store
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

SUBJECTS = ["The supplier", "Our 3PL", "The factory", "Amazon", "The freelancer", "Support", "The ad account",
            "The Klaviyo flow", "The hero SKU", "Our main listing"]
EVENTS = ["slipped the ship date by a week", "is slow to receive inbound pallets", "cut our storage limit",
          "missed the deadline for the launch video", "saw repeat contacts rise", "spent more while TACOS rose",
          "dropped orders from the segment", "is at 12 days of cover", "lost the Buy Box to a reseller",
          "gained three organic positions"]
TAILS = ["", " I need a decision on air freight.", " Waiting on approval from the lead.",
         " This is the third week in a row.", " Conversion held at 12% despite it.", ""]


GOAL = 0.8  # the indexing path's share of the raw embedder's throughput (issue 10)


def sentence(rng: random.Random) -> str:
    return f"{rng.choice(SUBJECTS)} {rng.choice(EVENTS)}.{rng.choice(TAILS)}"


def main(n: int = 400, rounds: int = 2) -> dict:
    from sqlalchemy import delete
    from sqlmodel import Session

    from assistant.analysis.text import analysis_units
    from assistant.core.db import get_engine, migrate
    from assistant.core.embeddings import get_embedder
    from assistant.domain.models import CheckIn, Person, TextVector
    from assistant.retrieval import reindex
    from assistant.retrieval.index import FIELDS, document_text
    from assistant.retrieval.playbook import sync_playbook

    rng = random.Random(7)
    engine = get_engine()
    migrate(engine)
    with Session(engine) as session:
        people = [Person(email=f"p{i}@bench.test", name=f"P{i}", role="PPC specialist") for i in range(20)]
        session.add_all(people)
        session.flush()
        rows = [CheckIn(person_id=people[i % 20].id, week=f"{2000 + i // 1000:04d}-W{(i // 20) % 52 + 1:02d}",
                        wins=sentence(rng), priorities=sentence(rng), blockers=sentence(rng))
                for i in range(n)]
        session.add_all(rows)
        session.commit()
        texts = [t for r in rows for f in FIELDS if (t := document_text(r, f))]
        fields = len(texts)
        texts += [u for r in rows for u in analysis_units(r)]
    distinct = len(set(texts))

    embedder = get_embedder()
    embedder.embed(texts[:64])  # warm up the session
    sync_playbook()  # so reindex's timed phase below is check-ins only
    # best of `rounds`, interleaved, so a burst of other load on the machine skews neither side
    raw = indexed = 0.0
    documents = embedded = 0
    for _ in range(rounds):
        started = time.perf_counter()
        embedder.embed(texts)
        raw = max(raw, distinct / (time.perf_counter() - started))
        with Session(engine) as session:
            session.exec(delete(TextVector))
            session.commit()
        result = reindex(engine, progress=False)
        indexed, documents, embedded = max(indexed, result["embedded_per_second"]), result["documents"], \
            result["texts_embedded"]
    out = {"cores": os.cpu_count(), "texts": len(texts), "distinct_texts": distinct, "fields": fields,
           "documents": documents,
           "texts_embedded": embedded, "raw_texts_per_second": round(raw, 1),
           "reindex_texts_per_second": indexed, "ratio": round(indexed / raw, 3),
           "load": open("/proc/loadavg").read().split()[:3]}
    verdict = "meets" if out["ratio"] >= GOAL else "below"
    print(f"cores={out['cores']} texts={out['texts']} ({distinct} distinct: documents and analysis units) "
          f"fields={fields} documents indexed={documents} texts embedded={embedded} load={' '.join(out['load'])}")
    print(f"raw embedder:  {out['raw_texts_per_second']:8.1f} texts/s")
    print(f"reindex path:  {out['reindex_texts_per_second']:8.1f} texts/s  "
          f"({out['ratio']:.2f} of raw; {verdict} the {GOAL:.2f} goal)")
    return out


if __name__ == "__main__":
    # A benchmark, not a test (issue 10): a ratio below the goal is reported, and only
    # --strict turns it into a failing exit code (for a quiet machine, by hand).
    args = [a for a in sys.argv[1:] if a != "--strict"]
    result = main(int(args[0]) if args else 400)
    sys.exit(1 if "--strict" in sys.argv and result["ratio"] < GOAL else 0)
