"""The population to represent: offices × municipalities, grouped per dimension."""

from __future__ import annotations

import pytest

from server.stakeholders.population import (
    DEFAULT_OFFICES,
    DIMENSIONS,
    SIZE_CLASSES,
    UNKNOWN,
    combine,
    cross_tally,
    groups_of,
    members,
    network_unknown,
    population_sizes,
    size_class,
    tally,
)
from server.stakeholders.reference import (
    NETWORKS,
    PROVINCES,
    Organisation,
    load_municipalities,
    vng_branches,
)


@pytest.fixture(scope="module")
def municipalities() -> tuple[Organisation, ...]:
    return load_municipalities()


def town(code: str, population: int | None, **networks: bool | None) -> Organisation:
    flags = {n: networks.get(n) for n in NETWORKS}
    return Organisation(code, code, "gemeente", "Utrecht", population, flags)


def test_the_default_population_is_three_offices_at_342_municipalities(municipalities) -> None:
    assert DEFAULT_OFFICES == ("burgemeester", "gemeentesecretaris", "griffier")
    assert len(list(members(municipalities))) == 1026
    assert population_sizes(municipalities, "office") == dict.fromkeys(DEFAULT_OFFICES, 342)


def test_offices_can_be_extended(municipalities) -> None:
    offices = (*DEFAULT_OFFICES, "wethouder")
    sizes = population_sizes(municipalities, "office", offices=offices)
    assert sizes["wethouder"] == 342
    assert sum(population_sizes(municipalities, "size", offices=offices).values()) == 4 * 342


@pytest.mark.parametrize("offices", [(), ("griffier", "griffier"), ("",), "griffier"])
def test_offices_must_be_distinct_names(municipalities, offices) -> None:
    with pytest.raises((ValueError, TypeError)):
        population_sizes(municipalities, "office", offices=offices)


def test_vng_branches_are_not_part_of_the_population(municipalities) -> None:
    everyone = (*municipalities, *vng_branches(municipalities))
    assert population_sizes(everyone, "office") == population_sizes(municipalities, "office")


def test_provinces_are_listed_in_cbs_order_with_three_offices_each(municipalities) -> None:
    sizes = population_sizes(municipalities, "province")
    assert list(sizes) == list(PROVINCES)
    assert sizes["Flevoland"] == 3 * 6
    assert sizes["Noord-Brabant"] == 3 * 56


@pytest.mark.parametrize(
    ("inhabitants", "label"),
    [
        (0, "tot 20.000 inwoners"),
        (19_999, "tot 20.000 inwoners"),
        (20_000, "20.000 tot 50.000 inwoners"),
        (49_999, "20.000 tot 50.000 inwoners"),
        (50_000, "50.000 tot 100.000 inwoners"),
        (99_999, "50.000 tot 100.000 inwoners"),
        (100_000, "100.000 inwoners of meer"),
        (1_000_000, "100.000 inwoners of meer"),
        (None, UNKNOWN),
    ],
)
def test_size_class_bounds_are_lower_inclusive(inhabitants, label) -> None:
    assert size_class(inhabitants) == label


def test_size_classes_of_2024(municipalities) -> None:
    sizes = population_sizes(municipalities, "size", offices=("burgemeester",))
    assert list(sizes) == [c.label for c in SIZE_CLASSES]
    assert list(sizes.values()) == [65, 182, 63, 32]


def test_network_counts_only_true_memberships_and_unknown_apart(municipalities) -> None:
    sizes = population_sizes(municipalities, "network")
    assert sizes["G4"] == 3 * 4
    assert sizes["G40"] == 3 * 41
    assert sizes["M50"] == 3 * 61
    assert sizes["P10"] == 0
    assert sizes[network_unknown("P10")] == 1026
    assert sizes[network_unknown("K80")] == 1026
    assert network_unknown("G40") not in sizes


def test_an_unknown_membership_is_never_counted_as_non_member() -> None:
    towns = [town("GM0001", 5000, P10=True), town("GM0002", 5000, P10=None)]
    sizes = population_sizes(towns, "network", offices=("griffier",))
    assert sizes["P10"] == 1
    assert sizes[network_unknown("P10")] == 1
    assert sizes[network_unknown("G4")] == 2


def test_unknown_population_and_province_have_their_own_group() -> None:
    lost = Organisation("GM0003", "Nergens", "gemeente", None, None, {})
    assert groups_of(("griffier", lost), "size") == (UNKNOWN,)
    assert groups_of(("griffier", lost), "province") == (UNKNOWN,)
    assert population_sizes([lost], "size", offices=("griffier",))[UNKNOWN] == 1


def test_a_member_of_several_networks_is_in_each_group() -> None:
    member = ("burgemeester", town("GM0004", 60000, G40=True, M50=True, G4=False))
    assert groups_of(member, "network")[:2] == ("G40", "M50")


def test_combine_is_a_full_crosstab_whose_cells_add_up(municipalities) -> None:
    table = combine(municipalities, "office", "province")
    assert list(table) == list(DEFAULT_OFFICES)
    assert all(list(row) == list(PROVINCES) for row in table.values())
    assert table["griffier"]["Zeeland"] == 13
    assert sum(sum(row.values()) for row in table.values()) == 1026


def test_combine_keeps_empty_pairs(municipalities) -> None:
    table = combine(municipalities, "network", "province")
    assert table["G4"]["Zeeland"] == 0
    assert table["G4"]["Utrecht"] == 3


@pytest.mark.parametrize("dimension", DIMENSIONS)
def test_combine_refuses_a_dimension_with_itself(municipalities, dimension) -> None:
    with pytest.raises(ValueError):
        combine(municipalities, dimension, dimension)


def test_tally_counts_a_subset_on_the_same_groups(municipalities) -> None:
    utrecht = [org for org in municipalities if org.province == "Utrecht"]
    invited = [("griffier", org) for org in utrecht[:3]]
    counts = tally(invited, "province")
    assert list(counts) == list(PROVINCES)
    assert counts["Utrecht"] == 3
    assert counts["Limburg"] == 0
    assert cross_tally(invited, "office", "province")["burgemeester"]["Utrecht"] == 0


def test_an_office_outside_the_list_is_counted_under_its_own_name(municipalities) -> None:
    counts = tally([("wethouder", municipalities[0])], "office")
    assert counts == {**dict.fromkeys(DEFAULT_OFFICES, 0), "wethouder": 1}
