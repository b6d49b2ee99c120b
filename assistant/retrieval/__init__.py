"""Retrieval: the playbook and check-ins in Chroma, a derived index rebuilt from SQL.

    store.py     Chroma client (embedded or server) and collections
    playbook.py  markdown sections -> playbook collection (synced by content hash)
    indexer.py   check-in documents, outbox drain, reindex, health, indexer loop
    search.py    Hit, search_checkins (viewer-filtered), search_playbook
"""

from assistant.retrieval.index import (
    IndexerThread,
    drain_all,
    drain_outbox,
    enqueue_checkin,
    index_health,
    reindex,
    run_indexer,
)
from assistant.retrieval.playbook import Section, load_sections, sync_playbook
from assistant.retrieval.search import Hit, search_checkins, search_playbook
from assistant.retrieval.store import reset_clients

__all__ = [
    "Hit", "IndexerThread", "Section", "drain_all", "drain_outbox", "enqueue_checkin", "index_health",
    "load_sections", "reindex", "reset_clients", "run_indexer", "search_checkins", "search_playbook",
    "sync_playbook",
]
