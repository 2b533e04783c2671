"""Keyboard only: join through the real confirmation page, write, react and flag."""

from __future__ import annotations

from typing import Any

from playwright.async_api import expect

from tests.browser.conftest import Site, screenshot

OTHER = "Een gezamenlijke woningbouwtafel per regio zou veel schelen."
MINE = "Maak de regionale afspraken openbaar voor de raden."


async def focused(page: Any) -> dict[str, Any]:
    """What has keyboard focus: its text, tag and whether a focus ring shows."""
    return await page.evaluate(
        """() => {
          const el = document.activeElement;
          const style = getComputedStyle(el);
          return {
            text: (el.innerText || el.value || el.getAttribute('aria-label') || '').trim(),
            tag: el.tagName.toLowerCase(), type: el.type || '',
            label: el.labels?.[0]?.innerText || '',
            ring: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2,
          };
        }"""
    )


async def tab_to(page: Any, matches: Any, limit: int = 60) -> dict[str, Any]:
    """Press Tab until the focused element matches; every stop must show a focus ring."""
    for _ in range(limit):
        await page.keyboard.press("Tab")
        now = await focused(page)
        if now["tag"] != "body":
            assert now["ring"], f"no visible focus on {now}"
        if matches(now):
            return now
    raise AssertionError("never reached the element by Tab")


async def test_keyboard_only_join_write_react_and_flag(site: Site) -> None:
    h = site.harness
    # Someone else's contribution to flag, written over a raw websocket.
    (other,) = await h.participants(1)
    client = await h.ws(other)
    await client.send(
        {"type": "contribute", "ref": "k1", "theme": h.theme_id, "kind": "idea", "body": OTHER}
    )
    assert (await client.answer("k1"))["type"] == "ack"
    (link,) = await h.call(
        "POST", f"/api/dialogues/{h.slug}/invitations", json={"invitees": [{"role": "griffier"}]}
    )

    page = await site.page()
    await page.goto(link["link"])
    await tab_to(page, lambda f: f["text"] == "Deelnemen")
    await page.keyboard.press("Enter")
    await page.wait_for_url(f"**/#/d/{h.slug}")
    await site.connected(page)
    await expect(page.get_by_role("heading", level=1)).to_have_text("Testdialoog")

    await tab_to(page, lambda f: f["text"] == "Wonen in de regio")
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Wonen in de regio")
    assert (await focused(page))["tag"] == "h1", "focus moves to the new page's heading"

    # Write: the kind with the arrow keys, the text, then submit with Enter.
    await tab_to(page, lambda f: f["type"] == "radio")
    await page.keyboard.press("ArrowRight")  # Idee → Knelpunt
    assert (await focused(page))["label"] == "Knelpunt"
    await tab_to(page, lambda f: f["tag"] == "textarea")
    await page.keyboard.type(MINE)
    await tab_to(page, lambda f: f["text"] == "Plaatsen")
    await page.keyboard.press("Enter")
    mine = page.locator(".contribution", has_text=MINE)
    await expect(mine).to_contain_text("(uw bijdrage)")
    await expect(mine).to_contain_text("Knelpunt")
    assert (await focused(page))["text"] == "Plaatsen", "focus stays on the button"

    # React with the space bar on the other contribution.
    theirs = page.locator(".contribution", has_text=OTHER)
    await tab_to(page, lambda f: f["text"].startswith("Eens"))
    await page.keyboard.press("Space")
    await expect(theirs.locator('button[data-reaction="agree"]')).to_have_attribute(
        "aria-pressed", "true"
    )
    await expect(theirs.locator('[data-reaction="agree"] .count')).to_have_text("1")

    # Flag it: the dialog takes focus, Escape-free path through reason, note and send.
    await tab_to(page, lambda f: f["text"] == "Melden")
    await page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name="Bijdrage melden")
    await expect(dialog).to_be_visible()
    assert (await focused(page))["type"] == "radio", "focus starts in the dialog"
    await page.keyboard.press("ArrowDown")  # Kwetsend → Bevat persoonsgegevens
    assert (await focused(page))["label"] == "Bevat persoonsgegevens"
    await tab_to(page, lambda f: f["tag"] == "textarea", limit=5)
    await page.keyboard.type("Er staat een naam in.")
    await screenshot(page, "flag-dialog", full_page=False)
    await tab_to(page, lambda f: f["text"] == "Melding versturen", limit=5)
    await page.keyboard.press("Enter")
    await expect(dialog).to_be_hidden()
    await expect(theirs).to_contain_text("Uw melding is doorgegeven")
    assert (await focused(page))["text"] == "Melden", "focus returns to the Melden button"

    # Escape closes the dialog and returns focus as well.
    await page.keyboard.press("Enter")
    await expect(dialog).to_be_visible()
    await page.keyboard.press("Escape")
    await expect(dialog).to_be_hidden()
    assert (await focused(page))["text"] == "Melden"
