"""The Dialoog Python client (asyncio): requests as coroutines, events with resume."""

from client.backoff import Backoff
from client.client import DialoogClient
from client.errors import DialoogConnectionError, DialoogError

__all__ = ["Backoff", "DialoogClient", "DialoogConnectionError", "DialoogError"]
