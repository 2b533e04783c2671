"""Verzamelen: recruit and inform participants.

``personal``: invitations by hand and from the stakeholder map, listed and revoked;
``joining``: joining through a personal link or an open link; ``open_links``: open
links and their profile form; ``reminders``: fresh links for who has not joined;
``funnel``: invited → joined → active per group, suppressed; ``outbox``: the
background mail sender; ``profiles``: people as groups of the stakeholder map.
"""

from __future__ import annotations

from server.invitations import funnel, joining, open_links, personal, reminders

routes = [
    *personal.routes,
    *joining.routes,
    *open_links.routes,
    *reminders.routes,
    *funnel.routes,
]
