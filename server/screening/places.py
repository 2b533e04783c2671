"""Finding municipality names in a text: the PlaceIndex, built once per process.

Names are matched word by word on folded text, so case, diacritics and the
punctuation between words do not matter: "Sudwest Fryslan", "súdwest-fryslân" and
"'s-Gravenhage" / "s Gravenhage" all match. Besides the CBS names the index knows the
forms people write: a name without its province qualifier ("Hengelo" for
"Hengelo (O.)") and a few everyday names ("Den Haag", "Den Bosch", "Nuenen").

Some names are also ordinary Dutch words ("wij kampen met", "onze huizen", "het
best"). Those match only when the author capitalised them, so "Kampen" is the town
and "kampen" the verb; a sentence that starts with the word is still a false
positive, but the self-identification rule needs a preposition in front of the name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Final

from server.screening.text import PhraseIndex, Words, leftmost_longest, words_of

SHORT_FORMS: Final[dict[str, tuple[str, ...]]] = {
    "'s-Gravenhage": ("Den Haag",),
    "'s-Hertogenbosch": ("Den Bosch",),
    "Nuenen, Gerwen en Nederwetten": ("Nuenen",),
    "Súdwest-Fryslân": ("Zuidwest-Friesland",),
    "Noardeast-Fryslân": ("Noordoost-Friesland",),
}
"""Everyday names beside the CBS spelling; a name without "(O.)"-style qualifier is added too."""

COMMON_WORDS: Final = frozenset(
    {
        "assen", "beek", "bergen", "berg en dal", "best", "buren", "delft", "duiven",
        "hoorn", "houten", "huizen", "hulst", "kampen", "leiden", "losser", "putten",
        "sluis", "voorst", "weert", "wierden",
    }
)  # fmt: skip
"""Folded names that are also Dutch words; they match only when written with a capital."""

_QUALIFIER: Final = re.compile(r"\s*\([^)]*\)\s*$")
_CLOSING: Final = re.compile(r"\.?\)")


@dataclass(frozen=True, slots=True)
class PlaceMatch:
    """A municipality named in a text: words ``first`` up to ``stop`` (exclusive)."""

    names: tuple[str, ...]
    """The CBS names meant; two for a short form two share ("Bergen")."""
    first: int
    stop: int


@dataclass(frozen=True, slots=True)
class _Meaning:
    names: tuple[str, ...]
    needs_capital: bool


class PlaceIndex:
    """Municipality names and their short forms, looked up word by word."""

    __slots__ = ("_phrases", "names")

    def __init__(self, phrases: PhraseIndex[_Meaning], names: tuple[str, ...]) -> None:
        self._phrases = phrases
        self.names = names

    @classmethod
    def from_names(cls, names: Iterable[str]) -> PlaceIndex:
        """Build the index from CBS municipality names (e.g. ``load_municipalities()``)."""
        canonical = tuple(dict.fromkeys(n.strip() for n in names if n.strip()))
        meanings: dict[tuple[str, ...], list[str]] = {}
        for name in canonical:
            for form in _forms(name):
                words = words_of(form)
                if words and name not in meanings.setdefault(words, []):
                    meanings[words].append(name)
        entries = (
            (words, _Meaning(tuple(meant), " ".join(words) in COMMON_WORDS))
            for words, meant in meanings.items()
        )
        return cls(PhraseIndex(entries), canonical)

    def __len__(self) -> int:
        return len(self.names)

    def matches(self, words: Words) -> list[PlaceMatch]:
        """The municipalities named in ``words``, left to right, never overlapping."""

        def accept(first: int, stop: int, meaning: _Meaning) -> bool:
            if meaning.needs_capital and not words.capitalised(first):
                return False
            return not any(words.sentence_break_before(k) for k in range(first + 1, stop))

        hits = self._phrases.hits(words, accept)
        return [PlaceMatch(m.names, first, stop) for first, stop, m in leftmost_longest(hits)]

    def find(self, text: str) -> list[tuple[str, int, int]]:
        """``(CBS name, start, end)`` for every municipality named in ``text``."""
        words = Words(text)
        return [(m.names[0], *place_span(words, m)) for m in self.matches(words)]


def place_span(words: Words, match: PlaceMatch) -> tuple[int, int]:
    """Where a name is in the text, with the quote of "'s-" and the ".)" of "(O.)"."""
    start, end = words.span(match.first)[0], words.span(match.stop - 1)[1]
    if words.gaps[match.first].endswith(("'", "’")):
        start -= 1
    qualified = match.stop - match.first > 1 and "(" in words.gaps[match.stop - 1]
    closing = _CLOSING.match(words.gaps[match.stop]) if qualified else None
    if closing is not None:
        end += closing.end()
    return start, end


def _forms(name: str) -> Iterator[str]:
    yield name
    bare = _QUALIFIER.sub("", name)
    if bare != name:
        yield bare
    yield from SHORT_FORMS.get(name, ())
