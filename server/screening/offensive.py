"""Offensive language: whole words and phrases from a curated Dutch list, plus compounds.

The list is LDNOOBW's Dutch file (CC BY 4.0) less the entries in ``nl-exclude.txt``
plus ``nl-extra.txt``; see ``data/README.md``. Matching is on whole folded words, so
"kanker" inside "kankerbestrijding" is never a hit, and "kut" inside "kabelkut" neither.
Abusive compounds ("kankerhoer", "tering-wijf", "tyfus lijer") come from
``nl-compounds.txt``: an intensifier joined to an insulting head, never a bare prefix.

Light normalisation: leetspeak inside a word ("k@nker", "5h1t") is undone before a
lookup, and a disguised intensifier is flagged even alone: "kanker" may be the
disease, "k@nker" never is. Repeated letters ("kuuuut") are not normalised: finding
them costs a scan of the whole text, more than the rest of this rule together.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from functools import cache
from importlib import resources
from typing import Final

from server.screening.finding import Finding, finding
from server.screening.text import PhraseIndex, Words, leftmost_longest, words_of

UPSTREAM_FILE: Final = "ldnoobw-nl.txt"
EXCLUDE_FILE: Final = "nl-exclude.txt"
EXTRA_FILE: Final = "nl-extra.txt"
COMPOUNDS_FILE: Final = "nl-compounds.txt"

_LEET: Final = str.maketrans("0134578@$", "oieastbas")
_LEET_L: Final = str.maketrans("0134578@$", "oleastbas")  # "1" as an "l": "1u1"
_PLURAL: Final = r"(?:s|en|e|n|je|jes)?"
_COMPOUND_GAPS: Final = frozenset({" ", "-"})


def data_lines(name: str) -> list[str]:
    """The entries of a packaged data file: comments and blank lines dropped."""
    text = resources.files("server.screening").joinpath("data", name).read_text("utf-8")
    entries = (line.split("#", 1)[0].strip() for line in text.splitlines())
    return [entry for entry in entries if entry]


class WordList:
    """Offensive single words, phrases and compounds, ready for word-by-word lookups."""

    __slots__ = ("_compound", "_head", "_phrases", "_prefixes", "_words")

    def __init__(
        self,
        entries: Iterable[str],
        prefixes: Iterable[str],
        heads: Iterable[str],
        joined_heads: Iterable[str] = (),
    ) -> None:
        single: set[str] = set()
        phrases: list[tuple[tuple[str, ...], str]] = []
        for entry in entries:
            words = words_of(entry)
            if len(words) == 1:
                single.add(words[0])
            elif words:
                phrases.append((words, "phrase"))
        self._words = frozenset(single)
        self._phrases = PhraseIndex(phrases)
        self._prefixes = tuple(sorted(set(prefixes), key=len, reverse=True))
        head_set = set(heads)
        prefix = _alternatives(self._prefixes)
        self._head = re.compile(rf"{_alternatives(head_set)}{_PLURAL}")
        any_head = _alternatives(head_set | set(joined_heads))
        self._compound = re.compile(rf"{prefix}(?:e|s|n|en)?{any_head}{_PLURAL}")

    def __contains__(self, word: str) -> bool:
        return word in self._words

    def find(self, words: Words) -> Iterator[Finding]:
        """The offensive words, phrases and compounds in ``words``, never overlapping."""
        hits = self._phrases.hits(words)
        candidates = self._candidates(words)
        if candidates:
            tokens = words.words
            for index in words.positions(candidates):
                hit = self._word_hit(tokens, index, words)
                if hit is not None:
                    hits.append(hit)
        for first, stop, rule in leftmost_longest(hits):
            start, end = words.span(first)[0], words.span(stop - 1)[1]
            yield finding(words.original, "offensive", rule, start, end)

    def _candidates(self, words: Words) -> set[str]:
        """Distinct words that may be a hit; set operations in C keep a clean text cheap."""
        found = set(self._words.intersection(words.unique))
        for word in words.unique:
            if word.startswith(self._prefixes) or (
                not word.isalpha() and not word.isdigit() and self._disguised(word)
            ):
                found.add(word)
        return found

    def _word_hit(self, tokens: list[str], index: int, words: Words) -> tuple[int, int, str] | None:
        word = tokens[index]
        if word in self._words:
            return index, index + 1, "word"
        if word.startswith(self._prefixes):
            if self._compound.fullmatch(word):
                return index, index + 1, "compound"
            if word in self._prefixes and self._split_compound(tokens, index, words):
                return index, index + 2, "compound"
        if self._disguised(word):
            return index, index + 1, "disguised"
        return None

    def _split_compound(self, tokens: list[str], index: int, words: Words) -> bool:
        """ "kanker hoer", "kanker-hoer": a prefix word, then a head after a space or hyphen."""
        return (
            index + 1 < len(tokens)
            and self._head.fullmatch(tokens[index + 1]) is not None
            and words.gap(index + 1) in _COMPOUND_GAPS
        )

    def _disguised(self, word: str) -> bool:
        for variant in _variants(word):
            if variant == word:
                continue
            # A disguised disease curse ("k@nker") is never about the disease.
            if variant in self._words or variant in self._prefixes:
                return True
            if self._compound.fullmatch(variant):
                return True
        return False


def _alternatives(words: Iterable[str]) -> str:
    """A regex group matching any of ``words``, longest first; none: a group that never matches."""
    ordered = sorted(set(words), key=len, reverse=True)
    return f"(?:{'|'.join(map(re.escape, ordered))})" if ordered else "(?!)"


def _variants(word: str) -> tuple[str, ...]:
    """Readings of a word with leetspeak undone: "k@nker" → "kanker", "1u1" → "lul"."""
    letters = sum(c.isalpha() for c in word)
    # Only inside a word that is mostly letters: "k@nker", never "A50", "2e" or "12a".
    if word.isalpha() or letters < 2 or 2 * letters < len(word):
        return ()
    return word.translate(_LEET), word.translate(_LEET_L)


@cache
def default_word_list() -> WordList:
    """The packaged list: LDNOOBW's Dutch words less our exclusions, plus our additions."""
    excluded = set(data_lines(EXCLUDE_FILE))
    entries = [e for e in data_lines(UPSTREAM_FILE) if e not in excluded]
    entries += data_lines(EXTRA_FILE)
    parts: dict[str, list[str]] = {"prefix": [], "head": [], "joined": []}
    for line in data_lines(COMPOUNDS_FILE):
        kind, _, value = line.partition(" ")
        parts[kind].append(value.strip())
    return WordList(entries, parts["prefix"], parts["head"], parts["joined"])
