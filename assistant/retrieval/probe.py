"""``python -m assistant.retrieval.probe``: open the embedded index and read from it, then exit 0.

Run in a child process by :func:`assistant.retrieval.index.probe`: if the files are
damaged badly enough to crash whatever loads them, it is this process that dies.
"""

from __future__ import annotations

from assistant.retrieval import store


def main() -> None:
    for kind in (store.CHECKINS, store.PLAYBOOK):
        collection = store.collection(kind)
        if collection.count():
            # a real query loads the vector segment (HNSW), where damaged files crash
            first = collection.get(limit=1, include=["embeddings"])["embeddings"]
            collection.query(query_embeddings=[list(first[0])], n_results=1, include=[])


if __name__ == "__main__":
    main()
