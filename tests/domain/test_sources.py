"""Source ids: what the builders spell is what parse_source reads back."""

from datetime import date

import pytest

from assistant.domain.sources import (
    checkin_source,
    kpi_source,
    meeting_source,
    parse_source,
    playbook_source,
)


def test_builders_spell_the_documented_ids():
    assert checkin_source(12) == "checkin:12"
    assert meeting_source(4) == "meeting:4"
    assert kpi_source("ppc-tacos", date(2026, 9, 7)) == "kpi:ppc-tacos@2026-09-07"
    assert kpi_source("ppc-tacos", "2026-09-07") == "kpi:ppc-tacos@2026-09-07"
    assert playbook_source("gaming-acos") == "playbook:gaming-acos"


def test_parse_reads_back_what_the_builders_wrote():
    assert parse_source(checkin_source(12)).record_id == 12
    assert parse_source(meeting_source(4)).kind == "meeting"
    kpi = parse_source(kpi_source("ppc-tacos", date(2026, 9, 7)))
    assert (kpi.kind, kpi.kpi_key, kpi.day, kpi.period) == ("kpi", "ppc-tacos", "2026-09-07", date(2026, 9, 7))
    pb = parse_source(playbook_source("gaming-acos"))
    assert (pb.kind, pb.ref, pb.record_id, pb.kpi_key) == ("playbook", "gaming-acos", None, None)


@pytest.mark.parametrize("source", ["checkin:abc", "checkin:", "meeting:²", "checkin", "kpi:12"])
def test_an_id_naming_no_row_has_no_record_id(source):
    assert parse_source(source).record_id is None


@pytest.mark.parametrize("source", ["kpi:acos", "kpi:acos@", "kpi:acos@2026-13-45", "kpi:acos@yesterday",
                                    "checkin:2026-09-07"])
def test_a_kpi_id_without_a_real_date_has_no_period(source):
    assert parse_source(source).period is None


def test_unknown_kinds_pass_through_for_the_caller_to_judge():
    src = parse_source("goal:7")
    assert (src.kind, src.ref, src.record_id) == ("goal", "7", None)
