"""The stakeholder map's reference data: municipalities, networks, VNG branches.

The packaged CSV (``server/data/gemeenten-2024.csv``) holds all 342 municipalities of
1 January 2024. A facilitator completes or corrects it with a CSV import; that import
is parsed here into records plus Dutch, line-numbered errors, and applied by a
separate pure function, so the caller can refuse a file with any error as a whole.

A membership is ``True``, ``False`` or ``None``: an empty cell means *unknown*, never
*not a member* (P10 and K80 have no complete public member list).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Final, TypeVar

NETWORKS: Final = ("G4", "G40", "M50", "P10", "K80")
"""The municipal networks the representation monitor counts, in display order."""

# fmt: off
PROVINCES: Final = (
    "Groningen", "Fryslân", "Drenthe", "Overijssel", "Flevoland", "Gelderland",
    "Utrecht", "Noord-Holland", "Zuid-Holland", "Zeeland", "Noord-Brabant", "Limburg",
)
# fmt: on
"""The 12 provinces in CBS spelling and CBS order (PV20 … PV31)."""

PROVINCE_CODES: Final = {name: f"PV{20 + i}" for i, name in enumerate(PROVINCES)}
"""CBS province codes, used to give each VNG branch a stable code (``VNG-PV27``)."""

KIND_MUNICIPALITY: Final = "gemeente"
KIND_VNG_BRANCH: Final = "vng_afdeling"
KIND_NETWORK: Final = "netwerk"
KIND_PROVINCE: Final = "provincie"
KIND_OTHER: Final = "overig"
KINDS: Final = (KIND_MUNICIPALITY, KIND_VNG_BRANCH, KIND_NETWORK, KIND_PROVINCE, KIND_OTHER)
"""Organisation kinds; ``overig`` lets a facilitator add e.g. a regional body."""
KINDS_WITH_PROVINCE: Final = (KIND_MUNICIPALITY, KIND_VNG_BRANCH, KIND_PROVINCE)
"""Kinds that lie in one province; a network or an ``overig`` body may span several."""

_PACKAGED_CSV: Final = "gemeenten-2024.csv"
_MUNICIPALITY_CODE: Final = re.compile(r"GM\d{4}")
_OTHER_CODE: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,39}")
_TRUE: Final = frozenset({"1", "ja", "j"})
_FALSE: Final = frozenset({"0", "nee", "n"})
_PROVINCE_ALIASES: Final = {"friesland": "Fryslân", "fryslan": "Fryslân"}
_HEADER_ALIASES: Final = {"cbs_code": "code", "naam": "name", "soort": "kind",
                           "provincie": "province", "inwoners": "population"}  # fmt: skip
_BASE_COLUMNS: Final = ("code", "name", "kind", "province", "population")
RESERVED_COLUMNS: Final = frozenset(_BASE_COLUMNS) | frozenset(_HEADER_ALIASES)
"""Import column names a network may not take (its name is a column of the import)."""
_NAME_MAX_CHARS: Final = 200
_T = TypeVar("_T")

Membership = bool | None


@dataclass(frozen=True)
class Organisation:
    """One organisation on the stakeholder map; ``networks`` has every key of NETWORKS.

    ``networks`` is a plain dict so it serialises as is; treat it as read-only.
    """

    code: str
    name: str
    kind: str = KIND_MUNICIPALITY
    province: str | None = None
    population: int | None = None
    networks: dict[str, Membership] = field(default_factory=dict, hash=False)


@dataclass(frozen=True)
class ImportRecord:
    """One parsed import row; a field that is ``None`` (or a network key that is
    absent) was not in the file and leaves the existing value alone.

    A network column that *is* in the file sets the membership for every row,
    an empty cell setting it to unknown.
    """

    line: int
    code: str
    name: str | None = None
    kind: str | None = None
    province: str | None = None
    population: int | None = None
    networks: dict[str, Membership] = field(default_factory=dict, hash=False)


@dataclass(frozen=True)
class ImportIssue:
    """A row-level problem, shown to the facilitator as ``Regel 3: …``."""

    line: int
    message: str

    def __str__(self) -> str:
        return f"Regel {self.line}: {self.message}"


@dataclass(frozen=True)
class ImportResult:
    """Everything parsed from one file; apply ``records`` only when ``errors`` is empty."""

    records: tuple[ImportRecord, ...]
    errors: tuple[ImportIssue, ...]

    @property
    def ok(self) -> bool:
        return not self.errors


class _CellError(ValueError):
    """A cell that does not parse; its message is Dutch and shown to the user."""


class BrokenCsv(ValueError):
    """The CSV reader gave up (a field over its size limit) in the row at ``line``."""

    def __init__(self, line: int, reason: str) -> None:
        super().__init__(reason)
        self.line = line


# --- cell parsers (shared by the reference loader and the import) -----------------------


def parse_membership(value: str) -> Membership:
    """``1``/``ja`` → True, ``0``/``nee`` → False, empty → None (unknown)."""
    text = value.strip().lower()
    if not text:
        return None
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise _CellError(f"'{value.strip()}' is geen geldige waarde (gebruik 1, 0, ja, nee of leeg)")


def parse_population(value: str) -> int | None:
    """Inhabitants as digits, allowing Dutch thousands separators (``12.345``)."""
    text = value.strip()
    if not text:
        return None
    if re.fullmatch(r"\d+|\d{1,3}(?:[. ]\d{3})+", text) is None:
        raise _CellError(f"inwonertal '{text}' is geen geheel getal")
    return int(re.sub(r"[. ]", "", text))


def parse_province(value: str) -> str | None:
    """A province name in CBS spelling, case-insensitive, ``Friesland`` accepted."""
    text = value.strip()
    if not text:
        return None
    folded = text.casefold()
    for name in PROVINCES:
        if name.casefold() == folded:
            return name
    if folded in _PROVINCE_ALIASES:
        return _PROVINCE_ALIASES[folded]
    raise _CellError(f"onbekende provincie '{text}' (kies uit: {', '.join(PROVINCES)})")


def parse_kind(value: str) -> str | None:
    """One of KINDS, or None when empty."""
    text = value.strip().lower()
    if not text:
        return None
    if text not in KINDS:
        raise _CellError(f"onbekende soort '{value.strip()}' (kies uit: {', '.join(KINDS)})")
    return text


def parse_name(value: str) -> str | None:
    """A display name of at most 200 characters, or None when empty."""
    text = value.strip()
    if len(text) > _NAME_MAX_CHARS:
        raise _CellError(f"naam is langer dan {_NAME_MAX_CHARS} tekens")
    return text or None


def check_code(code: str, kind: str) -> None:
    """Municipalities carry their CBS code; other kinds any short code without ``GM``.

    Raises ValueError with a Dutch message.
    """
    if not code:
        raise _CellError("code ontbreekt")
    if kind == KIND_MUNICIPALITY:
        if _MUNICIPALITY_CODE.fullmatch(code) is None:
            raise _CellError(f"gemeentecode '{code}' moet 'GM' met 4 cijfers zijn")
    elif _OTHER_CODE.fullmatch(code) is None or code.upper().startswith("GM"):
        raise _CellError(
            f"code '{code}' mag alleen letters, cijfers, '-', '_' en '.' bevatten"
            " en niet met 'GM' beginnen (die codes zijn voor gemeenten)"
        )


# --- the packaged reference ---------------------------------------------------------------


def packaged_csv_text() -> str:
    """The CSV shipped with the package, read through importlib.resources."""
    resource = resources.files("server").joinpath("data", _PACKAGED_CSV)
    return resource.read_text(encoding="utf-8")


def load_municipalities(path: Path | None = None) -> tuple[Organisation, ...]:
    """The municipalities of the packaged CSV, or of ``path`` in the same format."""
    text = packaged_csv_text() if path is None else path.read_text(encoding="utf-8")
    return parse_municipalities(text)


def parse_municipalities(text: str) -> tuple[Organisation, ...]:
    """Parse reference CSV text; raises ValueError naming the line: it is our own data."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    organisations = []
    for row in reader:
        try:
            organisations.append(_reference_row(row))
        except (_CellError, KeyError) as exc:
            raise ValueError(f"line {reader.line_num}: {exc}") from exc
    return tuple(organisations)


