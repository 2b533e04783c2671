"""Contacts: the e-mail addresses facilitators import to send invitations to.

A contacts file has the columns ``code`` (organisation), ``office`` and ``email``
(Dutch headers ``organisatie``/``gemeente``, ``functie`` and ``e-mail`` work too). It
is parsed here against the organisations and offices on the map into contacts plus
Dutch, line-numbered errors; the caller stores it only when there is no error.

E-mail addresses are identity data: no error message repeats one, no answer lists them.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Final

from server.stakeholders.reference import BrokenCsv, ImportIssue, numbered_rows
from storage.stakeholders import NewContact

_COLUMNS: Final = {
    "code": "code",
    "cbs_code": "code",
    "organisatie": "code",
    "gemeente": "code",
    "office": "office",
    "functie": "office",
    "email": "email",
    "e-mail": "email",
    "e-mailadres": "email",
}
_EMAIL: Final = re.compile(r"[^@\s,;<>()\"']+@[^@\s,;<>()\"']+\.[^@\s,;<>()\"'.]+")
_EMAIL_MAX_CHARS: Final = 254


@dataclass(frozen=True)
class ContactImport:
    """Everything parsed from one file; store ``contacts`` only when ``errors`` is empty."""

    contacts: tuple[NewContact, ...]
    errors: tuple[ImportIssue, ...]
    duplicates: int
    """Rows that repeat an earlier row of the same file (skipped, not an error)."""


def normalise_email(value: str) -> str | None:
    """The address trimmed and lower-cased, or None when it does not look like one."""
    text = value.strip().lower()
    if len(text) > _EMAIL_MAX_CHARS or _EMAIL.fullmatch(text) is None:
        return None
    return text


def parse_contacts(
    source: str | bytes, codes: Collection[str], offices: Collection[str]
) -> ContactImport:
    """Parse a contacts CSV; every organisation code and office must be on the map."""
    try:
        text = source.decode("utf-8-sig") if isinstance(source, bytes) else source
    except UnicodeDecodeError:
        return _failed(ImportIssue(1, "het bestand is geen UTF-8-tekst"))
    text = text.lstrip("\ufeff")
    if not text.strip():
        return _failed(ImportIssue(1, "het bestand is leeg"))
    rows = numbered_rows(text)
    try:
        _, header = next(rows)
        columns, problems = _header(header)
        if problems:
            return ContactImport((), tuple(ImportIssue(1, p) for p in problems), 0)
        return _rows(rows, columns, set(codes), set(offices))
    except BrokenCsv as exc:
        return _failed(ImportIssue(exc.line, f"onleesbare CSV ({exc})"))


def _failed(issue: ImportIssue) -> ContactImport:
    return ContactImport((), (issue,), 0)


def _header(header: list[str]) -> tuple[list[str], list[str]]:
    columns = [_COLUMNS.get(cell.strip().casefold(), "") for cell in header]
    problems = [
        f"onbekende kolom '{c.strip()}'" for c, n in zip(header, columns, strict=True) if not n
    ]
    problems += [
        f"de kolom '{n}' ontbreekt" for n in ("code", "office", "email") if n not in columns
    ]
    problems += [
        f"kolom '{n}' staat er twee keer in" for n in set(columns) if n and columns.count(n) > 1
    ]
    return columns, problems


def _rows(
    rows: Iterable[tuple[int, list[str]]],
    columns: list[str],
    codes: set[str],
    offices: set[str],
) -> ContactImport:
    contacts: dict[NewContact, int] = {}
    errors: list[ImportIssue] = []
    duplicates = 0
    for line, row in rows:
        if not any(cell.strip() for cell in row):
            continue
        contact, problems = _row(row, columns, codes, offices)
        errors.extend(ImportIssue(line, p) for p in problems)
        if contact is None:
            continue
        if contact in contacts:
            duplicates += 1
        else:
            contacts[contact] = line
    return ContactImport(tuple(contacts), tuple(errors), duplicates)


def _row(
    row: list[str], columns: list[str], codes: set[str], offices: set[str]
) -> tuple[NewContact | None, list[str]]:
    if len(row) != len(columns):
        return None, [f"{len(row)} velden, verwacht {len(columns)}"]
    cells = {name: cell.strip() for name, cell in zip(columns, row, strict=True)}
    code = cells["code"].upper() if cells["code"].upper().startswith("GM") else cells["code"]
    office = cells["office"].lower()
    email = normalise_email(cells["email"])
    problems = []
    if code not in codes:
        problems.append(
            f"organisatie '{code}' staat niet op de stakeholderkaart" if code else "code ontbreekt"
        )
    if office not in offices:
        problems.append(f"onbekende functie '{office}'" if office else "functie ontbreekt")
    if email is None:
        problems.append("ongeldig e-mailadres" if cells["email"] else "e-mailadres ontbreekt")
    if problems or email is None:
        return None, problems
    return NewContact(code, office, email), []
