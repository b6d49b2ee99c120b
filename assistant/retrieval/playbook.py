"""Playbook markdown -> sections -> the playbook collection.

A section is one ``## `` heading and its text. Its id comes from ``{#id}`` after the
heading, else from the file name and heading (``<file>-<heading-slug>``), so team files
without ids still get stable ones. The collection is synced lazily: its metadata holds a
hash of every section, and a search re-embeds only the sections whose files changed.
"""

from __future__ import annotations

import hashlib
import re
import threading
from pathlib import Path

from chromadb.api.models.Collection import Collection
from pydantic import BaseModel

from assistant.core.embeddings import get_embedder
from assistant.domain.sources import playbook_source
from assistant.retrieval import store
from assistant.settings import get_settings

_HEADING = re.compile(r"^##\s+(?P<title>.+?)\s*(?:\{#(?P<id>[a-z0-9][a-z0-9_.-]*)\})?\s*$")
_TITLE = re.compile(r"^#\s+(?P<title>.+?)\s*$")


class Section(BaseModel):
    id: str
    title: str
    doc_title: str
    text: str
    path: str

    @property
    def source_id(self) -> str:
        return playbook_source(self.id)

    @property
    def embed_text(self) -> str:
        return f"{self.doc_title}: {self.title}\n{self.text}"


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "section"


def parse_markdown(text: str, *, name: str, path: str = "") -> list[Section]:
    """Split one markdown file into sections (text before the first ``##`` is skipped)."""
    sections: list[Section] = []
    doc_title = name.replace("-", " ").capitalize()
    current: dict | None = None
    body: list[str] = []

    def close() -> None:
        if current is not None and "\n".join(body).strip():
            sections.append(Section(text=" ".join(" ".join(body).split()), **current))

    for line in text.splitlines():
        if (m := _TITLE.match(line)) and not sections and current is None:
            doc_title = m["title"]
            continue
        if m := _HEADING.match(line):
            close()
            current = {"id": m["id"] or f"{_slug(name)}-{_slug(m['title'])}", "title": m["title"],
                       "doc_title": doc_title, "path": path}
            body = []
        elif current is not None:
            body.append(line)
    close()
    return sections


def knowledge_files() -> list[Path]:
    """The built-in playbook files, then the team's own (``CADENCE_EXTRA_KNOWLEDGE_DIR``)."""
    settings = get_settings()
    files = sorted((settings.knowledge_dir / "playbook").glob("*.md"))
    if settings.extra_knowledge_dir and settings.extra_knowledge_dir.is_dir():
        files += sorted(settings.extra_knowledge_dir.rglob("*.md"))
    return files


def load_sections() -> list[Section]:
    """Every section; a later file reusing an id replaces the earlier (a team override)."""
    return list(_current()[0])


# The parsed files and their digest, kept while the files' bytes stay the same. Why: every
# playbook search checks the collection is current, and parsing the files into sections
# cost more than the search itself. Reading them to compare is cheap (~60 KB).
_parsed: tuple[str, list[Section], str] | None = None
_parse_lock = threading.Lock()


def _current() -> tuple[list[Section], str]:
    """(sections, digest) for the playbook files as they are now."""
    global _parsed
    files = [(path, path.read_bytes()) for path in knowledge_files()]
    h = hashlib.sha256()
    for path, data in files:
        h.update(f"{path}\0{len(data)}\0".encode())
        h.update(data)
    key = h.hexdigest()
    with _parse_lock:
        if _parsed is not None and _parsed[0] == key:
            return _parsed[1], _parsed[2]
    by_id: dict[str, Section] = {}
    for path, data in files:
        for section in parse_markdown(data.decode("utf-8"), name=path.stem, path=str(path)):
            by_id[section.id] = section
    sections = list(by_id.values())
    digest = sections_hash(sections)
    with _parse_lock:
        _parsed = (key, sections, digest)
    return sections, digest


def sections_hash(sections: list[Section]) -> str:
    h = hashlib.sha256()
    for s in sections:
        h.update(f"{s.id}\0{s.embed_text}\0".encode())
    return h.hexdigest()[:32]


def playbook_is_current() -> bool:
    """True when the playbook collection was built from the files as they are now."""
    sections, digest = _current()
    col = store.collection(store.PLAYBOOK)
    return (col.metadata or {}).get("digest") == digest and col.count() == len(sections)


def _section_hash(section: Section) -> str:
    return hashlib.sha256(f"{section.id}\0{section.embed_text}".encode()).hexdigest()[:16]


# The collection handle this process last found (or made) current, and for which files:
# while both hold, a search skips the check (a metadata read and a count per search).
_synced: tuple[object, str] | None = None


def sync_playbook(*, force: bool = False) -> int:
    """Make the playbook collection match the files; returns the section count.

    Incremental: only new or edited sections are embedded, removed ones deleted.
    ``force`` rebuilds the collection from nothing (``cadence reindex``).
    """
    sections, digest = _current()
    if force:
        store.drop_collection(store.PLAYBOOK)
    return store.read(store.PLAYBOOK, lambda col: _sync(col, sections, digest))


def ensure_current(col: Collection) -> int:
    """Sync ``col`` (a playbook collection handle) with the files; returns the section count."""
    return _sync(col, *_current())


def _sync(col: Collection, sections: list[Section], digest: str) -> int:
    global _synced
    if _synced is not None and _synced[0] is col and _synced[1] == digest:
        return len(sections)
    if (col.metadata or {}).get("digest") == digest and col.count() == len(sections):
        _synced = (col, digest)
        return len(sections)
    stored = col.get(include=["metadatas"])
    have = {i: (m or {}).get("hash") for i, m in zip(stored["ids"], stored["metadatas"], strict=True)}
    wanted = {s.source_id: s for s in sections}
    stale = [i for i in have if i not in wanted]
    if stale:
        col.delete(ids=stale)
    changed = [s for s in sections if have.get(s.source_id) != _section_hash(s)]
    if changed:
        vectors = get_embedder().embed([s.embed_text for s in changed])
        col.upsert(
            ids=[s.source_id for s in changed], embeddings=vectors, documents=[s.text for s in changed],
            metadatas=[{"section": s.id, "title": s.title, "doc_title": s.doc_title, "hash": _section_hash(s)}
                       for s in changed],
        )
    col.modify(metadata={"kind": store.PLAYBOOK, "digest": digest})
    _synced = (col, digest)
    return len(sections)
