"""The participant flow on a phone (390×844, touch): no sideways scrolling, targets ≥ 44 px."""

from __future__ import annotations

from typing import Any

from playwright.async_api import expect

from tests.browser.conftest import Site, screenshot

PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}
BODY = "Op de telefoon geschreven: betrek de griffies eerder bij regionale besluiten."


async def layout_problems(page: Any) -> list[str]:
    """Sideways overflow, and visible controls smaller than 44×44 CSS px."""
    return await page.evaluate(
        """() => {
          const problems = [];
          const width = document.documentElement.clientWidth;
          if (document.documentElement.scrollWidth > width) {
            problems.push(`page is ${document.documentElement.scrollWidth}px wide in ${width}px`);
          }
          const controls = document.querySelectorAll([
            'a[href]', 'button', 'input:not([type=radio]):not([type=checkbox])', 'select',
            'textarea', 'label.choice'].join(','));
          for (const el of controls) {
            const box = el.getBoundingClientRect();
            const style = getComputedStyle(el);
            if (!box.width || style.visibility === 'hidden' || el.closest('.skip')) continue;
            if (box.right > width + 1) problems.push(`${el.outerHTML.slice(0, 60)} sticks out`);
            if (box.height < 44 - 0.5 || box.width < 44 - 0.5) {
              problems.push(`${el.outerHTML.slice(0, 60)} is ${box.width}×${box.height}`);
            }
          }
          return problems;
        }"""
    )


async def test_participant_flow_on_a_phone(site: Site) -> None:
    (token,) = await site.harness.participants(1)
    page = await site.page(token, **PHONE)
    await page.goto(f"{site.base}/#/d/{site.slug}")
    await site.connected(page)
    await expect(page.get_by_role("heading", level=1)).to_have_text("Testdialoog")
    assert await layout_problems(page) == []
    await screenshot(page, "phone-dialogue-light")

    await page.get_by_role("link", name="Wonen in de regio").tap()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Wonen in de regio")
    await page.get_by_label("Vraag").tap()
    await page.get_by_label("Uw tekst").fill(BODY)
    await page.get_by_role("button", name="Plaatsen").tap()
    mine = page.locator(".contribution", has_text=BODY)
    await expect(mine).to_contain_text("(uw bijdrage)")
    await expect(mine).to_contain_text("Vraag")
    await mine.locator('button[data-reaction="pass"]').tap()
    await expect(mine.locator('[data-reaction="pass"] .count')).to_have_text("1")
    assert await layout_problems(page) == []
    await screenshot(page, "phone-theme-light")
    await page.emulate_media(color_scheme="dark")
    await screenshot(page, "phone-theme-dark")

    await mine.get_by_role("button", name="Melden").tap()
    dialog = page.get_by_role("dialog", name="Bijdrage melden")
    await expect(dialog).to_be_visible()
    box = await dialog.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
    await screenshot(page, "phone-flag-dialog-dark", full_page=False)
    await dialog.get_by_role("button", name="Annuleren").tap()
    await expect(dialog).to_be_hidden()
