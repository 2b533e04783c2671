"""The representation monitor's rules one by one: releasing activity in batches of k people,
steps read from step changes, the index and the R-score from shown figures only, alerts
from shown figures only, and the whole-answer protection with both kinds of reader."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from server.representation.activity import Timeline, in_step, per_author, release_point
from server.representation.alerts import index_at_most, under_threshold
from server.representation.groups import parse_dimensions
from server.representation.protect import Reader, System, exposed, harden, known_beforehand
from server.representation.view import r_score
from storage.representation import Act, Monitor

T0 = datetime(2026, 3, 1, 9, tzinfo=UTC)


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


# --- release in batches of k people ---------------------------------------------------------


def test_activity_is_released_in_batches_of_k_different_people() -> None:
    acts = [Act(f"a{i % 7}", at(i), True) for i in range(12)]  # a0 … a6, then a0 … a4
    assert release_point(acts[:4], 5) is None
    assert release_point(acts[:5], 5) == at(4)  # a0 … a4: the first batch
    # a5, a6, a0, a1, a2 (minutes 5 … 9) are the second; a3 and a4 wait for three more
    assert release_point(acts, 5) == at(9)


def test_acts_at_the_same_moment_stay_in_one_batch() -> None:
    acts = [Act(f"a{i}", at(1), True) for i in range(7)]
    assert release_point(acts, 5) == at(1)
    assert per_author(acts, at(1)) == {f"a{i}": per_author(acts, at(1))[f"a{i}"] for i in range(7)}


@given(st.lists(st.tuples(st.integers(0, 9), st.integers(0, 60)), max_size=60))
def test_every_released_batch_holds_k_different_people(raw: list[tuple[int, int]]) -> None:
    acts = [Act(f"p{who}", at(minute), True) for who, minute in raw]
    point = release_point(acts, 5)
    if point is None:
        return
    released = {a.author for a in acts if a.at <= point}
    assert len(released) >= 5
    later = [a for a in acts if a.at > point]
    assert release_point(later, 5) is None  # the tail is an incomplete batch


def test_activity_counts_only_what_was_released() -> None:
    acts = [Act("a", at(1), True), Act("a", at(2), False), Act("b", at(3), True)]
    counted = per_author(acts, at(2))
    assert counted["a"].active and counted["a"].contributions == 1
    assert "b" not in counted
    assert per_author(acts, None) == {}


# --- steps ----------------------------------------------------------------------------------


def test_an_act_belongs_to_the_contribution_steps_open_at_its_moment() -> None:
    timeline = Timeline([(at(0), 3, "open"), (at(10), 4, "open"), (at(20), 3, "closed")])
    assert timeline.open_at(at(5)) == {3}
    assert timeline.open_at(at(15)) == {3, 4}
    assert timeline.open_at(at(25)) == {4}
    assert timeline.open_at(at(-1)) == frozenset()
    in_round = Act("a", at(5), True, in_workshop=True)
    assert timeline.steps_of(in_round) == {6}
    acts = [Act("a", at(5), True), Act("b", at(15), True), in_round]
    assert [a.author for a in in_step(acts, timeline, 4)] == ["b"]
    assert len(in_step(acts, timeline, 3)) == 2  # the workshop round counts as Verdiepen only
    assert len(in_step(acts, timeline, None)) == 3


# --- shown figures only ---------------------------------------------------------------------


def row(group: str, population: object, invited: object, joined: object) -> dict[str, object]:
    return {
        "dimension": "office",
        "group": group,
        "population": population,
        "invited": invited,
        "joined": joined,
        "index": None,
    }


def test_the_r_score_is_exact_only_when_every_rate_is_shown() -> None:
    rows = [row("a", 100, 20, 10), row("b", 100, 20, 5)]
    assert r_score(rows, 5) == {"value": 0.5, "range": [0.5, 0.5]}
    hidden = [row("a", 100, 20, 10), row("b", 100, 20, "<5")]
    assert r_score(hidden, 5) == {"value": None, "range": [0.0, 0.4]}
    unknown = [row("a", 100, 20, 10), row("onbekend", 100, 20, "<5")]
    assert r_score(unknown, 5) == {"value": None, "range": None}  # one group left: no ratio


def test_the_highest_index_the_shown_figures_allow() -> None:
    total = {"population": 300, "joined": 40}
    assert index_at_most(row("a", 100, 12, 8), total, 5) == pytest.approx((8 / 40) * 3)
    assert index_at_most(row("a", 100, 12, "<5"), total, 5) == pytest.approx((4 / 40) * 3)
    assert index_at_most(row("a", 100, 12, None), total, 5) == pytest.approx((12 / 40) * 3)
    assert index_at_most(row("a", 100, None, None), total, 5) is None
    assert index_at_most(row("a", "<5", 12, 8), total, 5) is None


def test_a_group_alerts_from_its_shown_figures_only() -> None:
    total = {"population": 300, "joined": 40}
    rows = [
        row("many invited, few joined", 100, 12, "<5"),
        row("few invited", 100, "<5", "<5"),
        row("invited hidden", 100, None, "<5"),
        row("onbekend", 100, 12, "<5"),
        row("well represented", 100, 20, 15),
    ]
    found = under_threshold(rows, total, Monitor(0.5, 10), 5)
    assert list(found) == [("office", "many invited, few joined")]
    assert found[("office", "many invited, few joined")]["index_at_most"] == 0.3
    assert under_threshold(rows, total, Monitor(0.2, 10), 5) == {}


def test_dimensions_are_one_or_two_distinct_known_ones() -> None:
    assert parse_dimensions(None) == ("office", "network", "province", "size")
    assert parse_dimensions("size, office") == ("size", "office")
    for bad in ("office,office", "colour", "office,size,province", ","):
        with pytest.raises(ValueError):
            parse_dimensions(bad)


# --- the whole answer -----------------------------------------------------------------------


def test_two_tables_safe_alone_are_hardened_together() -> None:
    system = System(5)
    for key, value in {"a": 2, "b": 8, "c": 5, "t1": 10, "t2": 7}.items():
        system.add(key, value)
    system.hide("b")  # table 1 alone: a "<5", b hidden, t1 shown — nothing follows
    system.line([("a", 1), ("b", 1), ("t1", -1)])
    system.line([("a", 1), ("c", 1), ("t2", -1)])  # table 2: a = t2 - c
    assert exposed(system)
    harden(system)
    assert exposed(system) == []
    assert system.shown("a") == "<5" and (system.shown("c") is None or system.shown("t2") is None)


def test_a_facilitator_who_knows_who_joined_learns_nothing_more() -> None:
    system = System(5)
    system.add("joined", 12)
    system.add("active", 10)
    system.add("inactive", 2, internal=True)
    system.add("other joined", 9)
    system.add("joined total", 21)
    system.line([("joined", -1), ("inactive", 1), ("active", 1)])
    system.line([("joined", 1), ("other joined", 1), ("joined total", -1)])
    system.hide("joined")
    system.hide("other joined")  # the answer alone: joined ≥ 5, so "inactive" is free
    assert exposed(system) == []
    facilitator = Reader("facilitator", system.cells(lambda key: "joined" in str(key)))
    assert exposed(system, facilitator.knows)  # but 12 joined, 10 active: 2 inactive
    harden(system, [Reader("answer"), facilitator])
    assert system.shown("active") is None  # 10 active of 12 joined is not printed
    assert exposed(system, facilitator.knows) == []


def test_what_a_reader_knew_beforehand_costs_no_figure() -> None:
    system = System(5)
    system.add("joined", 0)
    system.add("active", 0)
    system.add("inactive", 0, internal=True)
    system.add("other active", 7)
    system.add("active total", 7)
    system.line([("joined", -1), ("inactive", 1), ("active", 1)])
    system.line([("active", 1), ("other active", 1), ("active total", -1)])
    facilitator = Reader("facilitator", system.cells(lambda key: key == "joined"))
    # nobody joined, so nobody was active: the facilitator knows that from the invitations
    knew = known_beforehand(system, facilitator)
    assert {system.keys[c] for c in knew} == {"joined", "active", "inactive"}
    harden(system, [facilitator])
    assert system.shown("other active") == 7 and system.shown("active total") == 7
    # a reader of the answer alone did not know it: for them the 7 and 7 give the 0 away
    harden(system, [Reader("answer")])
    assert None in (system.shown("other active"), system.shown("active total"))
