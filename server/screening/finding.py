"""What a screening rule reports."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

Kind = Literal["personal_data", "self_identification", "offensive"]

EXCERPT_MAX_CHARS: Final = 40
"""An excerpt is shown to the author or a facilitator beside the whole text: a hint, not a copy."""


@dataclass(frozen=True, slots=True)
class Finding:
    """One hit: ``text[start:end]`` is what the rule matched; ``excerpt`` its first 40 chars.

    The excerpt may itself be personal data (a phone number): show it to the author
    or a facilitator, never write it to a log.
    """

    kind: Kind
    rule: str
    excerpt: str
    start: int
    end: int


def finding(text: str, kind: Kind, rule: str, start: int, end: int) -> Finding:
    """A Finding for ``text[start:end]``, its excerpt cut to EXCERPT_MAX_CHARS."""
    return Finding(kind, rule, text[start:end][:EXCERPT_MAX_CHARS], start, end)
