"""Source ids: the citable names of the records a draft rests on, built and read only here.

A draft cites ``checkin:<id>``, ``meeting:<id>``, ``kpi:<key>@<YYYY-MM-DD>`` (one stored
KPI value) or ``playbook:<section id>``. The pipeline hands the model a set of these ids,
the grounding guard accepts only ids from that set, pages turn them into links and the
eval runner looks each one up again; all of them must agree on the spelling, so the
spelling lives in this one module.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

KINDS = ("checkin", "kpi", "playbook", "meeting")
IN_TEXT = r"(?:" + "|".join(KINDS) + r"):[\w.@-]+"
"""An unanchored regex fragment that finds a source id inside prose (the guard strips them
before it looks for figures, so the digits of an id never count as a number)."""
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def checkin_source(checkin_id: int) -> str:
    """``checkin:<id>``: one weekly check-in."""
    return f"checkin:{checkin_id}"


def meeting_source(meeting_id: int) -> str:
    """``meeting:<id>``: one 1:1."""
    return f"meeting:{meeting_id}"


def kpi_source(key: str, period: date | str) -> str:
    """``kpi:<key>@<YYYY-MM-DD>``: the value of KPI ``key`` stored for ``period``."""
    day = period.isoformat() if isinstance(period, date) else period
    return f"kpi:{key}@{day}"


def playbook_source(section_id: str) -> str:
    """``playbook:<section id>``: one section of the playbook."""
    return f"playbook:{section_id}"


@dataclass(frozen=True)
class SourceRef:
    """A source id taken apart. ``kind`` is the text before the first colon (which may be a
    kind no record has: the caller decides what an unknown kind means), ``ref`` the rest."""

    kind: str
    ref: str

    @property
    def record_id(self) -> int | None:
        """The row id of a check-in or a 1:1, or None when the id names no row."""
        if self.kind not in ("checkin", "meeting") or not self.ref.isdigit():
            return None
        try:
            return int(self.ref)
        except ValueError:  # isdigit() also admits digits int() refuses, such as '²'
            return None

    @property
    def kpi_key(self) -> str | None:
        """The KPI key of a ``kpi:`` id (the part before ``@``)."""
        return self.ref.partition("@")[0] if self.kind == "kpi" else None

    @property
    def day(self) -> str:
        """The text after ``@`` in a ``kpi:`` id, as written ('' when there is none)."""
        return self.ref.partition("@")[2] if self.kind == "kpi" else ""

    @property
    def period(self) -> date | None:
        """The date of a ``kpi:`` id, or None when it carries no valid YYYY-MM-DD date."""
        day = self.day
        if not _DAY.fullmatch(day):
            return None
        try:
            return date.fromisoformat(day)
        except ValueError:
            return None


def parse_source(source: str) -> SourceRef:
    """Take a source id apart; never raises (a malformed id yields fields a lookup will miss)."""
    kind, _, ref = source.partition(":")
    return SourceRef(kind=kind, ref=ref)


def cited(content: Any) -> list[str]:
    """Every source id under a ``sources`` key anywhere in ``content`` (dicts and lists, nested),
    in the order first cited, each once."""
    found: dict[str, None] = {}

    def walk(obj: Any) -> None:
        if isinstance(obj, dict):
            for k, v in obj.items():
                if k == "sources" and isinstance(v, list):
                    found.update((str(x), None) for x in v if isinstance(x, str))
                else:
                    walk(v)
        elif isinstance(obj, list):
            for v in obj:
                walk(v)

    walk(content)
    return list(found)
