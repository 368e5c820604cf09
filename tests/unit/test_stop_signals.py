"""Ctrl-C and SIGTERM: the first drains, the same one delivered twice is one, a later second stops at once."""

from __future__ import annotations

from newswire_cli.run import SAME_SIGNAL_S, StopSignals


def test_the_first_signal_drains_a_repeat_at_once_is_the_same_and_a_later_one_stops_now() -> None:
    signals = StopSignals()
    assert signals.received(100.0) == "drain"
    assert signals.received(100.0 + SAME_SIGNAL_S / 10) == "same"  # `uv run` forwarding the terminal's Ctrl-C
    assert signals.received(100.0 + SAME_SIGNAL_S * 0.99) == "same"
    assert signals.received(100.0 + SAME_SIGNAL_S) == "now"  # the user's second Ctrl-C
    assert signals.received(100.0 + 60) == "now"
