"""Helpers for the browser tests of the newer screens (the shared ones live in conftest)."""

from __future__ import annotations

from typing import Any

from tests.browser.conftest import WCAG_TAGS, axe_module

PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}


async def audit_part(page: Any, selector: str, name: str) -> None:
    """axe (WCAG 2.1 A/AA) on one part of the page only: a state that changes one section
    of a screen whose whole was audited already (axe on a whole large page is slow)."""
    if not await page.evaluate("typeof window.axe === 'object'"):
        await page.evaluate(axe_module.Axe().axe_script)
    options = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}
    response = await page.evaluate(
        "([sel, options]) => axe.run(document.querySelector(sel), options)", [selector, options]
    )
    results = axe_module.AxeResults(response)
    assert results.violations_count == 0, f"{name}:\n{results.generate_report()}"


async def sideways_overflow(page: Any) -> int:
    """How many CSS px the page scrolls sideways (0 when it fits)."""
    return int(
        await page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
    )
