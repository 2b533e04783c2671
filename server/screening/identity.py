"""Self-identification: an author who says which municipality they speak for.

Only three office holders serve each municipality, so "bij ons in Amersfoort" or
"als griffier van Almere" all but names the author. A municipality name alone is not
a finding ("in Utrecht werkt het goed"), nor is a name in the third person ("de
burgemeester van Utrecht zei in de krant"). A name is a finding when it is tied to the
author, in one of these shapes (words compared folded, within one sentence):

``possessive``      "onze/mijn gemeente Tilburg" (also "stad", "dorp", "regio")
``office_capacity`` "als burgemeester van Utrecht": "als" + an office, no article
``first_person``    "ik ben griffier in Almere", "bij ons in Amersfoort", "wij als
                    gemeente Zwolle": a first-person word, then at most six words that
                    describe the author (verbs like "ben", "werk", "woon", an office,
                    "al 8 jaar"), then a preposition and the name
``namens``          "Namens de gemeente Zwolle ..." opening a sentence
``first_person_after`` "In Utrecht hebben wij ...", "namens de gemeente Zwolle zeg ik":
                    the name after a preposition, then "ik"/"wij"/"we" within two words

Any other word in between ("ik las dat de burgemeester van Utrecht ...") breaks the
chain, and "de/het/een + office + van + name" marks the name as someone else's
unless a first-person chain leads to it ("ik ben de burgemeester van Utrecht").
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Final

from server.screening.finding import Finding, finding
from server.screening.places import PlaceIndex, PlaceMatch, place_span
from server.screening.text import Words
from server.stakeholders.population import DEFAULT_OFFICES

OFFICES: Final = frozenset(DEFAULT_OFFICES) | frozenset(
    {
        "burgemeester", "burgemeesters", "locoburgemeester", "burgervader", "wethouder",
        "wethouders", "gemeentesecretaris", "gemeentesecretarissen", "secretaris",
        "secretarissen", "griffier", "griffiers", "raadsgriffier", "raadslid", "raadsleden",
        "directeur", "gemeentedirecteur", "fractievoorzitter", "voorzitter",
    }
)  # fmt: skip
"""Offices whose holder identifies themselves by naming their municipality."""

_JOBS: Final = frozenset(
    {"ambtenaar", "medewerker", "beleidsmedewerker", "adviseur", "manager", "lid", "bestuurder"}
)
_FIRST_PERSON: Final = frozenset({"ik", "wij", "we", "mijn", "onze", "ons", "mij", "me"})
_SUBJECTS: Final = frozenset({"ik", "wij", "we"})
_POSSESSIVES: Final = frozenset({"mijn", "onze", "ons"})
_PLACE_NOUNS: Final = frozenset({"gemeente", "stad", "dorp", "regio"})
_LINKS: Final = frozenset({"in", "bij", "van", "uit", "te", "voor", "namens", "binnen", "vanuit"})
_ARTICLES: Final = frozenset({"de", "het", "een"})
_DESCRIBING: Final = frozenset(
    {
        "ben", "bent", "was", "zijn", "waren", "heb", "hebben", "had", "hadden", "werk",
        "werken", "werkte", "werkten", "werkzaam", "woon", "wonen", "woonde", "woonden",
        "zit", "zitten", "zat", "zaten", "sta", "staan", "stond", "kom", "komen", "kwam",
        "ga", "gaan", "ging", "doe", "doen", "deed", "zal", "zullen", "wil", "willen", "kan",
        "kunnen", "moet", "moeten", "spreek", "spreken", "schrijf", "schrijven", "reageer",
        "reageren", "ook", "al", "nog", "nu", "hier", "zelf", "sinds", "jaar", "jaren",
        "maanden", "inmiddels", "lang", "als", "zo", "samen", "de", "het", "een",
        "gemeente",
    }
)  # fmt: skip
"""Words that may stand between "ik" and the preposition before the name."""

_MAX_DESCRIBING_WORDS: Final = 6


@dataclass(frozen=True, slots=True)
class _Tie:
    first: int  # the word the finding starts at
    last: int  # the word it ends at, or -1: the end of the name
    rule: str


def find_self_identification(words: Words, places: PlaceIndex) -> Iterator[Finding]:
    """A finding for every municipality name tied to the author."""
    for place in places.matches(words):
        tie = _tie(words, place)
        if tie is not None:
            start = words.span(tie.first)[0]
            end = place_span(words, place)[1] if tie.last < 0 else words.span(tie.last)[1]
            yield finding(words.original, "self_identification", tie.rule, start, end)


def _tie(words: Words, place: PlaceMatch) -> _Tie | None:
    tokens = words.words
    k = place.first - 1
    noun = k >= 0 and tokens[k] in _PLACE_NOUNS and _joined(words, k)
    if noun:
        k -= 1
        if k >= 0 and tokens[k] in _ARTICLES and _joined(words, k):
            k -= 1
    if k < 0 or not _joined(words, k):
        return None
    last = -1  # the end of the name
    if noun and tokens[k] in _POSSESSIVES:
        return _Tie(k, last, "possessive")
    if not (tokens[k] in _LINKS or (noun and tokens[k] == "als")):
        return None
    if tokens[k] == "namens" and words.sentence_break_before(k):
        return _Tie(k, last, "namens")
    back = _walk_back(words, k)
    if isinstance(back, _Tie):
        return _Tie(back.first, last, back.rule)
    if back == "third_person":
        return None
    return _first_person_after(words, k, place.stop)


def _joined(words: Words, k: int) -> bool:
    """Whether word ``k`` is in the same sentence as word ``k + 1``."""
    return not words.sentence_break_before(k + 1)


def _walk_back(words: Words, link: int) -> _Tie | str | None:
    """From the preposition, back over describing words to "ik" or "als <office>"."""
    tokens = words.words
    third_person = False
    j = link - 1
    while j >= 0 and link - j <= _MAX_DESCRIBING_WORDS and _joined(words, j):
        word = tokens[j]
        if word in _FIRST_PERSON:
            with_link = j > 0 and tokens[j - 1] in _LINKS and _joined(words, j - 1)
            return _Tie(j - 1 if with_link else j, link, "first_person")  # "bij ons in"
        if word in OFFICES and j > 0 and _joined(words, j - 1):
            if tokens[j - 1] == "als":
                return _Tie(j - 1, link, "office_capacity")
            third_person = third_person or tokens[j - 1] in _ARTICLES
        if not (word in _DESCRIBING or word in OFFICES or word in _JOBS or word.isdigit()):
            break
        j -= 1
    return "third_person" if third_person else None


def _first_person_after(words: Words, link: int, stop: int) -> _Tie | None:
    """ "In Utrecht hebben wij": "ik"/"wij"/"we" within two words after the name."""
    tokens = words.words
    for j in range(stop, min(stop + 2, len(tokens))):
        if words.sentence_break_before(j):
            return None
        if tokens[j] in _SUBJECTS:
            return _Tie(link, j, "first_person_after")
    return None