def _reference_row(row: Mapping[str, str]) -> Organisation:
    code = row["cbs_code"].strip()
    check_code(code, KIND_MUNICIPALITY)
    return Organisation(
        code=code,
        name=row["name"].strip(),
        kind=KIND_MUNICIPALITY,
        province=parse_province(row["province"]),
        population=parse_population(row["population"]),
        networks={n: parse_membership(row.get(n.lower()) or "") for n in NETWORKS},
    )


def vng_branches(organisations: Iterable[Organisation] = ()) -> tuple[Organisation, ...]:
    """The 12 provincial VNG branches, one per province, in PROVINCES order.

    Every municipality belongs to the branch of its province; a branch's population
    is the sum of its municipalities' inhabitants (None when none are given). The
    networks are municipal networks, so a branch is a member of none (False).
    """
    totals: dict[str, int] = {}
    for org in organisations:
        if org.kind == KIND_MUNICIPALITY and org.province and org.population is not None:
            totals[org.province] = totals.get(org.province, 0) + org.population
    return tuple(
        Organisation(
            code=f"VNG-{PROVINCE_CODES[province]}",
            name=f"VNG Afdeling {province}",
            kind=KIND_VNG_BRANCH,
            province=province,
            population=totals.get(province),
            networks=dict.fromkeys(NETWORKS, False),
        )
        for province in PROVINCES
    )


