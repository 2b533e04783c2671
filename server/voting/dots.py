"""Dot voting: a ballot spreads a budget of dots (10 by default) over the items.

A ballot maps item → dots. It is valid when every item is on the ballot, every count
is a whole number of 0 or more, no item gets more than ``max_per_item`` (when set)
and the total stays within the budget. Using fewer dots than the budget is allowed
(a participant may hold back), unless ``use_all`` is set. Messages are Dutch: they go
to participants as they are.
"""

from __future__ import annotations

from collections.abc import Collection, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final, cast

DEFAULT_DOTS: Final = 10
"""Ten dots are easy to split in halves and fifths, and enough to express a ranking."""


class BallotError(ValueError):
    """A ballot the rules reject; ``str(error)`` is a Dutch message for the participant."""


@dataclass(frozen=True)
class DotRules:
    """The budget of a dot vote: ``dots`` in all, at most ``max_per_item`` on one item."""

    dots: int = DEFAULT_DOTS
    max_per_item: int | None = None
    use_all: bool = False

    def __post_init__(self) -> None:
        if not _is_count(self.dots) or self.dots < 1:
            raise ValueError("dots must be a positive integer")
        if self.max_per_item is not None and (
            not _is_count(self.max_per_item) or not 1 <= self.max_per_item <= self.dots
        ):
            raise ValueError("max_per_item must be between 1 and dots")


@dataclass(frozen=True)
class DotCount:
    """The result of one item: dots in all, and how many ballots gave it any."""

    item: Hashable
    dots: int
    voters: int

    def share(self, total_dots: int) -> float:
        """This item's part of all dots cast, 0–1 (0 when nothing was cast)."""
        return self.dots / total_dots if total_dots else 0.0


@dataclass(frozen=True)
class DotTally:
    """Dot totals per item in ballot order, the number of ballots and of dots cast."""

    items: tuple[DotCount, ...]
    ballots: int
    dots: int

    def ranked(self) -> tuple[DotCount, ...]:
        """Items by dots, most first; ties keep ballot order (a stable sort)."""
        return tuple(sorted(self.items, key=lambda c: -c.dots))


def validate_ballot(
    ballot: Mapping[Hashable, object],
    items: Collection[Hashable],
    rules: DotRules | None = None,
) -> dict[Hashable, int]:
    """The ballot without zeros, or ``BallotError`` with a Dutch message (default rules:
    10 dots, no cap per item)."""
    rules = rules or DotRules()
    unknown = [item for item in ballot if item not in items]
    if unknown:
        raise BallotError("U kunt alleen stippen geven aan onderwerpen op dit stembiljet.")
    for count in ballot.values():
        if not _is_count(count):
            raise BallotError("Het aantal stippen is een heel getal van 0 of meer.")
    dots = {item: cast(int, count) for item, count in ballot.items() if count}
    _check_per_item(dots, rules)
    _check_total(sum(dots.values()), rules)
    return dots


def tally(ballots: Iterable[Mapping[Hashable, int]], items: Sequence[Hashable]) -> DotTally:
    """Dots and voters per item over valid ballots; an item off the list is a bug."""
    dots = dict.fromkeys(items, 0)
    voters = dict.fromkeys(items, 0)
    count = 0
    for ballot in ballots:
        count += 1
        for item, given in ballot.items():
            if item not in dots:
                raise ValueError(f"a ballot gives dots to {item!r}, which is not on the list")
            if given:
                dots[item] += given
                voters[item] += 1
    counts = tuple(DotCount(item, dots[item], voters[item]) for item in items)
    return DotTally(counts, count, sum(dots.values()))


def _is_count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _check_per_item(dots: Mapping[Hashable, int], rules: DotRules) -> None:
    cap = rules.max_per_item
    if cap is not None and any(count > cap for count in dots.values()):
        raise BallotError(f"U kunt hoogstens {_dots(cap)} aan één onderwerp geven.")


def _check_total(total: int, rules: DotRules) -> None:
    if total > rules.dots:
        raise BallotError(
            f"U heeft {_dots(total)} verdeeld; u kunt er hoogstens {rules.dots} verdelen."
        )
    if rules.use_all and total < rules.dots:
        raise BallotError(f"Verdeel al uw {rules.dots} stippen; u heeft er nu {total} verdeeld.")


def _dots(count: int) -> str:
    return "1 stip" if count == 1 else f"{count} stippen"
