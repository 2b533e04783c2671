"""Profiles on the stakeholder map: who an invitation or a participant stands for.

The funnel, the reminders and the batch all classify people the way the
representation monitor classifies the population (``population.groups_of``), so their
groups line up: an invitation drawn from the map is its organisation; a profile with a
municipality code is that municipality; a profile without one (a province only) is an
organisation the map does not know, whose size and networks are unknown unless the
profile declares a network.

A stored ``network`` may hold several names separated by commas (a batch stores every
tracked network its organisation is a member of).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Final

import msgspec
from sqlalchemy.ext.asyncio import AsyncConnection

from server.errors import ApiError
from server.stakeholders.population import (
    DEFAULT_OFFICES,
    SIZE_CLASSES,
    UNKNOWN,
    Member,
    groups_of,
    network_unknown,
)
from server.stakeholders.reference import (
    KIND_MUNICIPALITY,
    KIND_OTHER,
    KINDS,
    PROVINCES,
    Organisation,
    parse_province,
)
from server.stakeholders.service import load_organisations, network_names, ordered_offices
from storage import stakeholders as stakeholder_store

NETWORK_SEPARATOR: Final = ","
SIZE_GROUPS: Final = (*(c.label for c in SIZE_CLASSES), UNKNOWN)


@dataclass(frozen=True)
class StakeholderMap:
    """What the invitation feature needs of the map, read once per request."""

    organisations: dict[str, Organisation]
    offices: tuple[str, ...]
    office_labels: dict[str, str]
    networks: tuple[str, ...]
    """Every network the map tracks, in display order."""

    def municipalities(self) -> list[Organisation]:
        """The municipalities by name (for a select list)."""
        found = [o for o in self.organisations.values() if o.kind == KIND_MUNICIPALITY]
        return sorted(found, key=lambda o: o.name.casefold())


async def load_map(conn: AsyncConnection) -> StakeholderMap:
    """The stakeholder map as it is now; the default offices when none are stored."""
    organisations = await load_organisations(conn)
    stored = ordered_offices(await stakeholder_store.list_offices(conn))
    offices = tuple(o.name for o in stored) or DEFAULT_OFFICES
    labels = {o.name: o.label for o in stored} or {o: o.capitalize() for o in DEFAULT_OFFICES}
    return StakeholderMap(
        {o.code: o for o in organisations}, offices, labels, tuple(await network_names(conn))
    )


def split_networks(value: str | None) -> tuple[str, ...]:
    """The network names a stored profile carries."""
    if not value:
        return ()
    return tuple(n.strip() for n in value.split(NETWORK_SEPARATOR) if n.strip())


def join_networks(names: Iterable[str]) -> str | None:
    """How a list of networks is stored in a profile (None when empty)."""
    joined = NETWORK_SEPARATOR.join(names)
    return joined or None


def member_networks(org: Organisation, networks: Sequence[str]) -> tuple[str, ...]:
    """The tracked networks an organisation is a member of (True only)."""
    return tuple(n for n in networks if org.networks.get(n) is True)


def _as_counted(org: Organisation) -> Organisation:
    """Only a municipality has a size class: a branch's inhabitants are its province's."""
    return org if org.kind == KIND_MUNICIPALITY else replace(org, population=None)


def member_of(
    smap: StakeholderMap,
    office: str,
    *,
    organisation: str | None = None,
    municipality: str | None = None,
    province: str | None = None,
    network: str | None = None,
) -> Member:
    """The population member a profile stands for; declared networks count as members."""
    declared = split_networks(network)
    org = smap.organisations.get(organisation or "") or smap.organisations.get(municipality or "")
    if org is None:
        org = Organisation(
            code=organisation or municipality or "",
            name="",
            kind=KIND_OTHER,
            province=province,
            population=None,
            networks={n: None for n in smap.networks},
        )
    if declared:
        org = replace(org, networks={**org.networks, **dict.fromkeys(declared, True)})
    return office, _as_counted(org)


class GroupFilter(msgspec.Struct, forbid_unknown_fields=True):
    """A group of the population: every given condition holds (None leaves it out).

    ``network`` and ``size`` take the groups the funnel shows, ``"P10: onbekend"`` and
    ``"onbekend"`` included; ``codes`` are organisation codes of the map.
    """

    office: str | None = None
    province: str | None = None
    network: str | None = None
    kind: str | None = None
    size: str | None = None
    codes: list[str] | None = None


def checked_filter(group: GroupFilter, smap: StakeholderMap) -> GroupFilter:
    """The filter with its province spelled as the map does, or a 400 naming what is wrong."""
    province = group.province
    if province is not None:
        try:
            province = parse_province(province) or UNKNOWN
        except ValueError:
            if province != UNKNOWN:
                _invalid(f"onbekende provincie '{province}'", PROVINCES)
    if group.office is not None and group.office not in smap.offices:
        _invalid(f"onbekende functie '{group.office}'", smap.offices)
    networks = (*smap.networks, *(network_unknown(n) for n in smap.networks))
    if group.network is not None and group.network not in networks:
        _invalid(f"onbekend netwerk '{group.network}'", smap.networks)
    if group.kind is not None and group.kind not in KINDS:
        _invalid(f"onbekende soort '{group.kind}'", KINDS)
    if group.size is not None and group.size not in SIZE_GROUPS:
        _invalid(f"onbekende grootteklasse '{group.size}'", SIZE_GROUPS)
    if group.codes is not None:
        unknown = sorted(set(group.codes) - set(smap.organisations))
        if unknown:
            raise ApiError(400, "invalid", f"Onbekende organisatiecodes: {', '.join(unknown)}.")
    return msgspec.structs.replace(group, province=province)


def _invalid(problem: str, choices: Iterable[str]) -> None:
    raise ApiError(400, "invalid", f"Filter: {problem} (kies uit: {', '.join(choices)}).")


def matches(group: GroupFilter, member: Member) -> bool:
    """Whether a member falls in every group the filter names."""
    office, org = member
    return (
        (group.office is None or office == group.office)
        and (group.kind is None or org.kind == group.kind)
        and (group.codes is None or org.code in group.codes)
        and (group.province is None or group.province in groups_of(member, "province"))
        and (group.network is None or group.network in groups_of(member, "network"))
        and (group.size is None or group.size in groups_of(member, "size"))
    )


class Profile(msgspec.Struct, forbid_unknown_fields=True):
    """A self-declared profile: an office, and a municipality (CBS code) or a province."""

    office: str
    municipality: str | None = None
    province: str | None = None
    network: str | None = None


def checked_profile(profile: Profile, smap: StakeholderMap) -> Profile:
    """The profile checked against the map, a municipality's province filled in; or a 400."""
    office = profile.office.strip().lower()
    if office not in smap.offices:
        raise ApiError(400, "invalid", "Kies uw functie uit de lijst.")
    municipality = (profile.municipality or "").strip().upper() or None
    province = (profile.province or "").strip() or None
    network = (profile.network or "").strip() or None
    if network is not None and network not in smap.networks:
        raise ApiError(400, "invalid", "Kies een netwerk uit de lijst, of geen.")
    if municipality is not None:
        org = smap.organisations.get(municipality)
        if org is None or org.kind != KIND_MUNICIPALITY:
            raise ApiError(400, "invalid", "Kies uw gemeente uit de lijst.")
        if province is not None and _province(province) != org.province:
            raise ApiError(
                400, "invalid", f"{org.name} ligt in {org.province}; laat de provincie leeg."
            )
        return Profile(office, municipality, org.province, network)
    if province is None:
        raise ApiError(400, "invalid", "Kies uw gemeente, of anders uw provincie.")
    return Profile(office, None, _province(province), network)


def _province(value: str) -> str:
    try:
        parsed = parse_province(value)
    except ValueError:
        parsed = None
    if parsed is None:
        raise ApiError(400, "invalid", "Kies een provincie uit de lijst.")
    return parsed
