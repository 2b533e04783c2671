"""The population a dialogue must represent, and its groups per dimension.

The population is every office (by default burgemeester, gemeentesecretaris and
griffier) at every municipality: 3 × 342 = 1,026 office holders. The representation
monitor compares who was invited, joined and took part with this population, group
by group, along four dimensions: office, network, province and size.

Membership of a network counts only when it is ``True``. An unknown membership
(``None``) is counted in a separate group ``"<network>: onbekend"``, never as *not a
member*. Networks overlap (a G4 city is not in G40, but a G40 city may be in M50),
so the network groups of one member need not add up to one.

The same ``groups_of`` classification serves the population and any subset of it
(invited, joined, active), so the caller counts both with ``tally``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Final, Literal

from server.stakeholders.reference import KIND_MUNICIPALITY, NETWORKS, PROVINCES, Organisation

DEFAULT_OFFICES: Final = ("burgemeester", "gemeentesecretaris", "griffier")
"""The offices whose holders the verenigingsdialoog addresses; callers may add more."""

UNKNOWN: Final = "onbekend"

Dimension = Literal["office", "network", "province", "size"]
DIMENSIONS: Final[tuple[Dimension, ...]] = ("office", "network", "province", "size")

Member = tuple[str, Organisation]
"""One member of the population: an office at an organisation."""


@dataclass(frozen=True)
class SizeClass:
    """A municipal size class: ``minimum <= inhabitants < maximum`` (None: no maximum)."""

    label: str
    minimum: int
    maximum: int | None

    def contains(self, inhabitants: int) -> bool:
        """Whether a municipality of this many inhabitants falls in the class."""
        return self.minimum <= inhabitants and (self.maximum is None or inhabitants < self.maximum)


SIZE_CLASSES: Final = (
    SizeClass("tot 20.000 inwoners", 0, 20_000),
    SizeClass("20.000 tot 50.000 inwoners", 20_000, 50_000),
    SizeClass("50.000 tot 100.000 inwoners", 50_000, 100_000),
    SizeClass("100.000 inwoners of meer", 100_000, None),
)
"""CBS's gemeentegrootteklassen (5k, 10k, 20k, 50k, 100k, 150k, 250k), merged to four.

The finer CBS classes would leave groups of one or two municipalities (there are
five under 5,000 inhabitants) that suppression hides anyway. On 1 January 2024 the
classes hold 65, 182, 63 and 32 municipalities.
"""


def size_class(inhabitants: int | None) -> str:
    """The label of the size class of a municipality, or ``onbekend``."""
    if inhabitants is None:
        return UNKNOWN
    return next(c.label for c in SIZE_CLASSES if c.contains(inhabitants))


def network_unknown(network: str) -> str:
    """The group of members whose membership of ``network`` is unknown."""
    return f"{network}: {UNKNOWN}"


def network_names(org: Organisation) -> tuple[str, ...]:
    """NETWORKS, then any network a facilitator added that ``org.networks`` carries."""
    return NETWORKS + tuple(n for n in org.networks if n not in NETWORKS)


def members(
    organisations: Iterable[Organisation], offices: Sequence[str] = DEFAULT_OFFICES
) -> Iterator[Member]:
    """Every (office, municipality) pair of the population; other kinds are left out."""
    _check_offices(offices)
    municipalities = [org for org in organisations if org.kind == KIND_MUNICIPALITY]
    for office in offices:
        for org in municipalities:
            yield office, org


def groups_of(member: Member, dimension: Dimension) -> tuple[str, ...]:
    """The groups of ``dimension`` one member falls in (several for networks)."""
    office, org = member
    match dimension:
        case "office":
            return (office,)
        case "network":
            names = network_names(org)
            known = tuple(n for n in names if org.networks.get(n) is True)
            unknown = tuple(network_unknown(n) for n in names if org.networks.get(n) is None)
            return known + unknown
        case "province":
            return (org.province or UNKNOWN,)
        case "size":
            return (size_class(org.population),)
    raise ValueError(f"unknown dimension {dimension!r}")


def standard_groups(
    dimension: Dimension, offices: Sequence[str] = DEFAULT_OFFICES
) -> tuple[str, ...]:
    """The groups always listed for a dimension, even when nobody is in them."""
    match dimension:
        case "office":
            return tuple(offices)
        case "network":
            return NETWORKS
        case "province":
            return PROVINCES
        case "size":
            return tuple(c.label for c in SIZE_CLASSES)
    raise ValueError(f"unknown dimension {dimension!r}")


def tally(
    people: Iterable[Member], dimension: Dimension, offices: Sequence[str] = DEFAULT_OFFICES
) -> dict[str, int]:
    """How many of ``people`` fall in each group: the standard groups first (0 when
    empty), then any other group met (``onbekend`` ones), in the order first met."""
    counts = dict.fromkeys(standard_groups(dimension, offices), 0)
    for member in people:
        for group in groups_of(member, dimension):
            counts[group] = counts.get(group, 0) + 1
    return counts


def cross_tally(
    people: Iterable[Member],
    first: Dimension,
    second: Dimension,
    offices: Sequence[str] = DEFAULT_OFFICES,
) -> dict[str, dict[str, int]]:
    """A crosstab of ``people``: rows are groups of ``first``, columns of ``second``."""
    if first == second:
        raise ValueError("combine two different dimensions")
    people = list(people)
    rows = tally(people, first, offices)
    columns = tally(people, second, offices)
    table = {row: dict.fromkeys(columns, 0) for row in rows}
    for member in people:
        for row in groups_of(member, first):
            for column in groups_of(member, second):
                table[row][column] += 1
    return table


def population_sizes(
    organisations: Iterable[Organisation],
    dimension: Dimension,
    *,
    offices: Sequence[str] = DEFAULT_OFFICES,
) -> dict[str, int]:
    """The size of each group of the population in one dimension."""
    return tally(members(organisations, offices), dimension, offices)


def combine(
    organisations: Iterable[Organisation],
    first: Dimension,
    second: Dimension,
    *,
    offices: Sequence[str] = DEFAULT_OFFICES,
) -> dict[str, dict[str, int]]:
    """The size of each pair of groups of two dimensions (e.g. office × province)."""
    return cross_tally(members(organisations, offices), first, second, offices)


def _check_offices(offices: Sequence[str]) -> None:
    if isinstance(offices, str):
        raise TypeError("offices is a sequence of office names, not one string")
    if not offices or len(set(offices)) != len(offices) or not all(o.strip() for o in offices):
        raise ValueError("offices must be distinct, non-empty names")
