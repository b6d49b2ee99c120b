"""Which of a quarter's objectives each KPI serves: confirmed by a founder, or suggested by meaning.

Every quarter brings objectives with new keys, so a KPI's ``objective_key`` (last quarter's)
says little about next quarter. A suggestion compares the objective's title with what the KPI
is: its name, description, unit, its owner's role, and the title of the objective it served
last quarter (which carries the intent across a rename: "Protect margin" -> "Gross margin back
above 35%"). Two readings are combined:

- meaning: cosine similarity of the bundled embedder's vectors (MiniLM, 0-1 for these texts);
- words: the share of the objective title's content words the KPI's texts also use, after
  folding plurals and endings (``core/words.py``);

plus a bonus when the objective keeps the key the KPI already points at. A KPI whose best
score stays under ``MIN_CONFIDENCE`` serves none of the objectives: a retire/demote candidate,
with the reason stated against this quarter's titles.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlmodel import Session, col, select

from assistant.core.embeddings import EmbeddingUnavailable, cosine, remembered
from assistant.core.words import STOP_WORDS, fold_plural, strip_endings
from assistant.domain.calendar import previous_quarter
from assistant.domain.kpis import visible_kpis
from assistant.domain.models import Kpi, KpiLink, Objective, Person, utcnow
from assistant.domain.quarters import quarter_objectives, require_founder
from assistant.domain.schemas import KpiLinkPublic
from assistant.errors import InvalidInput, NotFound

MIN_CONFIDENCE = 0.2
"""Below this the best objective is not a plausible link (measured on the demo and test orgs:
a KPI against an unrelated objective scores 0.05-0.17, a related pair 0.23 and up)."""
MEANING_WEIGHT, WORDS_WEIGHT, SAME_KEY_BONUS = 0.6, 0.4, 0.3
# Words every objective and KPI shares in this trade: they say nothing about which one.
FILLER = STOP_WORDS | {"back", "above", "below", "under", "over", "keep", "get", "make", "per", "rate", "q1", "q2",
                       "q3", "q4", "quarter", "kpi", "goal", "target", "more", "less", "every", "each", "all"}


@dataclass
class Link:
    kpi: Kpi
    objective: Objective | None
    status: str  # confirmed | suggested
    confidence: float
    reason: str

    def public(self) -> KpiLinkPublic:
        o = self.objective
        return KpiLinkPublic(kpi=self.kpi.key, kpi_name=self.kpi.name, owner_id=self.kpi.owner_id,
                             objective=o.key if o else None, objective_title=o.title if o else None,
                             status=self.status, confidence=round(self.confidence, 2), reason=self.reason)


def _words(text: str) -> set[str]:
    return {strip_endings(fold_plural(w)) for w in re.findall(r"[a-z][a-z0-9]+", text.lower())
            if w not in FILLER and len(w) > 2}


def _last_objective(session: Session, kpi: Kpi, quarter: str) -> Objective | None:
    """The objective ``kpi`` served the quarter before ``quarter``: its confirmed link there, else
    the objective with its ``objective_key`` in the latest earlier quarter that has one."""
    before = previous_quarter(quarter)
    link = session.exec(select(KpiLink).where(KpiLink.quarter_id == before, KpiLink.kpi_id == kpi.id)).first()
    if link is not None:
        return session.get(Objective, link.objective_id) if link.objective_id else None
    if not kpi.objective_key:
        return None
    return session.exec(select(Objective).where(Objective.key == kpi.objective_key, Objective.quarter_id < quarter)
                        .order_by(col(Objective.quarter_id).desc())).first()


def _kpi_text(kpi: Kpi, role: str | None, last: Objective | None) -> str:
    parts = [kpi.name, kpi.description, f"measured in {kpi.unit}"]
    parts += [f"owned by the {role}"] if role else []
    parts += [f"last quarter it served: {last.title}"] if last else []
    return ". ".join(p for p in parts if p)


def _meanings(texts: list[str]) -> list[list[float]] | None:
    try:
        return remembered(texts)  # KPI and objective texts: fixed until edited
    except EmbeddingUnavailable:
        return None  # the word overlap alone still ranks; the reason says meaning was not read


def suggest(session: Session, kpis: list[Kpi], objectives: list[Objective], quarter: str) -> dict[int, Link]:
    """The best objective for each KPI by meaning and words, or None under ``MIN_CONFIDENCE``."""
    if not kpis:
        return {}
    roles = {p.id: p.role for p in session.exec(select(Person).where(
        col(Person.id).in_({k.owner_id for k in kpis if k.owner_id})))}
    lasts = {k.id: _last_objective(session, k, quarter) for k in kpis}
    texts = [_kpi_text(k, roles.get(k.owner_id) or k.role, lasts[k.id]) for k in kpis]
    vectors = _meanings(texts + [o.title for o in objectives]) if objectives else None
    out: dict[int, Link] = {}
    for i, kpi in enumerate(kpis):
        last = lasts[kpi.id]
        # Last quarter's title carries intent across a rename, but counts half: a KPI's own
        # words ('repeat contact rate') outweigh the objective it happened to serve before.
        kpi_words = _words(_kpi_text(kpi, roles.get(kpi.owner_id) or kpi.role, None))
        last_words = _words(last.title) - kpi_words if last else set()
        scored = []
        for j, o in enumerate(objectives):
            title_words = _words(o.title)
            shared = sorted(title_words & (kpi_words | last_words))
            weight_shared = len(title_words & kpi_words) + 0.5 * len(title_words & last_words)
            lexical = weight_shared / len(title_words) if title_words else 0.0
            meaning = max(0.0, cosine(vectors[i], vectors[len(kpis) + j])) if vectors else 0.0
            same_key = SAME_KEY_BONUS if kpi.objective_key and o.key == kpi.objective_key else 0.0
            weight = MEANING_WEIGHT if vectors else 0.0
            score = min(1.0, weight * meaning + (WORDS_WEIGHT if vectors else 1.0) * lexical + same_key)
            scored.append((score, o, shared, meaning, bool(same_key)))
        if not scored:
            out[kpi.id] = Link(kpi, None, "suggested", 0.0, f"{quarter} has no objectives yet.")
            continue
        score, best, shared, meaning, same_key = max(scored, key=lambda s: s[0])
        if score < MIN_CONFIDENCE:
            out[kpi.id] = Link(kpi, None, "suggested", 1.0 - score,
                               f"serves none of {quarter}'s {len(objectives)} objectives: the closest, "
                               f"'{best.title}', matches at only {score:.2f}.")
            continue
        inherited = [w for w in shared if last and w in _words(last.title) and w not in _words(kpi.name)]
        own = [w for w in shared if w not in inherited]
        why = [f"shares '{', '.join(own)}' with it"] if own else []
        why += [f"served '{last.title}' last quarter, which shares '{', '.join(inherited)}'"] if inherited else []
        why += [f"close in meaning ({meaning:.2f})"] if vectors and meaning >= 0.3 else []
        why += ["keeps the key it pointed at"] if same_key else []
        out[kpi.id] = Link(kpi, best, "suggested", score, f"{kpi.name} {'; '.join(why) or 'is the closest match'}.")
    return out


def links_for(session: Session, kpis: list[Kpi], quarter: str) -> dict[int, Link]:
    """Each KPI's link in ``quarter``: the confirmed one where a founder set it, else the suggestion."""
    objectives = quarter_objectives(session, quarter)
    confirmed = {row.kpi_id: row for row in session.exec(select(KpiLink).where(
        KpiLink.quarter_id == quarter, col(KpiLink.kpi_id).in_([k.id for k in kpis])))}
    live = {o.id: o for o in objectives}
    open_kpis = [k for k in kpis if k.id not in confirmed or
                 (confirmed[k.id].objective_id and confirmed[k.id].objective_id not in live)]
    out = suggest(session, open_kpis, objectives, quarter)
    for kpi in kpis:
        row = confirmed.get(kpi.id)
        if kpi.id in out or row is None:
            continue
        o = live.get(row.objective_id) if row.objective_id else None
        reason = (f"confirmed on {row.confirmed_at:%Y-%m-%d}" if o else
                  f"confirmed on {row.confirmed_at:%Y-%m-%d} as serving none of {quarter}'s objectives")
        out[kpi.id] = Link(kpi, o, "confirmed", 1.0, reason)
    return {k.id: out[k.id] for k in kpis}


