"""Which visible KPI guards a KPI, found with small queries.

Why a module: the goals draft used to load every KPI the viewer may see (8,000 rows for a
founder at 1,000 people) and match each to the catalog, to answer two questions about the
subject's few KPIs. These answer them directly, with the same results: the declared
guardrail when the viewer may see it, else the lowest-id visible KPI that is a given
catalog entry (the old scan's first hit in id order).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, or_
from sqlmodel import Session, col, select

from assistant.domain.models import Kpi, Person
from assistant.domain.team import visible_person_ids
from assistant.kpi_audit.catalog import match as catalog_match


class VisibleKpis:
    """Lookups over the KPIs ``viewer`` may see (the same scope as ``kpis.visible_kpis``)."""

    def __init__(self, session: Session, viewer: Person) -> None:
        self.session = session
        self.viewer = viewer
        self._people: set[int] | None = None
        self._by_entry: dict[str, set[tuple[str, str, str]]] | None = None

    def _scoped(self, q: Any) -> Any:
        if self.viewer.access == "founder":
            return q
        if self._people is None:
            self._people = visible_person_ids(self.session, self.viewer)
        return q.where(col(Kpi.owner_id).in_(self._people))

    def owned_by(self, owner_id: int) -> list[Kpi]:
        return list(self.session.exec(self._scoped(select(Kpi).where(Kpi.owner_id == owner_id)
                                                   .order_by(Kpi.id))).all())

    def by_id(self, kpi_id: int) -> Kpi | None:
        return self.session.exec(self._scoped(select(Kpi).where(Kpi.id == kpi_id))).first()

    def first_of_entry(self, entry_id: str, *, exclude_key: str) -> Kpi | None:
        """The lowest-id visible KPI other than ``exclude_key`` that the catalog matches to ``entry_id``."""
        if self._by_entry is None:
            # A match depends only on (name, description, unit): a few hundred distinct
            # definitions stand for thousands of KPIs (and the match is memoised on them).
            self._by_entry = {}
            rows = self.session.exec(self._scoped(select(Kpi.name, Kpi.description, Kpi.unit).distinct())).all()
            for name, description, unit in rows:
                m = catalog_match(name, description, unit=unit)
                if m is not None:
                    self._by_entry.setdefault(m.entry.id, set()).add((name, description, unit))
        wanted = self._by_entry.get(entry_id)
        if not wanted:
            return None
        same = or_(*[and_(Kpi.name == n, Kpi.description == d, Kpi.unit == u) for n, d, u in sorted(wanted)])
        q = self._scoped(select(Kpi).where(same, Kpi.key != exclude_key).order_by(Kpi.id).limit(1))
        return self.session.exec(q).first()
