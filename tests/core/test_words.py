"""Word normalisation shared by the catalog, the check-in heuristics and search."""

import pytest

from assistant.core.words import CHECKIN_STOP_WORDS, SEARCH_STOP_WORDS, STOP_WORDS, fold_plural, strip_endings


@pytest.mark.parametrize(("word", "folded"), [
    ("priorities", "priority"), ("orders", "order"), ("class", "class"), ("ties", "tie"),
    ("bus", "bus"), ("is", "is"), ("team's", "team's"), ("acos", "aco"),
])
def test_fold_plural_takes_off_a_plural_ending_only(word, folded):
    assert fold_plural(word) == folded


@pytest.mark.parametrize(("word", "stripped"), [
    ("delays", "delay"), ("delayed", "delay"), ("delaying", "delay"), ("supplier", "suppli"),
    ("supply", "supp"), ("red", "red"), ("shipping", "shipp"),
])
def test_strip_endings_keeps_three_letters(word, stripped):
    assert strip_endings(word) == stripped


def test_each_list_adds_its_own_filler_to_the_shared_core():
    assert STOP_WORDS < SEARCH_STOP_WORDS and STOP_WORDS < CHECKIN_STOP_WORDS
    assert {"next", "week", "still"} <= CHECKIN_STOP_WORDS - SEARCH_STOP_WORDS
    assert {"how", "why"} <= SEARCH_STOP_WORDS - CHECKIN_STOP_WORDS
