"""Retrieval: the playbook and check-ins in Chroma, a derived index rebuilt from SQL.

    store.py     Chroma client (embedded or server) and collections
    playbook.py  markdown sections -> playbook collection (synced by content hash)
    index.py     check-in documents, full reindex, health, the index check (probe)
    worker.py    the outbox drain, the in-process IndexerThread, the `cadence indexer` loop
    search.py    Hit, search_checkins (viewer-filtered), search_playbook, run_search
"""

from assistant.domain.checkins import enqueue_index as enqueue_checkin
from assistant.retrieval.index import index_health, reindex
from assistant.retrieval.playbook import Section, load_sections, sync_playbook
from assistant.retrieval.search import Hit, search_checkins, search_playbook
from assistant.retrieval.store import reset_clients
from assistant.retrieval.worker import IndexerThread, drain_all, drain_outbox, run_indexer

__all__ = [
    "Hit", "IndexerThread", "Section", "drain_all", "drain_outbox", "enqueue_checkin", "index_health",
    "load_sections", "reindex", "reset_clients", "run_indexer", "search_checkins", "search_playbook",
    "sync_playbook",
]
