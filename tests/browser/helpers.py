"""Helpers for the browser tests of the newer screens (the shared ones live in conftest)."""

from __future__ import annotations

from typing import Any

from tests.browser.conftest import WCAG_TAGS, axe_module, check_accessibility, screenshot

PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}


async def audit_part(
    page: Any, selector: str | list[str], name: str, rules: list[str] | None = None
) -> None:
    """axe (WCAG 2.1 A/AA, or only `rules`) on one part of the page: a state that changes
    one section of a screen whose whole was audited already (axe on a large page is slow)."""
    if not await page.evaluate("typeof window.axe === 'object'"):
        await page.evaluate(axe_module.Axe().axe_script)
    only = {"type": "rule", "values": rules} if rules else {"type": "tag", "values": WCAG_TAGS}
    options = {"runOnly": only, "resultTypes": ["violations"]}
    script = """([sel, options]) => axe.run(
        Array.isArray(sel) ? { include: sel.map((s) => [s]) } : document.querySelector(sel),
        options)"""
    response = await page.evaluate(script, [selector, options])
    results = axe_module.AxeResults(response)
    assert results.violations_count == 0, f"{name}:\n{results.generate_report()}"


async def sideways_overflow(page: Any) -> int:
    """How many CSS px the page scrolls sideways (0 when it fits)."""
    return int(
        await page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
    )


async def audit_long(page: Any, name: str, dark_part: str | list[str]) -> None:
    """The whole of a long, table-heavy screen in light; in dark the colour rules on the part
    `dark_part` that holds every kind of element (axe's contrast check visits each cell, and
    a dark theme only changes colours). Screenshots of both."""
    await page.emulate_media(color_scheme="light")
    await check_accessibility(page, f"{name}-light")
    await screenshot(page, f"{name}-light")
    await page.emulate_media(color_scheme="dark")
    await audit_part(page, dark_part, f"{name}-dark", ["color-contrast", "link-in-text-block"])
    await screenshot(page, f"{name}-dark")
    await page.emulate_media(color_scheme="light")
