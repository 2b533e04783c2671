"""The seven steps of the 7V method and the rules of what each open step allows."""

from __future__ import annotations

from datetime import datetime
from typing import Final

from storage.records import Step

STEP_NAMES: Final = (
    "Vinden",
    "Verzamelen",
    "Verkennen",
    "Verrijken",
    "Voorkeuren",
    "Verdiepen",
    "Voortzetten",
)
STEP_CALLS: Final = (
    "Breng in kaart wie er aan tafel moet: gemeenten, netwerken, provincies.",
    "Nodig deelnemers uit en help ze op weg.",
    "Verken samen de context en stel thema's voor.",
    "Werk ideeën en zorgen per thema uit en reageer op elkaar.",
    "Geef aan wat voor u het zwaarst weegt.",
    "Ga dieper in op de belangrijkste thema's, ook in live werksessies.",
    "Lees de terugkoppeling en bepaal samen de vervolgstappen.",
)
STEP_STATES: Final = ("planned", "open", "closed")
CONTRIBUTION_STEPS: Final = (3, 4, 6)
"""Steps in which participants contribute and react per theme (contract)."""
THEME_PROPOSAL_STEP: Final = 3


def effective_state(step: Step, now: datetime) -> str:
    """A step's state on the server's clock: dates, when set, override the stored state."""
    if step.opens_at is not None and now < step.opens_at:
        return "planned"
    if step.closes_at is not None and now >= step.closes_at:
        return "closed"
    if step.opens_at is not None:
        return "open"
    return step.state


def open_steps(steps: list[Step], now: datetime) -> set[int]:
    """The numbers of the steps open at now."""
    return {s.step for s in steps if effective_state(s, now) == "open"}


def takes_contributions(steps: list[Step], now: datetime) -> bool:
    """True when a step that takes contributions (Verkennen, Verrijken, Verdiepen) is open."""
    return bool(open_steps(steps, now) & set(CONTRIBUTION_STEPS))
