"""Voorkeuren (step 5) over storage, HTTP and the WebSocket: ballots, votes, results, agenda.

The math lives in ``server.voting`` (pure functions); this package loads ballots and
votes, links voters' pseudonyms to their profiles in memory, calls the math and sends
only suppressed aggregates. See docs/voting.md.
"""
