"""The assessment of a person's week: one typed judgement every draft, page and prompt reads.

``assess(session, person, week, viewer=...)`` computes it from SQL: KPI readings with honest
trends and audit verdicts, goals and their progress, blocker threads, self-report runs,
cadence (and for a manager, their reports' rhythm), wins worth recognising, check-in
quality and the data's age. Nothing downstream judges again. Drafts and pages read it through
``assessment_for``: stored when its inputs last changed (``stored.py``), computed on a miss.
"""

from assistant.assessment.build import assess
from assistant.assessment.model import Assessment, BlockerThread, KpiReading, TrendReading
from assistant.assessment.stored import assessment_for

__all__ = ["Assessment", "BlockerThread", "KpiReading", "TrendReading", "assess", "assessment_for"]
