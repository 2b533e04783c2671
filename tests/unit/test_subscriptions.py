"""A connection's cursor holds live events during a replay and never repeats one."""

from __future__ import annotations

from dataclasses import dataclass

from realtime.subscriptions import ChannelCursor


@dataclass(frozen=True)
class D:
    seq: int
    is_event: bool = True


def test_events_held_during_replay_come_after_it_without_duplicates() -> None:
    cursor: ChannelCursor[D] = ChannelCursor("theme:1")
    for seq in (4, 5, 6):
        assert not cursor.offer(D(seq))
    assert [d.seq for d in cursor.finish_replay(5)] == [6]
    assert not cursor.offer(D(6))
    assert cursor.offer(D(7))


def test_positions_pass_live_but_not_from_the_hold() -> None:
    cursor: ChannelCursor[D] = ChannelCursor("theme:1")
    cursor.offer(D(3, is_event=False))
    assert cursor.finish_replay(3) == []
    assert cursor.offer(D(3, is_event=False))
