"""The groups of each dimension as *partitions*: lines that cover everybody exactly once.

Office, province and size are one partition each. Networks overlap, so the network
dimension is one partition per network: members, members whose membership is unknown
(``"G40: onbekend"``), and non-members (``"G40: geen lid"``). The non-members are never
published, but they are counted: together with the total they are what makes the other
two groups add up, so suppression must know them.

People are classified exactly as the population is (``population.groups_of``), through the
profile of their invitation or their self-declared profile (``profiles.member_of``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final

from server.invitations.profiles import StakeholderMap
from server.stakeholders.population import (
    DEFAULT_OFFICES,
    DIMENSIONS,
    SIZE_CLASSES,
    UNKNOWN,
    Dimension,
    Member,
    groups_of,
    network_unknown,
)
from server.stakeholders.reference import PROVINCES

NON_MEMBER: Final = "geen lid"
UNKNOWN_GROUPS: Final = frozenset({UNKNOWN})
"""Groups that describe missing data rather than people alike (never alerted on)."""


def network_none(network: str) -> str:
    """The (never published) group of an organisation that is not a member of ``network``."""
    return f"{network}: {NON_MEMBER}"


@dataclass(frozen=True)
class Partition:
    """One line of groups that covers everybody once."""

    name: str
    dimension: Dimension
    groups: tuple[str, ...]
    """Published groups, in display order."""
    internal: tuple[str, ...] = ()
    """Counted, never published (the non-members of a network)."""
    network: str | None = None

    @property
    def every(self) -> tuple[str, ...]:
        """Every group, published and internal."""
        return self.groups + self.internal

    def classify(self, member: Member) -> str:
        """The one group of this partition a member falls in."""
        if self.dimension == "office":
            return member[0]
        found = groups_of(member, self.dimension)
        if self.network is None:
            return found[0]
        if self.network in found:
            return self.network
        if network_unknown(self.network) in found:
            return network_unknown(self.network)
        return network_none(self.network)

    def with_groups(self, extra: Iterable[str]) -> Partition:
        """The partition with groups met in the data that its standard list lacks."""
        known = set(self.every)
        added = tuple(sorted({g for g in extra if g not in known}))
        if not added:
            return self
        return Partition(
            self.name, self.dimension, self.groups + added, self.internal, self.network
        )


def partitions(dimension: Dimension, smap: StakeholderMap) -> list[Partition]:
    """The standard partitions of a dimension: every group, also those nobody is in."""
    match dimension:
        case "office":
            offices = tuple(dict.fromkeys((*smap.offices, *DEFAULT_OFFICES)))
            return [Partition("office", "office", offices)]
        case "province":
            return [Partition("province", "province", (*PROVINCES, UNKNOWN))]
        case "size":
            return [Partition("size", "size", (*(c.label for c in SIZE_CLASSES), UNKNOWN))]
        case "network":
            return [
                Partition(
                    f"network:{n}",
                    "network",
                    (n, network_unknown(n)),
                    (network_none(n),),
                    network=n,
                )
                for n in smap.networks
            ]
    raise ValueError(f"unknown dimension {dimension!r}")


def complete(parts: Sequence[Partition], members: Iterable[Member]) -> list[Partition]:
    """Partitions with any group the data holds beyond the standard ones (an office that
    is not on the map, a province spelled otherwise) appended, so everybody is counted."""
    members = list(members)
    return [p.with_groups(p.classify(m) for m in members) for p in parts]


def is_unknown(group: str) -> bool:
    """Whether a group stands for missing data (``onbekend``, ``G40: onbekend``)."""
    return group in UNKNOWN_GROUPS or group.endswith(f": {UNKNOWN}")


def parse_dimensions(raw: str | None) -> tuple[Dimension, ...]:
    """``dimensions=office,province`` → the dimensions asked for (all four when absent).

    Raises ValueError with a Dutch message: one or two distinct known dimensions.
    """
    if raw is None or not raw.strip():
        return DIMENSIONS
    names = tuple(n.strip() for n in raw.split(","))
    unknown = [n for n in names if n not in DIMENSIONS]
    if unknown or not names:
        raise ValueError(f"Kies dimensies uit: {', '.join(DIMENSIONS)}.")
    if len(names) > 2 or len(set(names)) != len(names):
        raise ValueError("Kies één dimensie, of twee verschillende voor een kruistabel.")
    return names  # type: ignore[return-value]
