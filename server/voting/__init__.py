"""Voorkeuren (step 5): the math of prioritising, as pure functions and frozen records.

``dots`` (dot voting), ``pairwise`` (All Our Ideas style wiki survey, Bradley–Terry),
``statements`` (agree/disagree/pass, opinion groups, group-aware consensus),
``weighting`` (post-stratification and raking) and ``results`` (per-group results,
every count through ``server.suppression.suppress``). No storage, HTTP or clock here:
the caller loads votes, passes them in and sends what comes back. See docs/voting.md.
"""