def visible_links(session: Session, viewer: Person, quarter: str) -> list[Link]:
    """The links of every KPI the viewer may see, for ``quarter``."""
    kpis = visible_kpis(session, viewer)
    return list(links_for(session, kpis, quarter).values())


def confirm_link(session: Session, viewer: Person, quarter: str, kpi_key: str, objective_key: str | None) -> Link:
    """A founder's answer for one KPI in ``quarter``: an objective of that quarter, or None (serves none)."""
    require_founder(viewer, "confirms which objective a KPI serves")
    kpi = session.exec(select(Kpi).where(Kpi.key == kpi_key)).first()
    if kpi is None:
        raise NotFound(f"KPI {kpi_key!r} not found")
    objective = None
    if objective_key is not None:
        objective = next((o for o in quarter_objectives(session, quarter) if o.key == objective_key), None)
        if objective is None:
            raise InvalidInput(f"objective: {quarter} has no objective {objective_key!r} in force")
    row = session.exec(select(KpiLink).where(KpiLink.quarter_id == quarter, KpiLink.kpi_id == kpi.id)).first()
    row = row or KpiLink(quarter_id=quarter, kpi_id=kpi.id, confirmed_by_id=viewer.id)
    row.objective_id, row.confirmed_by_id = (objective.id if objective else None), viewer.id
    row.confirmed_at = utcnow()
    session.add(row)
    session.flush()
    return links_for(session, [kpi], quarter)[kpi.id]


def closest_objective(text: str, objectives: list[Objective]) -> Objective | None:
    """The objective ``text`` (a role and what it does) is nearest in meaning and words: for a
    person with no linkable KPI, the objective their role could serve."""
    if not objectives:
        return None
    vectors = _meanings([text] + [o.title for o in objectives])
    words = _words(text)

    def score(j: int) -> float:
        title = _words(objectives[j].title)
        lexical = len(title & words) / len(title) if title else 0.0
        return (MEANING_WEIGHT * cosine(vectors[0], vectors[j + 1]) if vectors else 0.0) + WORDS_WEIGHT * lexical

    return objectives[max(range(len(objectives)), key=score)]


def names(title: str, phrases: list[str]) -> bool:
    """Whether an objective's ``title`` names one of ``phrases`` (a KPI's name, its catalog name and
    aliases): every content word of the phrase is in the title ("Returns under 4% of orders" names
    'return rate'; "Repeat purchase rate to 30%" does not name 'repeat contact rate'). A one-word
    phrase counts only from four letters on, so 'cr' or 'aov' never match by accident."""
    words = _words(title)
    for phrase in phrases:
        wanted = _words(phrase)
        if wanted and wanted <= words and (len(wanted) > 1 or len(next(iter(wanted))) >= 4):
            return True
    return False

