"""Amounts on text with Unicode look-alikes: the pattern matches case-insensitively, and under
Unicode rules "ſ" (long s) folds to "s", "ı" (dotless i) matches "i" and "K" (Kelvin sign) "k";
a match must never be a lookup that fails and costs the article all its amounts."""

from __future__ import annotations

from services.enrich.mentions import amounts


def test_a_long_s_number_word_is_read_and_the_other_amounts_are_kept() -> None:
    found = amounts("ſix people died and 40% of the town was flooded, costing $5 million.")
    assert [(a.value, a.unit) for a in found] == [(6.0, "people"), (40.0, "percent"), (5e6, "USD")]


def test_a_dotless_i_look_alike_is_no_number_and_breaks_nothing() -> None:
    found = amounts("fıve people were hurt; 12 people were treated.")
    assert [(a.value, a.unit) for a in found] == [(12.0, "people")]


def test_a_look_alike_scale_word_is_not_taken_as_no_scale() -> None:
    # "mıllion" is no scale word: the amount is not 5 (nor 5 million); the next one is still read.
    found = amounts("a bill of $5 mıllion and a fine of €2 million")
    assert (2e6, "EUR") in [(a.value, a.unit) for a in found]
    assert all(a.value != 5.0 for a in found)
