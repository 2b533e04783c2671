"""The workshop clock: one deadline for every screen, pauses keep the remaining time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from server.workshops.clock import Clock, ClockError, apply

T0 = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
PLANNED = Clock("planned", None, None, None)


def later(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def test_start_sets_the_first_rounds_deadline() -> None:
    clock = apply(PLANNED, "start", T0, [300, 120])
    assert clock == Clock("running", 0, later(300), None)


def test_pause_keeps_remaining_and_resume_continues_from_it() -> None:
    running = apply(PLANNED, "start", T0, [300])
    paused = apply(running, "pause", later(100), [300])
    assert paused.state == "paused" and paused.remaining_seconds == 200 and paused.deadline is None
    resumed = apply(paused, "resume", later(1000), [300])
    assert resumed.deadline == later(1200)


def test_extend_moves_the_deadline_or_adds_to_a_pause() -> None:
    running = apply(PLANNED, "start", T0, [60])
    assert apply(running, "extend", later(10), [60], 30).deadline == later(90)
    assert apply(running, "extend", later(100), [60], 30).deadline == later(130)
    paused = apply(running, "pause", later(10), [60])
    assert apply(paused, "extend", later(20), [60], 30).remaining_seconds == 80


def test_next_walks_the_agenda_and_ends_without_a_round() -> None:
    clock = apply(PLANNED, "start", T0, [60, 90])
    clock = apply(clock, "next", later(50), [60, 90])
    assert clock.current == 1 and clock.deadline == later(140)
    assert apply(clock, "next", later(60), [60, 90]) == Clock("running", None, None, None)


@pytest.mark.parametrize(
    ("clock", "action"),
    [
        (PLANNED, "pause"),
        (PLANNED, "next"),
        (Clock("running", 0, T0, None), "start"),
        (Clock("running", 0, T0, None), "resume"),
        (Clock("closed", None, None, None), "start"),
    ],
)
def test_actions_that_do_not_fit_the_state_are_refused(clock: Clock, action: str) -> None:
    with pytest.raises(ClockError):
        apply(clock, action, T0, [60])  # type: ignore[arg-type]


def test_extend_is_bounded() -> None:
    with pytest.raises(ClockError):
        apply(apply(PLANNED, "start", T0, [60]), "extend", T0, [60], 0)
