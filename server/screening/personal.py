"""Personal data: e-mail addresses, phone numbers, addresses, IBANs and BSNs.

Every pattern is compiled once. Numbers are told apart from the numbers of policy
text (amounts, years, ranges, dates, article numbers) by their shape and, where a
checksum exists, by the checksum: an IBAN must pass mod-97, a BSN the elfproef.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Final

from server.screening.finding import Finding, finding

# Every pattern starts with a literal or a small character set, so that the regex engine
# skips ahead in C; what comes before the match is checked with a lookbehind placed after
# the first character (a lookbehind first would be tried at every position).

# E-mail: found from its "@" (or "(at)" / "[at]", as people write to dodge harvesters);
# the local part before it and the domain after it are matched from there.
_AT: Final = re.compile(r"@|[\[(]at[\])]", re.IGNORECASE)
_LOCAL_PART: Final = re.compile(r"[\w.%+-]{1,64}\s?\Z")
_DOMAIN: Final = re.compile(
    r"\s?[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){0,8}\.[A-Za-z]{2,24}(?![\w-])"
)
_LOCAL_MAX_CHARS: Final = 66

# Phone: +31 / 0031 with an optional "(0)", or a trunk "0"; then the 9 national digits,
# with spaces, hyphens and parentheses between them ("06-12345678", "(020) 123 4567").
# Not the tail of a word, number, amount or range.
_PHONE: Final = re.compile(
    r"[+0(](?<![\w+/.,€-].)"
    r"(?:(?<=\+)31[ -]?(?:\(0\)[ -]?)?|(?<=0)031[ -]?(?:\(0\)[ -]?)?|(?<=\()0|(?<=0))"
    r"(?P<nsn>[1-9](?:[ -]?\)?[ -]?[0-9]){8})(?![0-9])"
)
_DATE_LIKE: Final = re.compile(r"\(?[0-9]{1,2}[-/.][0-9]{1,2}[-/.][0-9]{2,4}")
_SERVICE_NUMBERS: Final = ("800", "90")  # 0800 / 090x: businesses, not people
_FIRST_GROUP: Final = re.compile(r"\(?([0-9]+)")

# Postcode and house number: "1234 AB 12", "1234AB, 12a", "1234 AB 12-3". The house
# number must be set apart ("2030 CO2" is no address) and the letters upper case ("in
# 2024 en 12 ..." is no address either).
_POSTCODE: Final = r"[1-9][0-9]{3} ?[A-Z]{2}(?![A-Za-z0-9])"
_HOUSE_NUMBER_REST: Final = r"[0-9]{0,3}(?:[ -]?[a-zA-Z](?![a-zA-Z])|-[0-9]{1,4})?(?![0-9])"
_POSTCODE_HOUSE: Final = re.compile(
    r"[1-9](?<![\w-].)[0-9]{3} ?[A-Z]{2}(?![A-Za-z0-9])"
    rf"(?:,? |, ?)(?:nr\.? ?|huisnummer )?[1-9]{_HOUSE_NUMBER_REST}"
)

# Street and house number: "Dorpsstraat 12" (optionally ", 1234 AB"). Found from the
# number, which must follow a street suffix and a space; the street is then a
# capitalised word ("Hoofdstuk 12" and "Artikel 12" have no street suffix).
_STREET_SUFFIXES: Final = (
    "straat", "laan", "weg", "plein", "gracht", "kade", "singel", "steeg", "dreef",
    "dijk", "pad", "plantsoen", "hof", "markt", "burgwal", "boulevard", "allee", "erf",
)  # fmt: skip
_AFTER_SUFFIX: Final = "|".join(rf"(?<={suffix} .)" for suffix in _STREET_SUFFIXES)
_STREET_NUMBER: Final = re.compile(  # "[a-z] " first: most digits follow no word at all
    rf"[1-9](?<=[a-z] .)(?:{_AFTER_SUFFIX}){_HOUSE_NUMBER_REST}(?:,? ?{_POSTCODE})?"
)
_STREET_NAME: Final = re.compile(r"(?<![\w-])[A-Z][a-zà-ÿ'-]{0,40}\Z")
_STREET_NAME_MAX_CHARS: Final = 42
_YEAR: Final = re.compile(r"(?:19|20)[0-9]{2}(?![0-9])")

# IBAN: country, check digits, 11-30 letters/digits, optionally in groups of four. Found
# from the check digits; the two letters before them are checked by lookbehind.
_IBAN: Final = re.compile(
    r"[0-9]{2}(?<=[A-Za-z]{2}[0-9]{2})(?<![A-Za-z0-9][A-Za-z]{2}[0-9]{2})"
    r"(?: ?[A-Za-z0-9]{4}){2,7}(?: ?[A-Za-z0-9]{1,3})?(?![A-Za-z0-9])"
)
_IBAN_MIN_CHARS: Final = 15  # Norway's; the shortest in use
_IBAN_LETTERS: Final = {ord(c): str(10 + i) for i, c in enumerate("ABCDEFGHIJKLMNOPQRSTUVWXYZ")}

# BSN: after the word "bsn", 9 digits that may be grouped ("123.456.782"); elsewhere
# only 9 digits standing alone, not an amount ("€ 111222333") and not a part of one.
_BSN_NEAR_WORD: Final = re.compile(
    r"\b(?:bsn|burgerservicenummer|sofi-?nummer)(?:-?nummer)?\b[^0-9\n]{0,20}?"
    r"(?<![0-9])([0-9][0-9 .]{6,11}[0-9])(?![0-9])",
    re.IGNORECASE,
)
_BSN_ALONE: Final = re.compile(
    r"[0-9]{9}(?<![\w.,€$-].{9})(?<!€ .{9})(?<!EUR .{9})(?![\w%€-]|[.,][0-9])"
)
_ANY_DIGIT: Final = re.compile(r"[0-9]")
_ELFPROEF_WEIGHTS: Final = (9, 8, 7, 6, 5, 4, 3, 2, -1)


def find_personal_data(text: str, folded: str | None = None) -> list[Finding]:
    """Every personal-data finding in ``text``; where two overlap, the longer one.

    ``folded`` is ``text`` lower-cased (``screen`` has it already); it speeds up the
    checks for words like "bsn".
    """
    lower = text.lower() if folded is None else folded
    found = list(_emails(text, lower))
    if _ANY_DIGIT.search(text):
        found += [*_ibans(text), *_phones(text), *_addresses(text), *_bsns(text, lower)]
    found.sort(key=lambda f: (f.start, -f.end))
    kept: list[Finding] = []
    for item in found:
        if not kept or item.start >= kept[-1].end:
            kept.append(item)
    return kept


def _emails(text: str, lower: str) -> Iterator[Finding]:
    if "@" not in text and "(at" not in lower and "[at" not in lower:
        return
    for at in _AT.finditer(text):
        domain = _DOMAIN.match(text, at.end())
        if domain is None:  # checked first: cheap, and it fails for most "@"
            continue
        local = _LOCAL_PART.search(text, max(0, at.start() - _LOCAL_MAX_CHARS), at.start())
        if local is None:
            continue
        if local.start() > 0 and re.match(r"[\w.%+-]", text[local.start() - 1]):
            continue  # a local part longer than any address has
        yield finding(text, "personal_data", "email", local.start(), domain.end())


def _phones(text: str) -> Iterator[Finding]:
    for m in _PHONE.finditer(text):
        if _is_phone(m):
            yield finding(text, "personal_data", "phone", m.start(), m.end())


def _is_phone(m: re.Match[str]) -> bool:
    nsn = re.sub(r"[^0-9]", "", m.group("nsn"))
    if nsn.startswith(_SERVICE_NUMBERS) or _DATE_LIKE.match(m.group()):
        return False
    if m.group().startswith(("+", "00")):
        return True
    # With a trunk 0, a first group of two digits is only "06" (mobile): "01-02-2024 10"
    # is a date and a time, and no area code has a single digit.
    first_group = _FIRST_GROUP.match(m.group())
    return first_group is not None and (len(first_group[1]) != 2 or first_group[1] == "06")


def _addresses(text: str) -> Iterator[Finding]:
    for m in _POSTCODE_HOUSE.finditer(text):
        yield finding(text, "personal_data", "postcode", m.start(), m.end())
    for m in _STREET_NUMBER.finditer(text):
        space = m.start() - 1
        street = _STREET_NAME.search(text, max(0, space - _STREET_NAME_MAX_CHARS), space)
        if street is not None and not _YEAR.match(text, m.start()):
            yield finding(text, "personal_data", "street_address", street.start(), m.end())


def _ibans(text: str) -> Iterator[Finding]:
    for m in _IBAN.finditer(text):
        start = m.start() - 2
        candidate = text[start : m.end()]
        # A greedy match may have taken the next word ("... 7034 en"): drop groups
        # from the end until the checksum holds or too little is left.
        while len(candidate.replace(" ", "")) >= _IBAN_MIN_CHARS:
            if iban_checksum_ok(candidate):
                yield finding(text, "personal_data", "iban", start, start + len(candidate))
                break
            if " " not in candidate:
                break
            candidate = candidate.rsplit(" ", 1)[0]


def iban_checksum_ok(iban: str) -> bool:
    """Whether ``iban`` (spaces allowed) passes the ISO 13616 mod-97 check."""
    compact = iban.replace(" ", "").upper()
    if not compact.isascii() or not compact.isalnum() or len(compact) < _IBAN_MIN_CHARS:
        return False
    return int((compact[4:] + compact[:4]).translate(_IBAN_LETTERS)) % 97 == 1


def _bsns(text: str, lower: str) -> Iterator[Finding]:
    if "bsn" in lower or "burgerservice" in lower or "sofi" in lower:
        for m in _BSN_NEAR_WORD.finditer(text):
            if elfproef(re.sub(r"[ .]", "", m.group(1))):
                yield finding(text, "personal_data", "bsn", m.start(1), m.end(1))
    for m in _BSN_ALONE.finditer(text):
        if elfproef(m.group()):
            yield finding(text, "personal_data", "bsn", m.start(), m.end())


def elfproef(digits: str) -> bool:
    """Whether 9 digits pass the BSN eleven test (8 digits: a BSN with its leading 0 left off)."""
    if len(digits) == 8:
        digits = "0" + digits
    if len(digits) != 9 or not digits.isascii() or not digits.isdigit() or digits == "0" * 9:
        return False
    return sum(int(d) * w for d, w in zip(digits, _ELFPROEF_WEIGHTS, strict=True)) % 11 == 0
