"""Which catalog role a job title names, how sure that is, and whether an owner can move a KPI.

A title is read in two ways and the reading keeps its confidence:

1. **lexical**: catalog aliases found as whole phrases in the title. The earliest one wins
   (a modifier comes before the head word: "Email marketing manager" is retention, not
   marketing); a title holding aliases of one role only is surer than one naming two. A
   *loose* alias ("buyer": inventory or media?) only suggests its role.
2. **semantic**: the title's embedding against each role's one-sentence description
   (the bundled embedder, when it loads). It decides only when the lexical reading is
   loose or absent: "Meta ads buyer" is not read as a supply chain buyer.

Below ``ROLE_SURE`` the audit says nothing about influence: a wrong "cannot move" is worse
than none.
"""

from __future__ import annotations

import logging
from typing import Literal

from pydantic import BaseModel, ConfigDict

from assistant.kpi_audit.catalog import Catalog, CatalogEntry, RoleEntry, get_catalog, memo_for, tokens

log = logging.getLogger(__name__)

ROLE_SURE = 0.75  # below this a role reading is a guess, and guesses make no claims
KPI_SURE = 0.75  # a catalog match below this is not trusted for "who moves it" either
SEMANTIC_MIN = 0.35  # MiniLM cosine of a title with a role description, for a reading at all
SEMANTIC_MARGIN = 0.10  # over the runner-up role
SEMANTIC_SURE = (0.5, 0.15)  # (score, margin) at which a semantic reading is sure

_ROLES: dict[int, tuple[Catalog, dict]] = {}
_VECTORS: dict[int, tuple[Catalog, tuple[object, list[list[float]]] | None]] = {}


class RoleMatch(BaseModel):
    """A role read from a title, with how sure the reading is (0-1)."""

    model_config = ConfigDict(frozen=True)

    role: RoleEntry
    confidence: float
    how: Literal["alias", "semantic", "loose"]

    @property
    def id(self) -> str:
        return self.role.id

    @property
    def name(self) -> str:
        return self.role.name

    @property
    def influences_all(self) -> bool:
        return self.role.influences_all

    @property
    def sure(self) -> bool:
        return self.confidence >= ROLE_SURE


def match_role(title: str | None, catalog: Catalog | None = None, *, semantic: bool = True) -> RoleMatch | None:
    """The catalog role ``title`` names, or None when neither reading finds one."""
    if not title:
        return None
    catalog = catalog or get_catalog()
    memo = memo_for(_ROLES, catalog)
    key = (title, semantic)
    if key not in memo:
        memo[key] = _match_role(title, catalog, semantic)
    return memo[key]


def _lexical_hits(title: str, catalog: Catalog) -> list[tuple[int, int, RoleEntry, bool]]:
    """(position, length, role, loose) of every alias phrase in the title, none inside a longer one."""
    words = f" {' '.join(tokens(title))} "
    hits = []
    for r in catalog.roles:
        for alias, loose in [(a, False) for a in [r.name, r.id, *r.aliases]] + [(a, True) for a in r.loose]:
            phrase = " ".join(tokens(alias))
            at = words.find(f" {phrase} ") if phrase else -1
            if at >= 0:
                hits.append((at, len(phrase), r, loose))
    return [h for h in hits if not any(o[0] <= h[0] and h[0] + h[1] <= o[0] + o[1] and o[1] > h[1]
                                       for o in hits if o[2].id != h[2].id)]


def _match_role(title: str, catalog: Catalog, semantic: bool) -> RoleMatch | None:
    hits = sorted(_lexical_hits(title, catalog), key=lambda h: (h[0], -h[1]))
    strong = [h for h in hits if not h[3]]
    if strong:
        at, length, role, _ = strong[0]
        whole = at == 0 and length == len(" ".join(tokens(title)))
        one_role = len({h[2].id for h in strong}) == 1
        return RoleMatch(role=role, confidence=1.0 if whole else 0.9 if one_role else 0.8, how="alias")
    read = _semantic_role(title, catalog) if semantic else None
    if hits:  # loose words only
        role = hits[0][2]
        if read is not None and read[0].id == role.id:
            return RoleMatch(role=role, confidence=0.8, how="loose")
        if read is not None and read[2] >= SEMANTIC_MARGIN:
            return RoleMatch(role=read[0], confidence=0.6, how="semantic")
        return RoleMatch(role=role, confidence=0.5, how="loose")
    if read is None or read[1] < SEMANTIC_MIN or read[2] < SEMANTIC_MARGIN:
        return None
    sure = read[1] >= SEMANTIC_SURE[0] and read[2] >= SEMANTIC_SURE[1]
    return RoleMatch(role=read[0], confidence=0.8 if sure else 0.6, how="semantic")


def _semantic_role(title: str, catalog: Catalog) -> tuple[RoleEntry, float, float] | None:
    """(best role, its cosine, margin over the runner-up), or None without an embedder."""
    loaded = _role_vectors(catalog)
    if loaded is None:
        return None
    embedder, vectors = loaded
    try:
        (q,) = embedder.embed([title])  # type: ignore[attr-defined]
    except (OSError, RuntimeError) as exc:
        log.info("embedding the role title failed: %s", exc)
        return None
    roles = [r for r in catalog.roles if r.description]
    scores = sorted(((sum(x * y for x, y in zip(q, v, strict=True)), r) for r, v in zip(roles, vectors, strict=True)),
                    key=lambda s: -s[0])
    if len(scores) < 2:
        return None
    return scores[0][1], scores[0][0], scores[0][0] - scores[1][0]


def _role_vectors(catalog: Catalog) -> tuple[object, list[list[float]]] | None:
    if id(catalog) not in _VECTORS or _VECTORS[id(catalog)][0] is not catalog:
        _VECTORS[id(catalog)] = (catalog, _embed_roles(catalog))
    return _VECTORS[id(catalog)][1]


def _embed_roles(catalog: Catalog) -> tuple[object, list[list[float]]] | None:
    from assistant.core.embeddings import EmbeddingUnavailable, get_embedder

    try:
        embedder = get_embedder()
        return embedder, embedder.embed([r.description for r in catalog.roles if r.description])
    except (EmbeddingUnavailable, OSError, ImportError, RuntimeError) as exc:
        log.info("role titles are read lexically only: %s", exc)
        return None


# ---------------------------------------------------------------- influence
def in_scope(text: str, role: RoleEntry) -> str | None:
    """The first scope word of ``role`` found in ``text`` (a KPI's name and description), if any."""
    words = f" {' '.join(tokens(text))} "
    for w in role.scope:
        phrase = " ".join(tokens(w))
        if phrase and f" {phrase} " in words:
            return w
    return None


def movers(entry: CatalogEntry, catalog: Catalog) -> list[str]:
    return [r.name for r in catalog.roles if r.id in entry.roles]


def can_move(entry: CatalogEntry, owner: RoleMatch, reports: list[RoleMatch], text: str) -> str | None:
    """Why the owner can move the KPI ("their role", "a report's role", "its description"), or None."""
    if owner.influences_all or owner.id in entry.roles:
        return "role"
    if any(r.sure and r.id in entry.roles for r in reports):
        return "reports"
    if in_scope(text, owner.role):
        return "description"
    return None
