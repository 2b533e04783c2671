"""Vinden: the stakeholder map (organisations, networks, memberships, offices, contacts).

``source`` says who set a row last. A reference import never overwrites a row that a
facilitator set: the facilitator's correction wins, per organisation (name, province,
population) and per membership. A membership is True, False or None; None and a
missing row both mean *unknown*, never *not a member*.

Contacts are identity data (e-mail addresses to invite); they are kept in their own
table and only ever read to address invitations.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, Protocol

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.errors import Conflict
from storage.tables import contacts, memberships, networks, offices, organisations

REFERENCE: Final = "reference"
FACILITATOR: Final = "facilitator"
SOURCES: Final = (REFERENCE, FACILITATOR)

Membership = bool | None
_FIELDS: Final = ("name", "kind", "province", "population")


class OrganisationData(Protocol):
    """What storage needs of an organisation; the server's reference records fit it."""

    @property
    def code(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def province(self) -> str | None: ...
    @property
    def population(self) -> int | None: ...
    @property
    def networks(self) -> Mapping[str, Membership]: ...


@dataclass(frozen=True, slots=True)
class StoredOrganisation:
    """An organisation with a membership value for every network (None: unknown)."""

    code: str
    name: str
    kind: str
    province: str | None
    population: int | None
    source: str
    updated_at: datetime
    networks: dict[str, Membership]


@dataclass(frozen=True, slots=True)
class Network:
    name: str
    description: str


@dataclass(frozen=True, slots=True)
class Office:
    name: str
    label: str


@dataclass(frozen=True, slots=True)
class NewContact:
    organisation_code: str
    office: str
    email: str


@dataclass(frozen=True, slots=True)
class Contact:
    id: int
    organisation_code: str
    office: str
    email: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class OrganisationFilter:
    """Conditions that all hold; None leaves a condition out."""

    code: str | None = None
    province: str | None = None
    kind: str | None = None
    network: str | None = None
    """Members of this network only (membership True; unknown is not a member)."""
    name_contains: str | None = None
    """Case-insensitive (ASCII case on SQLite, full Unicode on Postgres)."""
    population_at_least: int | None = None
    population_below: int | None = None
    population_unknown: bool = False


@dataclass(frozen=True, slots=True)
class SeedCounts:
    """What a reference import did, organisation by organisation."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    kept: int = 0
    """Organisations whose name, province and population a facilitator set: left alone."""
    memberships_kept: int = 0
    """Memberships a facilitator set that the reference would have changed or restated."""


def _insert(conn: AsyncConnection, table: sa.Table) -> Any:
    """An INSERT that knows ON CONFLICT on either backend."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    return dialect.insert(table)


# --- networks and offices -----------------------------------------------------------------


async def list_networks(conn: AsyncConnection) -> list[Network]:
    """Every network, by name."""
    rows = await conn.execute(sa.select(networks).order_by(networks.c.name))
    return [Network(r.name, r.description) for r in rows]


async def add_network(conn: AsyncConnection, name: str, description: str) -> Network:
    """Add a network; Conflict when one has this name in any letter case."""
    same = sa.func.lower(networks.c.name) == name.lower()
    if (await conn.execute(sa.select(networks.c.name).where(same))).first() is not None:
        raise Conflict(f"network {name} exists")
    await conn.execute(networks.insert().values(name=name, description=description))
    return Network(name, description)


async def ensure_networks(conn: AsyncConnection, wanted: Iterable[Network]) -> int:
    """Add the networks that are missing; existing descriptions stay. Returns how many."""
    have = {n.name for n in await list_networks(conn)}
    new = [{"name": n.name, "description": n.description} for n in wanted if n.name not in have]
    if new:
        await conn.execute(networks.insert(), new)
    return len(new)


async def list_offices(conn: AsyncConnection) -> list[Office]:
    """Every office, by name."""
    rows = await conn.execute(sa.select(offices).order_by(offices.c.name))
    return [Office(r.name, r.label) for r in rows]


async def add_office(conn: AsyncConnection, name: str, label: str) -> Office:
    """Add an office; Conflict when it exists."""
    if (await conn.execute(sa.select(offices.c.name).where(offices.c.name == name))).first():
        raise Conflict(f"office {name} exists")
    await conn.execute(offices.insert().values(name=name, label=label))
    return Office(name, label)


async def ensure_offices(conn: AsyncConnection, wanted: Iterable[Office]) -> int:
    """Add the offices that are missing; existing labels stay. Returns how many."""
    have = {o.name for o in await list_offices(conn)}
    new = [{"name": o.name, "label": o.label} for o in wanted if o.name not in have]
    if new:
        await conn.execute(offices.insert(), new)
    return len(new)


# --- organisations and memberships --------------------------------------------------------


def _conditions(f: OrganisationFilter) -> list[sa.ColumnElement[bool]]:
    c = organisations.c
    found: list[sa.ColumnElement[bool]] = []
    for column, value in ((c.code, f.code), (c.province, f.province), (c.kind, f.kind)):
        if value is not None:
            found.append(column == value)
    if f.network is not None:
        members = sa.select(memberships.c.organisation_code).where(
            memberships.c.network == f.network, memberships.c.member == sa.true()
        )
        found.append(c.code.in_(members))
    if f.name_contains:
        found.append(sa.func.lower(c.name).contains(f.name_contains.lower(), autoescape=True))
    if f.population_at_least is not None:
        found.append(c.population >= f.population_at_least)
    if f.population_below is not None:
        found.append(c.population < f.population_below)
    if f.population_unknown:
        found.append(c.population.is_(None))
    return found


async def list_organisations(
    conn: AsyncConnection, where: OrganisationFilter | None = None
) -> list[StoredOrganisation]:
    """The organisations that match, by code, each with every network as a key."""
    conditions = _conditions(where or OrganisationFilter())
    names = [n.name for n in await list_networks(conn)]
    rows = (
        await conn.execute(
            sa.select(organisations).where(*conditions).order_by(organisations.c.code)
        )
    ).all()
    codes = sa.select(organisations.c.code).where(*conditions)
    found: dict[str, dict[str, Membership]] = {r.code: dict.fromkeys(names) for r in rows}
    member_rows = await conn.execute(
        sa.select(
            memberships.c.organisation_code, memberships.c.network, memberships.c.member
        ).where(memberships.c.organisation_code.in_(codes))
    )
    for code, network, member in member_rows:
        found[code][network] = member
    return [
        StoredOrganisation(
            r.code, r.name, r.kind, r.province, r.population, r.source, r.updated_at, found[r.code]
        )
        for r in rows
    ]


async def get_organisation(conn: AsyncConnection, code: str) -> StoredOrganisation | None:
    """The organisation with this code, if any."""
    found = await list_organisations(conn, OrganisationFilter(code=code))
    return found[0] if found else None


async def upsert_organisations(
    conn: AsyncConnection, orgs: Iterable[OrganisationData], *, source: str, now: datetime
) -> None:
    """Insert or update name, kind, province and population (not the networks).

    With source ``reference`` a row a facilitator set is left as it is.
    """
    rows = [
        {"code": o.code, **{f: getattr(o, f) for f in _FIELDS}, "source": source, "updated_at": now}
        for o in orgs
    ]
    if not rows:
        return
    stmt = _insert(conn, organisations)
    stmt = stmt.on_conflict_do_update(
        index_elements=[organisations.c.code],
        set_={name: stmt.excluded[name] for name in (*_FIELDS, "source", "updated_at")},
        where=organisations.c.source != FACILITATOR if source == REFERENCE else None,
    )
    await conn.execute(stmt, rows)


async def upsert_organisation(
    conn: AsyncConnection, org: OrganisationData, *, source: str, now: datetime
) -> None:
    """One organisation's fields; see ``upsert_organisations``."""
    await upsert_organisations(conn, [org], source=source, now=now)


async def set_memberships(
    conn: AsyncConnection,
    values: Iterable[tuple[str, str, Membership]],
    *,
    source: str,
    now: datetime,
) -> None:
    """Set (organisation code, network, member) triples; None records *unknown*.

    With source ``reference`` a membership a facilitator set is left as it is.
    """
    rows = [
        {"organisation_code": c, "network": n, "member": m, "source": source, "updated_at": now}
        for c, n, m in values
    ]
    if not rows:
        return
    stmt = _insert(conn, memberships)
    stmt = stmt.on_conflict_do_update(
        index_elements=[memberships.c.organisation_code, memberships.c.network],
        set_={name: stmt.excluded[name] for name in ("member", "source", "updated_at")},
        where=memberships.c.source != FACILITATOR if source == REFERENCE else None,
    )
    await conn.execute(stmt, rows)


async def set_membership(
    conn: AsyncConnection,
    code: str,
    network: str,
    member: Membership,
    *,
    source: str,
    now: datetime,
) -> None:
    """One membership; see ``set_memberships``."""
    await set_memberships(conn, [(code, network, member)], source=source, now=now)


async def _membership_state(conn: AsyncConnection) -> dict[tuple[str, str], tuple[Membership, str]]:
    rows = await conn.execute(
        sa.select(
            memberships.c.organisation_code,
            memberships.c.network,
            memberships.c.member,
            memberships.c.source,
        )
    )
    return {(r.organisation_code, r.network): (r.member, r.source) for r in rows}


async def seed_organisations(
    conn: AsyncConnection, orgs: Sequence[OrganisationData], now: datetime
) -> SeedCounts:
    """Write reference organisations and memberships; what a facilitator set stays.

    Rows that would not change are not written, so ``updated_at`` keeps its meaning.
    """
    existing = {o.code: o for o in await list_organisations(conn)}
    states = await _membership_state(conn)
    counts = {"added": 0, "updated": 0, "unchanged": 0, "kept": 0, "memberships_kept": 0}
    write: list[OrganisationData] = []
    links: list[tuple[str, str, Membership]] = []
    for org in orgs:
        old = existing.get(org.code)
        fields_differ = old is None or any(getattr(old, f) != getattr(org, f) for f in _FIELDS)
        if old is None or (fields_differ and old.source != FACILITATOR):
            write.append(org)
        changed_links = 0
        for network, member in org.networks.items():
            state = states.get((org.code, network))
            if state is not None and state[1] == FACILITATOR:
                counts["memberships_kept"] += 1
            elif state is None or state[0] is not member:
                links.append((org.code, network, member))
                changed_links += 1
        if old is None:
            counts["added"] += 1
        elif old.source == FACILITATOR:
            counts["kept"] += 1
        elif fields_differ or changed_links:
            counts["updated"] += 1
        else:
            counts["unchanged"] += 1
    await upsert_organisations(conn, write, source=REFERENCE, now=now)
    await set_memberships(conn, links, source=REFERENCE, now=now)
    return SeedCounts(**counts)


# --- contacts (identity data) -------------------------------------------------------------


async def add_contacts(conn: AsyncConnection, new: Iterable[NewContact], now: datetime) -> int:
    """Add contacts; one already known (same organisation, office, e-mail) is skipped.

    Returns how many were added.
    """
    have = {
        (r.organisation_code, r.office, r.email)
        for r in await conn.execute(
            sa.select(contacts.c.organisation_code, contacts.c.office, contacts.c.email)
        )
    }
    rows: dict[tuple[str, str, str], dict[str, object]] = {}
    for c in new:
        key = (c.organisation_code, c.office, c.email)
        if key not in have:
            rows[key] = {"organisation_code": key[0], "office": key[1], "email": key[2]}
    if rows:
        stmt = _insert(conn, contacts).on_conflict_do_nothing(
            index_elements=[contacts.c.organisation_code, contacts.c.office, contacts.c.email]
        )
        await conn.execute(stmt, [{**row, "created_at": now} for row in rows.values()])
    return len(rows)


async def list_contacts(
    conn: AsyncConnection,
    *,
    offices: Iterable[str] | None = None,
    organisation_codes: Iterable[str] | None = None,
) -> list[Contact]:
    """The contacts to invite, by organisation, office and e-mail; None means all."""
    query = sa.select(contacts).order_by(
        contacts.c.organisation_code, contacts.c.office, contacts.c.email
    )
    if offices is not None:
        query = query.where(contacts.c.office.in_(list(offices)))
    if organisation_codes is not None:
        query = query.where(contacts.c.organisation_code.in_(list(organisation_codes)))
    rows = await conn.execute(query)
    return [Contact(r.id, r.organisation_code, r.office, r.email, r.created_at) for r in rows]


async def count_contacts(conn: AsyncConnection) -> dict[str, int]:
    """How many contacts each office has (offices without any are left out)."""
    rows = await conn.execute(
        sa.select(contacts.c.office, sa.func.count()).group_by(contacts.c.office)
    )
    return {office: count for office, count in rows}
