"""Folding and tokenising a contribution once, for every rule that reads words.

Folding lower-cases and strips diacritics ("Súdwest-Fryslân" → "sudwest-fryslan") and
keeps exactly one character per character, so an offset in the folded text is the
same offset in the original: findings point into what the author wrote.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from itertools import accumulate
from typing import Final, Generic, TypeVar

T = TypeVar("T")

_BOUNDARY: Final = frozenset(".!?;\n")
"""Characters that end a sentence for the self-identification window."""

_TOKEN: Final = re.compile(r"[a-z0-9@$]+")
"""A word of the folded text; "@" and "$" stay inside words for leetspeak ("k@nker")."""
_SPLIT: Final = re.compile(r"([a-z0-9@$]+)")


_NON_ASCII: Final = re.compile(r"[^\x00-\x7f]")


class _FoldTable(dict[str, str]):
    """Folded forms of single characters, computed on first sight."""

    def __missing__(self, char: str) -> str:
        folded = _fold_char(char)
        self[char] = folded
        return folded


def _fold_char(char: str) -> str:
    lower = char.lower()
    if len(lower) != 1:  # "İ".lower() is two characters; keep offsets aligned
        lower = lower[0]
    base = unicodedata.normalize("NFD", lower)[0]
    return base if base.isascii() else lower


_FOLD: Final = _FoldTable()


def _fold_match(m: re.Match[str]) -> str:
    return _FOLD[m.group()]


def fold(text: str) -> str:
    """Lower-case ``text`` and strip diacritics, one character for one character."""
    lower = text.lower()
    if lower.isascii():
        return lower
    if len(lower) != len(text):  # a character whose lower case is longer: fold one by one
        lower = "".join(_FOLD[c] for c in text)
    # Only the (few) non-ASCII characters go through Python.
    return _NON_ASCII.sub(_fold_match, lower)


class Words:
    """The words of one contribution, and the text between them.

    One ``re.split`` (in C) gives the words and the gaps between them; offsets are
    summed only for a text where some rule hits, since most texts have no finding.
    """

    __slots__ = ("_offsets", "_parts", "_unique", "folded", "gaps", "original", "words")

    def __init__(self, original: str) -> None:
        self.original = original
        self.folded = fold(original)
        parts = self._parts = _SPLIT.split(self.folded)
        self.words: list[str] = parts[1::2]
        self.gaps: list[str] = parts[0::2]
        """``gaps[i]`` is the text before word ``i``; the last gap follows the last word."""
        self._offsets: list[int] | None = None
        self._unique: frozenset[str] | None = None

    @property
    def unique(self) -> frozenset[str]:
        """The distinct words, for set operations that run in C."""
        if self._unique is None:
            self._unique = frozenset(self.words)
        return self._unique

    def positions(self, wanted: frozenset[str] | set[str]) -> list[int]:
        """The indexes of every word in ``wanted``, in text order."""
        found: list[int] = []
        for word in wanted:
            index = -1
            try:
                while True:
                    index = self.words.index(word, index + 1)
                    found.append(index)
            except ValueError:
                pass
        found.sort()
        return found

    def span(self, index: int) -> tuple[int, int]:
        """Where word ``index`` is in the text."""
        if self._offsets is None:
            self._offsets = list(accumulate(map(len, self._parts), initial=0))
        return self._offsets[2 * index + 1], self._offsets[2 * index + 2]

    def gap(self, index: int) -> str:
        """The folded text between word ``index - 1`` and word ``index``."""
        return self.gaps[index]

    def sentence_break_before(self, index: int) -> bool:
        """Whether a sentence ends between word ``index - 1`` and word ``index``."""
        return index == 0 or not _BOUNDARY.isdisjoint(self.gaps[index])

    def capitalised(self, index: int) -> bool:
        """Whether the author wrote word ``index`` with a capital first letter."""
        return self.original[self.span(index)[0]].isupper()


def words_of(name: str) -> tuple[str, ...]:
    """The folded words of a name: "'s-Gravenhage" → ("s", "gravenhage")."""
    return tuple(_TOKEN.findall(fold(name)))


FUNCTION_WORDS: Final = frozenset(
    {"aan", "bij", "da", "de", "den", "der", "een", "en", "het", "ik", "in", "je", "m", "met",
     "n", "om", "op", "s", "te", "uit", "van", "voor", "z"}
)  # fmt: skip
"""Words too frequent to look a phrase up by: "De Bilt" is found from "bilt"."""


class PhraseIndex(Generic[T]):
    """Phrases (tuples of folded words) found in a text by one of their rarer words.

    A phrase is keyed by its first word that is not a function word, so a text with
    "de" fifty times costs nothing unless it also holds "bilt".
    """

    __slots__ = ("_anchors", "_by_anchor")

    def __init__(self, entries: Iterable[tuple[tuple[str, ...], T]]) -> None:
        by_anchor: dict[str, list[tuple[int, tuple[str, ...], T]]] = {}
        for phrase, payload in entries:
            offset = next((i for i, w in enumerate(phrase) if w not in FUNCTION_WORDS), 0)
            by_anchor.setdefault(phrase[offset], []).append((offset, phrase, payload))
        self._by_anchor = {
            w: tuple(sorted(es, key=lambda e: -len(e[1]))) for w, es in by_anchor.items()
        }
        self._anchors = frozenset(self._by_anchor)

    def hits(
        self, words: Words, accept: Callable[[int, int, T], bool] | None = None
    ) -> list[tuple[int, int, T]]:
        """``(first word, stop word, payload)`` of every occurrence, overlapping or not."""
        anchors = self._anchors.intersection(words.unique)
        if not anchors:
            return []
        tokens = words.words
        found: list[tuple[int, int, T]] = []
        for index in words.positions(anchors):
            for offset, phrase, payload in self._by_anchor[tokens[index]]:
                start, stop = index - offset, index - offset + len(phrase)
                if start < 0 or tuple(tokens[start:stop]) != phrase:
                    continue
                if accept is None or accept(start, stop, payload):
                    found.append((start, stop, payload))
        return found


def leftmost_longest(hits: Iterable[tuple[int, int, T]]) -> list[tuple[int, int, T]]:
    """Non-overlapping hits: the earliest first, the longest of those starting together."""
    kept: list[tuple[int, int, T]] = []
    for hit in sorted(hits, key=lambda h: (h[0], -h[1])):
        if not kept or hit[0] >= kept[-1][1]:
            kept.append(hit)
    return kept
