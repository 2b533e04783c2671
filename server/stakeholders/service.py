"""The stakeholder map over the database: seed it from the reference, correct it, count it.

The pure rules live beside this module (``reference``: parsing and merging;
``population``: groups and sizes); this one reads and writes through
``storage.stakeholders`` and is what the routes, the CLI, the demo and the
representation monitor call.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from pathlib import Path
from typing import Final

from sqlalchemy.ext.asyncio import AsyncConnection

from server.clock import utcnow
from server.stakeholders.population import (
    DEFAULT_OFFICES,
    DIMENSIONS,
    Dimension,
    network_unknown,
    population_sizes,
)
from server.stakeholders.reference import (
    KIND_MUNICIPALITY,
    NETWORKS,
    PROVINCES,
    Organisation,
    apply_import,
    load_municipalities,
    parse_import,
    vng_branches,
)
from storage import stakeholders as store
from storage.database import Database
from storage.stakeholders import (
    FACILITATOR,
    Network,
    Office,
    OrganisationFilter,
    SeedCounts,
    StoredOrganisation,
)

DEFAULT_NETWORKS: Final = (
    Network("G4", "De vier grote steden: Amsterdam, Rotterdam, Den Haag en Utrecht."),
    Network("G40", "Het G40-stedennetwerk van middelgrote steden."),
    Network("M50", "Netwerk van middelgrote gemeenten (M50)."),
    Network("P10", "Netwerk van grote plattelandsgemeenten (P10)."),
    Network("K80", "Netwerk van kleine gemeenten (K80)."),
)
"""The networks of the reference file, in display order; facilitators add more."""

DEFAULT_OFFICE_LABELS: Final = {
    "burgemeester": "Burgemeester",
    "gemeentesecretaris": "Gemeentesecretaris",
    "griffier": "Griffier",
}
DEFAULT_OFFICE_RECORDS: Final = tuple(Office(n, DEFAULT_OFFICE_LABELS[n]) for n in DEFAULT_OFFICES)

_FIELDS: Final = ("name", "kind", "province", "population")


class ImportRejected(ValueError):
    """A facilitator's file with row errors: nothing of it was applied."""

    def __init__(self, errors: Sequence[str]) -> None:
        super().__init__(f"{len(errors)} fouten")
        self.errors = tuple(errors)


class UnknownOffices(ValueError):
    """Offices asked for that the stakeholder map does not have."""

    def __init__(self, names: Sequence[str]) -> None:
        super().__init__(", ".join(names))
        self.names = tuple(names)


# --- order and conversion -------------------------------------------------------------


def ordered_networks(found: Iterable[Network]) -> list[Network]:
    """The reference networks in their order, then the facilitators' by name."""
    rank = {name: i for i, name in enumerate(NETWORKS)}
    return sorted(found, key=lambda n: (rank.get(n.name, len(rank)), n.name.casefold()))


def ordered_offices(found: Iterable[Office]) -> list[Office]:
    """The default offices in their order, then the added ones by name."""
    rank = {name: i for i, name in enumerate(DEFAULT_OFFICES)}
    return sorted(found, key=lambda o: (rank.get(o.name, len(rank)), o.name))


async def network_names(conn: AsyncConnection) -> list[str]:
    """Every network's name in display order."""
    return [n.name for n in ordered_networks(await store.list_networks(conn))]


def to_organisation(stored: StoredOrganisation, order: Sequence[str]) -> Organisation:
    """The reference record of a stored organisation, networks in display order."""
    return Organisation(
        code=stored.code,
        name=stored.name,
        kind=stored.kind,
        province=stored.province,
        population=stored.population,
        networks={n: stored.networks.get(n) for n in order},
    )


async def load_organisations(
    conn: AsyncConnection, where: OrganisationFilter | None = None
) -> tuple[Organisation, ...]:
    """The organisations on the map (every network a key, None: unknown)."""
    order = await network_names(conn)
    return tuple(to_organisation(s, order) for s in await store.list_organisations(conn, where))


# --- the reference ----------------------------------------------------------------------


@dataclass(frozen=True)
class SeedSummary:
    """What ``seed_reference`` did, for the CLI and the demo."""

    source: str
    municipalities: tuple[Organisation, ...]
    branches: int
    counts: SeedCounts
    networks_added: int
    offices_added: int

    def lines(self) -> list[str]:
        """A Dutch summary, one line per fact."""
        c = self.counts
        provinces = Counter(m.province for m in self.municipalities)
        members = {n: sum(m.networks.get(n) is True for m in self.municipalities) for n in NETWORKS}
        unknown = {n: sum(m.networks.get(n) is None for m in self.municipalities) for n in NETWORKS}
        networks = ", ".join(
            f"{n} {members[n]}" + (f" (onbekend: {unknown[n]})" if unknown[n] else "")
            for n in NETWORKS
        )
        return [
            f"Stakeholderkaart ingelezen uit {self.source}.",
            f"{len(self.municipalities)} gemeenten en {self.branches} VNG-afdelingen: "
            f"{c.added} nieuw, {c.updated} bijgewerkt, {c.unchanged} ongewijzigd, "
            f"{c.kept} behouden (door een facilitator gecorrigeerd).",
            f"Lidmaatschappen door een facilitator gezet en behouden: {c.memberships_kept}.",
            "Gemeenten per provincie: "
            + ", ".join(f"{p} {provinces.get(p, 0)}" for p in PROVINCES)
            + ".",
            f"Leden per netwerk: {networks}.",
            f"Netwerken toegevoegd: {self.networks_added}; "
            f"functies toegevoegd: {self.offices_added}.",
        ]


