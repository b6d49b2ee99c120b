"""Which KPI guards which: declared, the same owner's, the owner's team's, a nearby colleague's.

A KPI's guardrails, in this order:

1. **declared**: the KPI names its guardrail. Gaming is then judged by that one alone; a
   catalog guess never overrides what the team wrote down.
2. **same owner** (inferred from the catalog): a counter-metric of the KPI's catalog entry
   that the same person tracks (a KPI assigned to a role counts as that role's).
3. **team** (inferred, only when 2 finds none): one that the owner's team tracks: their
   manager, one of their reports, or a colleague under the same manager whose title reads
   as the same function. The flag then names whose it is.
4. **nearby**: a colleague under the same manager in another function (the PPC
   specialist's TACOS beside the account manager's organic rank). It pairs the KPI on the
   team's page, so no "no guardrail" warning, but its moves follow that colleague's
   decisions and are never read as evidence about this owner.

Anything further away is "tracked only elsewhere": no pairing at all.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from assistant.kpi_audit.catalog import CatalogEntry, Match
from assistant.kpi_audit.facts import KpiFacts
from assistant.kpi_audit.roles import RoleMatch

Source = Literal["declared", "same owner", "team"]


@dataclass(frozen=True)
class Guard:
    """A guardrail read as evidence, and how it was found."""

    kpi: KpiFacts
    source: Source


@dataclass
class Ctx:
    """One KPI with everything found around it."""

    kpi: KpiFacts
    match: Match | None
    declared: KpiFacts | None = None
    inferred: list[Guard] = field(default_factory=list)  # same owner, else team: one tier only
    nearby: list[KpiFacts] = field(default_factory=list)
    elsewhere: list[KpiFacts] = field(default_factory=list)
    checks: list[KpiFacts] = field(default_factory=list)  # every same-owner or team counter-metric found
    guards: list[KpiFacts] = field(default_factory=list)  # KPIs this one is a check on
    index: Index | None = None

    def owned(self, entry_id: str) -> KpiFacts | None:
        """A KPI of the same owner that the catalog reads as ``entry_id`` (not this one)."""
        if self.index is None or not self.kpi.owner_email:
            return None
        found = self.index.by_email.get((entry_id, self.kpi.owner_email.lower()), [])
        return next((x for x in found if x.key != self.kpi.key), None)

    @property
    def entry(self) -> CatalogEntry | None:
        return self.match.entry if self.match else None

    @property
    def evidence(self) -> list[Guard]:
        """The guardrails the gaming check reads: the declared one, else the inferred ones."""
        return [Guard(self.declared, "declared")] if self.declared else self.inferred

    @property
    def paired(self) -> KpiFacts | None:
        """The guardrail shown beside the KPI: evidence first, else a nearby colleague's."""
        ev = self.evidence
        return ev[0].kpi if ev else (self.nearby[0] if self.nearby else None)

    @property
    def declared_missing(self) -> bool:
        return bool(self.kpi.guardrail_key) and self.declared is None


def _email(k: KpiFacts) -> str | None:
    return k.owner_email.lower() if k.owner_email else None


def _role(k: KpiFacts) -> str:
    return (k.owner_role or "").lower()


class Index:
    """KPIs by (catalog entry, owner email), (entry, role) and (entry, owner's manager)."""

    def __init__(self, kpis: list[KpiFacts], matches: dict[str, Match | None]) -> None:
        self.by_entry: dict[str, list[KpiFacts]] = {}
        self.by_email: dict[tuple[str, str], list[KpiFacts]] = {}
        self.by_role: dict[tuple[str, str], list[KpiFacts]] = {}
        self.by_manager: dict[tuple[str, str], list[KpiFacts]] = {}
        for k in kpis:
            m = matches.get(k.key)
            if m is None:
                continue
            eid = m.entry.id
            self.by_entry.setdefault(eid, []).append(k)
            if _email(k):
                self.by_email.setdefault((eid, _email(k)), []).append(k)
            if _role(k):
                self.by_role.setdefault((eid, _role(k)), []).append(k)
            if k.owner_manager:
                self.by_manager.setdefault((eid, k.owner_manager.lower()), []).append(k)


def same_owner(a: KpiFacts, b: KpiFacts) -> bool:
    """Same person; a KPI assigned to a role (no person) counts as that role's."""
    if a.owner_email and b.owner_email:
        return a.owner_email.lower() == b.owner_email.lower()
    return bool(_role(a) and _role(a) == _role(b))


def build(kpis: list[KpiFacts], matches: dict[str, Match | None], role_of: Any) -> dict[str, Ctx]:
    """A context per KPI. ``role_of(title) -> RoleMatch | None`` reads a job title."""
    by_key = {k.key: k for k in kpis}
    index = Index(kpis, matches)
    ctxs: dict[str, Ctx] = {}
    for k in kpis:
        c = Ctx(kpi=k, match=matches.get(k.key), index=index)
        if k.guardrail_key and k.guardrail_key != k.key:
            c.declared = by_key.get(k.guardrail_key)
        if c.entry is not None:
            _infer(c, index, role_of)
        ctxs[k.key] = c
    # "x guards y" reads only the pair (y declares x, or x is a same-owner or team counter-metric
    # of y), never which of y's guardrails wins, so an audit of one owner's KPIs can tell it
    # from the KPIs around them alone
    for c in ctxs.values():
        for x in ([c.declared] if c.declared else []) + c.checks:
            if x.key in ctxs and x.key != c.kpi.key:
                ctxs[x.key].guards.append(c.kpi)
    return ctxs


def _infer(c: Ctx, index: Index, role_of: Any) -> None:
    k, entry = c.kpi, c.entry
    assert entry is not None
    same: list[KpiFacts] = []
    team: list[KpiFacts] = []
    email, manager = _email(k), (k.owner_manager or "").lower()
    mine = role_of(k.owner_role) if k.owner_role else None
    for gid in entry.guardrails:
        if email:
            same += index.by_email.get((gid, email), [])
            same += [x for x in index.by_role.get((gid, _role(k)), []) if x.owner_email is None]
        elif _role(k):
            same += index.by_role.get((gid, _role(k)), [])
        if not email:
            continue
        team += index.by_email.get((gid, manager), []) if manager else []  # the manager's
        team += index.by_manager.get((gid, email), [])  # the reports'
        for x in index.by_manager.get((gid, manager), []) if manager else []:  # colleagues
            if _email(x) == email:
                continue
            (team if _same_function(mine, role_of(x.owner_role)) else c.nearby).append(x)
    same = _unique(x for x in same if x.key != k.key)
    team = _unique(team)
    c.inferred = [Guard(x, "same owner") for x in same] or [Guard(x, "team") for x in team]
    c.checks = same + [x for x in team if x.key not in {s.key for s in same}]
    near = {x.key for x in c.nearby} | {g.kpi.key for g in c.inferred}
    if not c.inferred and not c.nearby:
        for gid in entry.guardrails:
            c.elsewhere += [x for x in index.by_entry.get(gid, [])[:5] if x.key != k.key and x.key not in near]


def _same_function(a: RoleMatch | None, b: RoleMatch | None) -> bool:
    return a is not None and b is not None and a.sure and b.sure and a.id == b.id


def _unique(items: Any) -> list[KpiFacts]:
    seen: dict[str, KpiFacts] = {}
    for x in items:
        seen.setdefault(x.key, x)
    return list(seen.values())
