"""Dutch words for the API's English values, shared by the ballot and workshop commands."""

from __future__ import annotations

METHODS = {"dots": "stippen", "pairwise": "paren vergelijken", "statements": "stellingen"}
STEP_STATES = {"planned": "gepland", "open": "open", "closed": "gesloten"}
WORKSHOP_STATES = {
    "planned": "gepland",
    "running": "loopt",
    "paused": "gepauzeerd",
    "closed": "afgesloten",
}
ROUND_KINDS = {"write": "schrijven", "react": "reageren", "poll": "peiling"}
DIMENSIONS = {
    "office": "functie",
    "network": "netwerk",
    "province": "provincie",
    "size": "grootteklasse",
    "opinion": "opiniegroep",
}
MEASURES = {"support": "steun", "dots": "stippen", "agree": "eens", "wins": "gewonnen"}
DONE = {
    "start": "gestart",
    "pause": "gepauzeerd",
    "resume": "hervat",
    "extend": "verlengd",
    "next": "naar de volgende ronde",
    "close": "afgesloten",
}


def dutch(words: dict[str, str], value: object) -> str:
    """The Dutch word, or the value itself when the server sent something newer."""
    return words.get(str(value), str(value))
