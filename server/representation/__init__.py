"""Representation monitoring: who of the population was invited, joined and took part.

``groups``: dimensions as partitions of people; ``activity``: step attribution and the
release of activity in batches of k people; ``figures``: counts per group and their
protection table by table (``suppress``); ``protect``: the whole answer as one system, hidden
further until nothing hidden can be worked out; ``view``: shares, rates, index, R-score;
``alerts``: groups under a facilitator's threshold; ``service``: one answer for a dialogue;
``live``: the coalesced ``representation.changed`` signal; ``routes``: HTTP.
See docs/representation.md.
"""

from __future__ import annotations

from server.representation.routes import routes

__all__ = ["routes"]
