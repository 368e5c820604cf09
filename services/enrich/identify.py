"""py3langid's language identifier, its byte automaton walked at numpy speed.

py3langid finds its features (byte n-grams) by walking a DFA over the text's UTF-8 bytes, one byte
at a time in a Python loop: two thirds of the cost of identifying a news article. The DFA is an
Aho-Corasick automaton: the state after a byte is the longest suffix of the bytes read so far that
starts a feature, so it depends only on the last few bytes (SYNC: six for the model shipped with
py3langid 0.4.0, checked once for every state and every six bytes). Each position's state is
therefore found by walking its last SYNC bytes from the start state, all positions at once, SYNC
array steps in all.

The walk is then checked, exactly, in one more array step: a sequence of states is the automaton's
walk over the text if and only if each state is the transition of the one before it on its byte
(the first, of the start state), so for any model that does not synchronise within SYNC bytes the
check fails and the text is walked byte by byte as py3langid does. The features are counted in the
order of their first occurrence, as py3langid's Counter does, and scored by py3langid's own code:
the scores are the library's to the last bit.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
from py3langid.langid import (  # type: ignore[import-untyped]  # ships no type hints
    MODEL_FILE,
    LanguageIdentifier,
)

SYNC = 6

Ints = npt.NDArray[np.intp]


class Identifier(LanguageIdentifier):  # type: ignore[misc]  # the base class is untyped
    """A LanguageIdentifier whose feature walk is vectorised (see the module's docstring)."""

    __slots__ = ("_base", "_feature", "_features", "_next")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # the deduplicated 256-entry rows (some 10 million entries): a view of py3langid's array, not a copy
        self._next = np.frombuffer(self.tk_nextmove, dtype=np.dtype(self.tk_nextmove.typecode))
        self._base: Ints = np.asarray(self.tk_row, dtype=np.intp) << 8  # state -> offset of its row
        self._feature: Ints = np.asarray(self.tk_output, dtype=np.intp)  # state -> feature, or -1
        self._features = int(self._feature.max()) + 1

    def states(self, data: bytes) -> Ints | None:
        """The automaton's state after each byte of data, or None if it does not synchronise within SYNC bytes."""
        n = len(data)
        text = np.frombuffer(data, dtype=np.uint8).astype(np.intp)
        states = np.zeros(n, dtype=np.intp)
        for k in range(SYNC):  # position i reads bytes i-SYNC+1 .. i (those that exist) from the start state
            lo = SYNC - 1 - k
            if lo < n:
                states[lo:] = self._next[self._base[states[lo:]] + text[: n - lo]]
        # exact check: each state is the transition of the one before it (of the start state, for the first)
        before = np.empty(n, dtype=np.intp)
        before[0] = 0
        before[1:] = states[:-1]
        if not np.array_equal(self._next[self._base[before] + text], states):
            return None
        return states

    def _raw_score(self, text: Any) -> Any:
        if not isinstance(text, bytes) or not text:
            return super()._raw_score(text)
        states = self.states(text)
        if states is None:
            return super()._raw_score(text)  # py3langid's walk, byte by byte
        features = self._feature[states]
        features = features[features >= 0]
        n = len(features)
        if not n:
            return super()._raw_score(b"")  # no features: py3langid's own answer for none
        # Each feature once, in the order of its first occurrence (as py3langid's Counter has them), with
        # its count; without a sort: where each feature first occurs, by a minimum per feature...
        at = np.arange(n)
        first = np.empty(self._features, dtype=np.intp)  # read only where written below
        first[features] = n
        np.minimum.at(first, features, at)
        group = first[features]  # ...so the position of a feature's first occurrence names its group
        firsts = group == at
        idx = features[firsts]
        weights = np.bincount(group, minlength=n)[firsts].astype(np.float32)
        # py3langid's _sparse_score, on the same arrays in the same order: the same bits
        return np.log1p(weights) @ self.nb_ptc[idx] + self.nb_pc


def load(norm_probs: bool = True) -> Identifier:
    """The identifier of py3langid's shipped model."""
    identifier: Identifier = Identifier.from_model_file(MODEL_FILE, norm_probs=norm_probs)
    return identifier
