"""The Chroma side: one client per process, collections named after the embedder.

Embedded ``PersistentClient`` in ``$CADENCE_HOME/chroma`` by default; ``HttpClient`` when
``CADENCE_CHROMA_URL`` is set, because the embedded client must have a single writer
process and a multi-worker deployment has several. Collections are created with no
embedding function (Chroma's default would download a model): every write and query
passes vectors computed by :mod:`assistant.core.embeddings`.
"""

from __future__ import annotations

import contextlib
import re
import threading
from collections.abc import Callable, Iterator
from typing import Any, TypeVar
from urllib.parse import urlparse

import chromadb
from chromadb.api import ClientAPI
from chromadb.api.models.Collection import Collection
from chromadb.config import Settings as ChromaSettings
from chromadb.errors import NotFoundError
from filelock import FileLock

from assistant.core.embeddings import get_embedder
from assistant.core.files import private_dir
from assistant.errors import ProviderUnavailable
from assistant.settings import get_settings

PLAYBOOK = "playbook"
CHECKINS = "checkins"
T = TypeVar("T")

_clients: dict[str, ClientAPI] = {}
_handles: dict[tuple[str, str], Collection] = {}
_lock = threading.Lock()
_unusable: str | None = None


class IndexUnavailable(ProviderUnavailable):
    """The index may not be opened in this process (it failed its check); SQL is unaffected."""

    code = "index_unavailable"


def mark_unusable(reason: str | None) -> None:
    """Refuse (reason) or allow (None) opening the embedded index in this process.

    Why: a damaged HNSW file does not raise, it crashes the process that loads it
    (SIGSEGV, measured: data_level0.bin partly overwritten). The server's indexer checks the
    files in a child process first (:func:`assistant.retrieval.index.probe`) and keeps
    this gate shut until they pass, so health, search and drafts report or degrade instead
    of taking the API down with them.
    """
    global _unusable
    _unusable = reason


def _chroma_settings() -> ChromaSettings:
    return ChromaSettings(anonymized_telemetry=False, allow_reset=True)


def client_key() -> str:
    settings = get_settings()
    return settings.chroma_url or str((settings.home / "chroma").resolve())


@contextlib.contextmanager
def _catalog_change() -> Iterator[None]:
    """Hold the embedded index's cross-process lock while Chroma may create its schema or a
    collection.

    Why: two processes opening a new embedded index at once both run Chroma's migrations
    and one fails ("table collections already exists", or "database is locked"): seen on
    CI with ``uvicorn --workers 2``, whose two index checks start together. One at a time,
    the second finds the work done. A Chroma server serialises this itself.
    """
    if get_settings().chroma_url:
        yield
        return
    with FileLock(str(private_dir(get_settings().home / "chroma") / ".catalog.lock"), timeout=120):
        yield


def get_client() -> ClientAPI:
    """The process's Chroma client for the current settings."""
    if _unusable is not None:
        raise IndexUnavailable(f"search index unavailable: {_unusable}")
    key = client_key()
    with _lock:
        if key not in _clients:
            url = get_settings().chroma_url
            if url:
                parts = urlparse(url if "://" in url else f"http://{url}")
                _clients[key] = chromadb.HttpClient(
                    host=parts.hostname or "127.0.0.1", port=parts.port or 8000,
                    ssl=parts.scheme == "https", settings=_chroma_settings(),
                )
            else:
                path = private_dir(get_settings().home / "chroma")
                with _catalog_change():
                    _clients[key] = chromadb.PersistentClient(path=str(path), settings=_chroma_settings())
        return _clients[key]


def reset_clients() -> None:
    """Forget cached clients (after the Chroma folder was deleted, and between tests)."""
    with _lock:
        _clients.clear()
        _handles.clear()
        from chromadb.api.client import SharedSystemClient

        SharedSystemClient.clear_system_cache()


def collection_name(kind: str) -> str:
    """``cadence-<kind>-<embedder model>``: vectors from another model never mix in; a
    changed embedder starts with an empty collection, which health reports as lagging
    until ``cadence reindex``."""
    model = re.sub(r"[^a-zA-Z0-9._-]+", "-", get_embedder().model_id).strip("-._")
    return f"cadence-{kind}-{model}"[:200]


def _open(client: ClientAPI, kind: str) -> Collection:
    with _catalog_change():
        return client.get_or_create_collection(
            collection_name(kind), configuration={"hnsw": {"space": "cosine"}},
            embedding_function=None, metadata={"kind": kind},
        )


def collection(kind: str) -> Collection:
    return _open(get_client(), kind)


def cached_collection(kind: str) -> Collection:
    """The collection handle, kept for the process: for the request path's reads.

    Why: ``get_or_create_collection`` is a round trip through Chroma's catalog (3-12 ms
    measured, 2 busy cores), and a brief opened a collection a dozen times. A handle
    goes stale when the collection is dropped elsewhere (``cadence reindex``); readers go
    through :func:`read` so that costs one retry, not a failed draft.
    """
    client = get_client()  # also the unusable-index gate, on every call
    key = (client_key(), collection_name(kind))
    with _lock:
        handle = _handles.get(key)
    if handle is None:
        handle = _open(client, kind)
        with _lock:
            _handles[key] = handle
    return handle


def forget_collection(kind: str) -> None:
    """Drop this process's handle on ``kind`` (the next read opens it afresh)."""
    with _lock:
        _handles.pop((client_key(), collection_name(kind)), None)


def read(kind: str, fn: Callable[[Collection], T]) -> T:
    """``fn(collection)`` on the cached handle; once more on a fresh one if it was dropped."""
    handle = cached_collection(kind)
    try:
        return fn(handle)
    except NotFoundError:
        forget_collection(kind)
        return fn(cached_collection(kind))


def drop_collection(kind: str) -> None:
    client = get_client()
    name = collection_name(kind)
    forget_collection(kind)
    if name in {c.name if hasattr(c, "name") else str(c) for c in client.list_collections()}:
        with _catalog_change():
            client.delete_collection(name)


def all_ids(col: Collection, where: dict[str, Any] | None = None, page: int = 5000) -> list[str]:
    """Every id in ``col`` matching ``where`` (paged, ids only)."""
    out: list[str] = []
    offset = 0
    while True:
        got = col.get(where=where, include=[], limit=page, offset=offset)["ids"]
        out.extend(got)
        if len(got) < page:
            return out
        offset += page
