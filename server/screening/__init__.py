"""Automatic screening of a contribution on the write path, before the ack.

``screen(text, places=...)`` returns what a moderator (or the author, as a warning)
should see: personal data, self-identification and offensive language. It is pure
and fast (well under a millisecond for 2000 characters): every pattern and list is
compiled once, and the PlaceIndex is built once per process::

    places = PlaceIndex.from_names(org.name for org in load_municipalities())
    findings = screen(body, places=places)

docs/moderation.md ("Automatic screening") documents the rules and their limits.
"""

from __future__ import annotations

from functools import cache

from server.screening.finding import EXCERPT_MAX_CHARS, Finding, Kind
from server.screening.identity import find_self_identification
from server.screening.offensive import WordList, default_word_list
from server.screening.personal import find_personal_data
from server.screening.places import PlaceIndex
from server.screening.text import Words

__all__ = [
    "EXCERPT_MAX_CHARS",
    "Finding",
    "Kind",
    "PlaceIndex",
    "WordList",
    "default_places",
    "screen",
]


def screen(text: str, *, places: PlaceIndex, words: WordList | None = None) -> list[Finding]:
    """Every finding in ``text``, ordered by position; an empty list for a clean text."""
    word_list = default_word_list() if words is None else words
    tokens = Words(text)
    found = find_personal_data(text, tokens.folded)
    found += find_self_identification(tokens, places)
    found += word_list.find(tokens)
    found.sort(key=lambda f: (f.start, f.end))
    return found


@cache
def default_places() -> PlaceIndex:
    """The index of the packaged 342 municipalities, built on first use."""
    from server.stakeholders.reference import load_municipalities

    return PlaceIndex.from_names(org.name for org in load_municipalities())