# --- the facilitator's import -------------------------------------------------------------


def parse_import(
    source: str | bytes, known: Iterable[Organisation], networks: Sequence[str] = NETWORKS
) -> ImportResult:
    """Parse a corrections/additions CSV against the organisations we already have.

    Columns (case-insensitive, comma or semicolon separated): ``code`` (required),
    ``name``, ``kind``, ``province``, ``population`` and any of ``networks`` (by default
    NETWORKS; the stakeholder map passes the facilitator's networks too). A code we do
    not know yet is an addition and needs a name and, for a kind in KINDS_WITH_PROVINCE,
    a province. Nothing is applied here; see ``apply_import``.
    """
    try:
        text = source.decode("utf-8-sig") if isinstance(source, bytes) else source
    except UnicodeDecodeError:
        return ImportResult((), (ImportIssue(1, "het bestand is geen UTF-8-tekst"),))
    text = text.lstrip("\ufeff")
    if not text.strip():
        return ImportResult((), (ImportIssue(1, "het bestand is leeg"),))
    rows = numbered_rows(text)
    try:
        _, header = next(rows)
        columns, errors = _parse_header(header, networks)
        if errors:
            return ImportResult((), tuple(errors))
        return _parse_rows(rows, columns, {org.code: org for org in known}, networks)
    except BrokenCsv as exc:
        return ImportResult((), (ImportIssue(exc.line, f"onleesbare CSV ({exc})"),))