async def seed_reference(
    db: Database, path: Path | None = None, *, now: datetime | None = None
) -> SeedSummary:
    """Import the packaged municipalities (or ``path``), the 12 VNG branches and the default
    networks and offices. Idempotent; what a facilitator corrected stays as it is.

    Raises ValueError when ``path`` does not hold valid reference data.
    """
    municipalities = load_municipalities(path)
    now = now or utcnow()
    async with db.transaction() as conn:
        networks_added = await store.ensure_networks(conn, DEFAULT_NETWORKS)
        offices_added = await store.ensure_offices(conn, DEFAULT_OFFICE_RECORDS)
        first = await store.seed_organisations(conn, municipalities, now)
        # Branch totals follow the map as it now stands, corrections included.
        current = await load_organisations(conn, OrganisationFilter(kind=KIND_MUNICIPALITY))
        branches = vng_branches(current)
        second = await store.seed_organisations(conn, branches, now)
    counts = SeedCounts(*(getattr(first, f.name) + getattr(second, f.name) for f in fields(first)))
    return SeedSummary(
        source=path.name if path else "gemeenten-2024.csv (meegeleverd)",
        municipalities=municipalities,
        branches=len(branches),
        counts=counts,
        networks_added=networks_added,
        offices_added=offices_added,
    )


# --- facilitator changes --------------------------------------------------------------------


async def save_correction(
    conn: AsyncConnection, old: Organisation | None, new: Organisation, now: datetime
) -> bool:
    """Write what a facilitator changed from ``old`` (None: a new organisation) to ``new``.

    Changed fields mark the organisation, each changed membership itself, as set by a
    facilitator, so a reference re-import leaves them alone. Returns whether anything
    changed.
    """
    fields_changed = old is None or any(getattr(old, f) != getattr(new, f) for f in _FIELDS)
    if fields_changed:
        await store.upsert_organisation(conn, new, source=FACILITATOR, now=now)
    before = old.networks if old is not None else {}
    links = [
        (new.code, network, member)
        for network, member in new.networks.items()
        if before.get(network) is not member
    ]
    await store.set_memberships(conn, links, source=FACILITATOR, now=now)
    return fields_changed or bool(links)


@dataclass(frozen=True)
class ImportSummary:
    added: int
    updated: int
    unchanged: int


async def import_organisations(
    conn: AsyncConnection, source: str | bytes, now: datetime
) -> ImportSummary:
    """Apply a facilitator's CSV of corrections and additions, or raise ImportRejected
    with every row error (and change nothing)."""
    order = await network_names(conn)
    known = await load_organisations(conn)
    result = parse_import(source, known, order)
    if not result.ok:
        raise ImportRejected([str(issue) for issue in result.errors])
    before = {org.code: org for org in known}
    after = {org.code: org for org in apply_import(known, result.records, order)}
    added = updated = 0
    for record in result.records:
        old = before.get(record.code)
        if await save_correction(conn, old, after[record.code], now):
            added += old is None
            updated += old is not None
    return ImportSummary(added, updated, len(result.records) - added - updated)


# --- the population -------------------------------------------------------------------------


@dataclass(frozen=True)
class PopulationGroup:
    """How many office holders of the population fall in one group of one dimension."""

    dimension: Dimension
    group: str
    population: int


def _network_groups(sizes: dict[str, int], order: Sequence[str]) -> list[tuple[str, int]]:
    """Every network (0 included), each followed by its unknown group when it has one."""
    groups: list[tuple[str, int]] = []
    for name in order:
        groups.append((name, sizes.get(name, 0)))
        unknown = sizes.get(network_unknown(name), 0)
        if unknown:
            groups.append((network_unknown(name), unknown))
    return groups


async def population_groups(
    conn: AsyncConnection, offices: Sequence[str] = DEFAULT_OFFICES
) -> list[PopulationGroup]:
    """The population to represent (every office at every municipality), group by group,
    for the dimensions office, network, province and size.

    A network's unknown memberships form their own group (``"P10: onbekend"``), never
    counted as non-members. Raises UnknownOffices for an office not on the map.
    """
    have = {office.name for office in await store.list_offices(conn)}
    missing = [office for office in offices if office not in have]
    if missing:
        raise UnknownOffices(missing)
    order = await network_names(conn)
    organisations = await load_organisations(conn)
    groups: list[PopulationGroup] = []
    for dimension in DIMENSIONS:
        sizes = population_sizes(organisations, dimension, offices=offices)
        pairs = _network_groups(sizes, order) if dimension == "network" else sizes.items()
        groups.extend(PopulationGroup(dimension, group, size) for group, size in pairs)
    return groups
