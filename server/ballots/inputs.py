"""What results are computed from: a ballot's votes, and its voters' groups.

Votes are stored under pseudonyms; profiles under participant ids. ``load_electorate``
links the two in memory, for this request only, by recomputing each participant's
pseudonym (``Signer.pseudonym``) — the same way a participant's own view is found. The
mapping never leaves the server: only suppressed aggregates are sent.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncConnection

from server.invitations.funnel import standard_groups
from server.invitations.profiles import StakeholderMap, load_map, member_of
from server.security import Signer
from server.stakeholders.population import DIMENSIONS, UNKNOWN, Member, groups_of
from server.voting.pairwise import PairVote
from server.voting.results import Grouping, grouping
from server.voting.statements import Stance, StatementVote
from storage import ballots as store
from storage.ballots import Ballot, BallotItem, PairAnswer


@dataclass(frozen=True)
class Votes:
    """A ballot, its items and every vote on it, keyed by pseudonym."""

    ballot: Ballot
    items: tuple[BallotItem, ...]
    dots: Mapping[str, Mapping[int, int]]
    stances: tuple[tuple[str, int, int], ...]
    pairs: tuple[PairAnswer, ...]

    @property
    def ids(self) -> list[int]:
        """Item ids in ballot order."""
        return [item.id for item in self.items]

    def voters(self) -> tuple[str, ...]:
        """Everyone who voted on the ballot (a withdrawn dot ballot is no vote)."""
        if self.ballot.method == "dots":
            return tuple(self.dots)
        if self.ballot.method == "statements":
            return tuple(dict.fromkeys(a for a, _, _ in self.stances))
        return tuple(dict.fromkeys(a.author for a in self.pairs))

    def statement_votes(self) -> list[StatementVote]:
        """The stances as the statement math takes them."""
        return [StatementVote(a, item, Stance(s)) for a, item, s in self.stances]

    def pair_votes(self) -> dict[str, list[PairVote]]:
        """Each voter's answers as the pairwise math takes them."""
        by_voter: dict[str, list[PairVote]] = {}
        for answer in self.pairs:
            by_voter.setdefault(answer.author, []).append(as_pair_vote(answer))
        return by_voter


def as_pair_vote(answer: PairAnswer) -> PairVote:
    """A stored answer as a vote: winner first, or "kan niet kiezen"."""
    if answer.winner is None:
        return PairVote.cant_choose(answer.low, answer.high)
    loser = answer.high if answer.winner == answer.low else answer.low
    return PairVote(answer.winner, loser)


async def load_votes(conn: AsyncConnection, ballot: Ballot) -> Votes:
    """Everything cast on a ballot (only what its method uses)."""
    items = tuple(await store.list_items(conn, ballot.id))
    dots = await store.dot_votes(conn, ballot.id) if ballot.method == "dots" else {}
    stances = await store.stances(conn, ballot.id) if ballot.method == "statements" else []
    pairs = await store.pair_answers(conn, ballot.id) if ballot.method == "pairwise" else []
    return Votes(ballot, items, dots, tuple(stances), tuple(pairs))


@dataclass(frozen=True)
class Electorate:
    """The voters' places in the population: pseudonym → member, in memory only."""

    smap: StakeholderMap
    members: Mapping[str, Member]

    def groupings(self) -> list[Grouping]:
        """Office, network, province and size class, each listing its standard groups."""
        return [
            grouping(
                dimension,
                {p: groups_of(m, dimension) for p, m in self.members.items()},
                standard_groups(dimension, self.smap),
            )
            for dimension in DIMENSIONS
        ]


async def load_electorate(
    conn: AsyncConnection, signer: Signer, dialogue_id: int, voters: Collection[str]
) -> Electorate:
    """Classify the voters like the population, through their participants' profiles.

    A pseudonym with no participant behind it (none is expected) counts as unknown in
    every dimension rather than being dropped, so the totals stay those of the votes.
    """
    smap = await load_map(conn)
    wanted = set(voters)
    members: dict[str, Member] = {}
    for profile in await store.voter_profiles(conn, dialogue_id):
        pseudonym = signer.pseudonym(profile.participant_id)
        if pseudonym in wanted:
            members[pseudonym] = member_of(
                smap,
                profile.office,
                organisation=profile.organisation,
                municipality=profile.municipality,
                province=profile.province,
                network=profile.network,
            )
    for pseudonym in wanted - set(members):
        members[pseudonym] = member_of(smap, UNKNOWN)
    return Electorate(smap, members)