def numbered_rows(text: str) -> Iterator[tuple[int, list[str]]]:
    """Rows with the line each starts on (a quoted cell may span lines).

    Comma or semicolon separated, whichever the first line has more of; raises
    BrokenCsv with the line when the reader gives up.
    """
    first = text.splitlines()[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    start = 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise BrokenCsv(start, str(exc)) from exc
        yield start, row
        start = reader.line_num + 1


def _parse_header(
    header: list[str], network_names: Sequence[str]
) -> tuple[list[str], list[ImportIssue]]:
    networks = {n.casefold(): n for n in network_names}
    columns: list[str] = []
    errors: list[ImportIssue] = []
    for raw in header:
        name = raw.strip().casefold()
        name = _HEADER_ALIASES.get(name, name)
        column = networks.get(name, name if name in _BASE_COLUMNS else "")
        if not column:
            errors.append(ImportIssue(1, f"onbekende kolom '{raw.strip()}'"))
        elif column in columns:
            errors.append(ImportIssue(1, f"kolom '{raw.strip()}' staat er twee keer in"))
        columns.append(column)
    if "code" not in columns:
        errors.append(ImportIssue(1, "de kolom 'code' ontbreekt"))
    return columns, errors


def _parse_rows(
    rows: Iterable[tuple[int, list[str]]],
    columns: list[str],
    index: Mapping[str, Organisation],
    networks: Sequence[str],
) -> ImportResult:
    records: list[ImportRecord] = []
    errors: list[ImportIssue] = []
    seen: dict[str, int] = {}
    for line, row in rows:
        if not any(cell.strip() for cell in row):
            continue
        record, problems = _parse_row(line, row, columns, index, networks)
        if record is not None and record.code in seen:
            problems.append(f"code {record.code} staat ook op regel {seen[record.code]}")
        errors.extend(ImportIssue(line, problem) for problem in problems)
        if record is not None and not problems:
            seen[record.code] = line
            records.append(record)
    return ImportResult(tuple(records), tuple(errors))


def _parse_row(
    line: int,
    row: list[str],
    columns: list[str],
    index: Mapping[str, Organisation],
    network_names: Sequence[str],
) -> tuple[ImportRecord | None, list[str]]:
    if len(row) != len(columns):
        return None, [f"{len(row)} velden, verwacht {len(columns)}"]
    cells = dict(zip(columns, row, strict=True))
    problems: list[str] = []

    def cell(column: str, parser: Callable[[str], _T]) -> _T | None:
        try:
            return parser(cells[column]) if column in cells else None
        except _CellError as exc:
            prefix = f"kolom {column}: " if column in network_names else ""
            problems.append(prefix + str(exc))
            return None

    networks = {n: cell(n, parse_membership) for n in network_names if n in cells}
    record = ImportRecord(
        line=line,
        code=_normalise_code(cells["code"]),
        name=cell("name", parse_name),
        kind=cell("kind", parse_kind),
        province=cell("province", parse_province),
        population=cell("population", parse_population),
        networks=networks,
    )
    return record, problems + _record_problems(record, index)


def _normalise_code(value: str) -> str:
    code = value.strip()
    return code.upper() if code.upper().startswith("GM") else code


def _record_problems(record: ImportRecord, index: Mapping[str, Organisation]) -> list[str]:
    existing = index.get(record.code)
    if existing is not None:
        if record.kind and record.kind != existing.kind:
            return [f"{record.code} is al bekend als '{existing.kind}'; de soort wijzigt niet"]
        return []
    kind = record.kind or KIND_MUNICIPALITY
    try:
        check_code(record.code, kind)
    except _CellError as exc:
        return [str(exc)]
    problems = []
    if record.name is None:
        problems.append(f"nieuwe organisatie {record.code}: naam ontbreekt")
    if record.province is None and kind in KINDS_WITH_PROVINCE:
        problems.append(f"nieuwe organisatie {record.code}: provincie ontbreekt")
    return problems


def apply_import(
    organisations: Iterable[Organisation],
    records: Iterable[ImportRecord],
    networks: Sequence[str] = NETWORKS,
) -> tuple[Organisation, ...]:
    """The organisations with every record applied: corrections in place, additions last."""
    result = {org.code: org for org in organisations}
    for record in records:
        current = result.get(record.code)
        result[record.code] = _applied(current, record, networks)
    return tuple(result.values())


def _applied(
    current: Organisation | None, record: ImportRecord, networks: Sequence[str]
) -> Organisation:
    base = current or Organisation(
        code=record.code,
        name=record.name or record.code,
        kind=record.kind or KIND_MUNICIPALITY,
        networks=dict.fromkeys(networks),
    )
    return replace(
        base,
        name=record.name or base.name,
        province=record.province or base.province,
        population=record.population if record.population is not None else base.population,
        networks={**dict.fromkeys(networks), **base.networks, **record.networks},
    )
