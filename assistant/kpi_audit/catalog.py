"""The KPI catalog (knowledge/kpi_catalog.yaml) and name matching against it.

Matching a KPI name found in a real file runs three steps, first hit wins:

1. **alias**: the normalised name equals a catalog name or alias (confidence 1.0).
   Normalising lowercases, expands abbreviations (avg, hrs, pct, %), drops unit and
   period noise ("(hrs)", "%", "weekly") and plural endings.
2. **semantic**: cosine similarity between the KPI's name + description and each catalog
   entry, using the offline embedder in ``assistant.core.embeddings`` when it loads.
3. **lexical**: character-trigram and token overlap with every name and alias; used when
   the embedder is absent, and as a second chance when the semantic score is too low.

Below a step's threshold there is no match: the audit then judges the KPI on its own
definition rather than borrow a wrong catalog entry.
"""

from __future__ import annotations

import logging
import math
import re
from collections import Counter
from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from assistant.core.words import fold_plural
from assistant.domain.models import Direction, Unit

log = logging.getLogger(__name__)

CATALOG_FILE = "kpi_catalog.yaml"
SEMANTIC_MIN = 0.62  # MiniLM cosine (name vs alias) below this pairs unrelated metrics
LEXICAL_MIN = 0.58

VanityKind = Literal["no", "yes", "alone"]
StageFit = Literal["volume", "quality", "any"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RoleEntry(_Strict):
    """A role that can own KPIs, with the words that identify it in a job title."""

    id: str
    name: str
    aliases: list[str] = []
    loose: list[str] = Field([], description="Words that only suggest the role; the title's meaning decides.")
    description: str = Field("", description="What the role does, compared with a title by the embedder.")
    scope: list[str] = Field([], description="Words that, in a KPI's name or description, say it is this role's work.")
    influences_all: bool = Field(False, description="Founders and GMs can move any KPI.")


class CatalogEntry(_Strict):
    """One known KPI. See the header of kpi_catalog.yaml for the meaning of each field."""

    id: str
    name: str
    aliases: list[str] = []
    measures: str
    unit: Unit
    direction: Direction
    vanity: VanityKind
    vanity_reason: str
    gameable: bool
    guardrails: list[str] = []
    roles: list[str]
    stage: StageFit
    replacement: str | None = None
    exposes: str | None = Field(None, description="As a guardrail: the damage it shows.")


class Catalog(_Strict):
    version: int
    roles: list[RoleEntry]
    kpis: list[CatalogEntry] = Field(min_length=1)

    @model_validator(mode="after")
    def _references(self) -> Catalog:
        ids = [k.id for k in self.kpis]
        if len(ids) != len(set(ids)):
            raise ValueError("duplicate KPI id in catalog")
        kpi_ids, role_ids = set(ids), {r.id for r in self.roles}
        seen: dict[str, str] = {}
        for k in self.kpis:
            for ref in [*k.guardrails, *([k.replacement] if k.replacement else [])]:
                if ref not in kpi_ids or ref == k.id:
                    raise ValueError(f"{k.id}: bad guardrail/replacement reference {ref!r}")
            for role in k.roles:
                if role not in role_ids:
                    raise ValueError(f"{k.id}: unknown role {role!r}")
            for alias in [k.name, *k.aliases]:
                key = name_key(alias)
                if seen.setdefault(key, k.id) != k.id:
                    raise ValueError(f"alias {alias!r} of {k.id} collides with {seen[key]}")
        return self

    def get(self, kpi_id: str) -> CatalogEntry:
        return next(k for k in self.kpis if k.id == kpi_id)


class Match(_Strict):
    """A catalog entry a KPI name was matched to, and how sure the match is (0-1)."""

    entry: CatalogEntry
    confidence: float = Field(ge=0, le=1)
    how: Literal["alias", "semantic", "lexical"]

    @property
    def name(self) -> str:
        return self.entry.name


# ---------------------------------------------------------------- normalisation
_SYMBOLS = {"%": " percent ", "#": " number ", "&": " and ", "$": " currency ", "£": " currency ",
            "€": " currency ", "+": " plus "}
_EXPAND = {"avg": "average", "hrs": "hours", "hr": "hours", "h": "hours", "mins": "minutes",
           "min": "minutes", "pct": "percent", "perc": "percent", "no": "number", "num": "number",
           "nr": "number", "qty": "quantity", "rev": "revenue", "ttl": "total", "wk": "week",
           "mo": "month", "yr": "year", "cust": "customer", "cs": "support", "amt": "amount",
           "ecommerce": "e commerce"}
# Words that say how a number is expressed or how often, not what it is.
_NOISE = {"percent", "percentage", "hours", "minutes", "usd", "eur", "gbp", "currency", "dollars",
          "weekly", "monthly", "daily", "quarterly", "week", "month", "year", "the", "of", "on", "in",
          "a", "an", "our", "to", "for", "by", "rate"}
_PER_PERIOD = re.compile(r"\b(per|a|each|every)\s+(day|week|month|quarter|year|wk|mo)\b")


def tokens(text: str) -> list[str]:
    """Lowercased, abbreviation-expanded, stemmed word tokens of ``text``."""
    text = text.lower()
    for sym, word in _SYMBOLS.items():
        text = text.replace(sym, word)
    text = _PER_PERIOD.sub(" ", text)
    words = re.findall(r"[a-z0-9]+", text)
    out: list[str] = []
    for w in words:
        out.extend(_EXPAND.get(w, w).split())
    return [fold_plural(w) for w in out]


def name_key(text: str) -> str:
    """The key two spellings of the same KPI share ("ACoS %" and "acos" give "aco")."""
    toks = tokens(text)
    kept = [t for t in toks if t not in {fold_plural(n) for n in _NOISE}]
    return " ".join(kept or toks)


# ---------------------------------------------------------------- loading
def load_catalog(path: Path) -> Catalog:
    """Read and validate a catalog file (raises ``ValueError``/``ValidationError`` on a bad one)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return Catalog.model_validate(data)


@lru_cache
def get_catalog() -> Catalog:
    """The project catalog, validated once per process."""
    from assistant.settings import get_settings

    return load_catalog(get_settings().knowledge_dir / CATALOG_FILE)


# Per-catalog caches keyed by id(); the catalog itself is kept so the id stays valid.
_ALIASES: dict[int, tuple[Catalog, dict[str, CatalogEntry]]] = {}
_VECTORS: dict[int, tuple[Catalog, tuple[object, list[list[float]]] | None]] = {}


_MATCHES: dict[int, tuple[Catalog, dict]] = {}
MEMO_LIMIT = 50_000  # distinct KPI names or role titles remembered per catalog


def memo_for(store: dict[int, tuple[Catalog, dict]], catalog: Catalog) -> dict:
    if id(catalog) not in store or store[id(catalog)][0] is not catalog:
        store[id(catalog)] = (catalog, {})
    memo = store[id(catalog)][1]
    if len(memo) > MEMO_LIMIT:
        memo.clear()
    return memo


def _alias_index(catalog: Catalog) -> dict[str, CatalogEntry]:
    if id(catalog) not in _ALIASES:
        index = {name_key(a): k for k in catalog.kpis for a in [k.name, k.id, *k.aliases]}
        _ALIASES[id(catalog)] = (catalog, index)
    return _ALIASES[id(catalog)][1]


# ---------------------------------------------------------------- lexical similarity
def _trigrams(text: str) -> Counter[str]:
    padded = f"  {text} "
    return Counter(padded[i : i + 3] for i in range(len(padded) - 2))


def _cosine(a: Counter[str], b: Counter[str]) -> float:
    dot = sum(v * b[k] for k, v in a.items() if k in b)
    na = math.sqrt(sum(v * v for v in a.values()))
    nb = math.sqrt(sum(v * v for v in b.values()))
    return dot / (na * nb) if na and nb else 0.0


def lexical_similarity(name: str, alias: str) -> float:
    """0-1 similarity of a KPI name to a catalog alias.

    The mean of character-trigram cosine and token Dice, or, when every word of the alias
    appears in order in the name ("Sponsored Products ACOS" holds "acos"), a containment
    score that grows with the share of the name the alias covers.
    """
    ka, kb = name_key(name), name_key(alias)
    if not ka or not kb:
        return 0.0
    ta, tb = set(ka.split()), set(kb.split())
    dice = 2 * len(ta & tb) / (len(ta) + len(tb))
    score = 0.5 * _cosine(_trigrams(ka), _trigrams(kb)) + 0.5 * dice
    # containment is judged on the numerator only: "Defects per 1000 orders" is not "orders"
    head = name_key(re.split(r"\bper\b|/", name.lower(), maxsplit=1)[0])
    if head and f" {kb} " in f" {head} ":
        score = max(score, 0.6 + 0.4 * len(kb) / len(ka))
    return score


def unit_compatible(unit: str | None, entry: CatalogEntry) -> bool:
    """False when a KPI expressed as money, a rate or a time cannot be a catalog count
    ("Fulfilment cost per unit shipped" is not "Units shipped"), and when a count cannot be
    a money entry ("Sponsored Products impressions" is not "Ad-attributed sales")."""
    if unit == "count" and entry.unit == "currency":
        return False
    return not (entry.unit == "count" and unit in ("currency", "percent", "ratio", "hours", "days"))


def strip_notes(name: str) -> str:
    """The name without parenthetical notes: "Listing CVR (orders / sessions)" -> "Listing CVR"."""
    return re.sub(r"\([^)]*\)", " ", name).strip() or name


def lexical_match(name: str, catalog: Catalog | None = None, *, unit: str | None = None) -> Match | None:
    """Best catalog entry by lexical similarity of ``name`` to its names and aliases."""
    catalog = catalog or get_catalog()
    best: tuple[float, CatalogEntry] | None = None
    for entry in catalog.kpis:
        if not unit_compatible(unit, entry):
            continue
        score = max(lexical_similarity(name, a) for a in [entry.name, *entry.aliases])
        if best is None or score > best[0]:
            best = (score, entry)
    if best is None or best[0] < LEXICAL_MIN:
        return None
    # never 1.0: only an exact alias earns full confidence
    return Match(entry=best[1], confidence=round(min(best[0], 0.95), 2), how="lexical")


# ---------------------------------------------------------------- semantic similarity
def _entry_texts(catalog: Catalog) -> tuple[list[str], list[int]]:
    """Every name, alias and "name: what it measures" text, with the entry index it belongs to.

    One vector per alias beats one per entry: a short KPI name sits closest to a short alias.
    """
    texts: list[str] = []
    owners: list[int] = []
    for i, k in enumerate(catalog.kpis):
        for text in [k.name, *k.aliases, f"{k.name}: {k.measures}"]:
            texts.append(text)
            owners.append(i)
    return texts, owners


def _catalog_vectors(catalog: Catalog) -> tuple[object, list[list[float]]] | None:
    """(embedder, vectors of ``_entry_texts``), computed once per process; None if unavailable."""
    if id(catalog) not in _VECTORS:
        _VECTORS[id(catalog)] = (catalog, _embed_catalog(catalog))
    return _VECTORS[id(catalog)][1]


def _embed_catalog(catalog: Catalog) -> tuple[object, list[list[float]]] | None:
    from assistant.core.embeddings import EmbeddingUnavailable, get_embedder

    try:
        embedder = get_embedder()
        return embedder, embedder.embed(_entry_texts(catalog)[0])
    except (EmbeddingUnavailable, OSError, ImportError, RuntimeError) as exc:
        log.info("KPI matching falls back to lexical similarity: %s", exc)
        return None


def semantic_match(name: str, description: str = "", catalog: Catalog | None = None, *,
                   unit: str | None = None) -> Match | None:
    """Best catalog entry by embedding similarity; None when no embedder or below threshold."""
    catalog = catalog or get_catalog()
    loaded = _catalog_vectors(catalog)
    if loaded is None:
        return None
    embedder, vectors = loaded
    queries = [name] + ([f"{name}: {description}"] if description else [])
    try:
        query_vectors = embedder.embed(queries)  # type: ignore[attr-defined]
    except (OSError, RuntimeError) as exc:
        log.info("embedding the KPI name failed, lexical fallback: %s", exc)
        return None
    owners = _entry_texts(catalog)[1]
    best_score, best_entry = -1.0, 0
    for qv in query_vectors:
        for owner, vec in zip(owners, vectors, strict=True):
            if not unit_compatible(unit, catalog.kpis[owner]):
                continue
            score = sum(x * y for x, y in zip(qv, vec, strict=True))
            if score > best_score:
                best_score, best_entry = score, owner
    if best_score < SEMANTIC_MIN:
        return None
    return Match(entry=catalog.kpis[best_entry], confidence=round(min(1.0, best_score), 2), how="semantic")


# ---------------------------------------------------------------- the public matcher
def match(name: str, description: str = "", *, unit: str | None = None, semantic: bool = True,
          catalog: Catalog | None = None) -> Match | None:
    """The catalog entry a KPI called ``name`` most likely is, or None.

    Parenthetical notes ("(hrs)", "(orders / sessions)") are dropped first. ``unit``, when
    given, rules out count entries for money, rate and time KPIs. ``semantic=False`` skips
    the embedder (deterministic lexical path, used by tests).
    """
    catalog = catalog or get_catalog()
    # Memoised per catalog: a 1,000-person org repeats the same few hundred KPI names, and a
    # semantic match embeds the name and scores it against every catalog vector.
    memo = memo_for(_MATCHES, catalog)
    key = (name, description, unit, semantic)
    if key not in memo:
        memo[key] = _match(name, description, unit=unit, semantic=semantic, catalog=catalog)
    return memo[key]


def _match(name: str, description: str, *, unit: str | None, semantic: bool, catalog: Catalog) -> Match | None:
    index = _alias_index(catalog)
    entry = index.get(name_key(strip_notes(name))) or index.get(name_key(name))
    if entry is not None:
        return Match(entry=entry, confidence=1.0, how="alias")
    name = strip_notes(name)
    if semantic:
        found = semantic_match(name, description, catalog, unit=unit)
        if found is not None:
            return found
    return lexical_match(name, catalog, unit=unit)
