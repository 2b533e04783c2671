"""Which participants this worker knows to be active, so a write skips re-marking them."""

from __future__ import annotations

from collections import OrderedDict
from weakref import WeakKeyDictionary

from sqlalchemy.ext.asyncio import AsyncConnection

from storage import invitations as participant_store
from storage.database import Database


class ActiveParticipants:
    """Participant ids this worker has seen marked active, least recently used dropped.

    A participant, once active, stays active, so the UPDATE that marks one is needed
    only on its first write this worker sees; an id is added only after that write's
    transaction committed.
    """

    def __init__(self, limit: int = 100_000) -> None:
        self.limit = limit
        self._ids: OrderedDict[int, None] = OrderedDict()

    def __contains__(self, participant_id: int) -> bool:
        if participant_id not in self._ids:
            return False
        self._ids.move_to_end(participant_id)
        return True

    def add(self, participant_id: int) -> None:
        """Remember an id whose active mark is committed."""
        self._ids[participant_id] = None
        self._ids.move_to_end(participant_id)
        if len(self._ids) > self.limit:
            self._ids.popitem(last=False)


_active_by_db: WeakKeyDictionary[Database, ActiveParticipants] = WeakKeyDictionary()


def active_participants(db: Database) -> ActiveParticipants:
    """This worker's set for one database (a test process serves many in turn)."""
    found = _active_by_db.get(db)
    if found is None:
        found = _active_by_db[db] = ActiveParticipants()
    return found


async def mark_active_once(
    conn: AsyncConnection, active: ActiveParticipants, participant_id: int
) -> bool:
    """Mark a participant active unless known to be; True when this transaction marked it."""
    if participant_id in active:
        return False
    await participant_store.mark_active(conn, participant_id)
    return True
