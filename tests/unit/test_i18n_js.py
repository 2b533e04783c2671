"""Every text the browser client asks for exists in the Dutch catalogue (i18n/nl.js)."""

from __future__ import annotations

import re
from pathlib import Path

WEB = Path(__file__).resolve().parents[2] / "client" / "web"
KEY = re.compile(r"^\s*'?([\w.]+)'?\s*:", re.M)


def catalogue(name: str) -> set[str]:
    return set(KEY.findall((WEB / "i18n" / name).read_text(encoding="utf-8")))


def used_keys() -> set[str]:
    keys: set[str] = set()
    for path in WEB.rglob("*.js"):
        if "i18n" not in path.parts:
            keys |= set(re.findall(r"\bt\(\s*'([\w.]+)'", path.read_text(encoding="utf-8")))
    return keys


def test_every_static_key_is_in_the_dutch_catalogue() -> None:
    assert used_keys()  # the pattern still finds the calls
    assert sorted(used_keys() - catalogue("nl.js")) == []


def test_the_english_catalogue_only_has_known_keys() -> None:
    assert sorted(catalogue("en.js") - catalogue("nl.js")) == []


def test_dynamic_key_families_are_complete() -> None:
    nl = catalogue("nl.js")
    families = {
        "kind": ("idea", "obstacle", "solution", "question", "concern"),
        "reaction": ("agree", "disagree", "pass"),
        "reason": ("offensive", "personal_data", "off_topic", "spam", "other"),
        "step.state": ("planned", "open", "closed"),
        "theme.state": ("open", "closed", "merged", "proposed"),
        "mine.state": ("visible", "held", "hidden"),
        "role": ("admin", "facilitator", "lead"),
        "moderation.source": ("participant", "auto"),
        "moderation.state": ("visible", "hidden", "held"),
        "moderation.done": ("approve", "hide", "restore"),
        "moderation.mode.to": ("pre", "post"),
        "moderation.mode": ("pre", "post"),
        "conn": ("connecting", "open", "reconnecting", "offline", "unauthenticated"),
    }
    missing = [f"{p}.{v}" for p, values in families.items() for v in values if f"{p}.{v}" not in nl]
    assert missing == []
