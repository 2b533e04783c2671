"""Two participants and a facilitator in three browser contexts see each other live."""

from __future__ import annotations

import asyncio
import re

from playwright.async_api import expect

from tests.browser.conftest import Site, screenshot

BODY = "Gemeenten delen te weinig data over woningbouw in de regio."


async def test_written_contribution_reactions_flags_and_hiding_reach_everyone_live(
    live_site: Site,
) -> None:
    site = live_site
    writer_token, reader_token = await site.harness.participants(2)
    facilitator = await site.harness.staff("facilitator@test.example", "facilitator")
    writer, reader, moderator = await asyncio.gather(
        site.page(writer_token), site.page(reader_token), site.page(facilitator)
    )
    await asyncio.gather(
        writer.goto(site.theme_url),
        reader.goto(site.theme_url),
        moderator.goto(f"{site.base}/#/moderatie/{site.slug}"),
    )
    for page in (writer, reader, moderator):
        await site.connected(page)
        await page.evaluate("window.__sameDocument = true")
    await expect(reader.get_by_text("Er zijn nog geen bijdragen.")).to_be_visible()

    # One writes; the other sees it appear without a reload; only the writer sees it as its own.
    await writer.get_by_label("Knelpunt").check()
    await writer.get_by_label("Uw tekst").fill(BODY)
    await writer.get_by_role("button", name="Plaatsen").click()
    mine = writer.locator(".contribution", has_text=BODY)
    await expect(mine).to_contain_text("(uw bijdrage)")
    await expect(
        writer.get_by_role("status").filter(has_text="Uw bijdrage is geplaatst.")
    ).to_be_visible()
    seen = reader.locator(".contribution", has_text=BODY)
    await expect(seen).to_be_visible()
    await expect(seen).to_contain_text("Knelpunt")
    await expect(seen).not_to_contain_text("(uw bijdrage)")
    await expect(reader.locator("#list-title")).to_have_text("Bijdragen (1)")
    await expect(reader.locator("#announcer")).to_have_text("1 nieuwe bijdrage")

    # A reaction updates the counts live in the other context.
    agree = seen.get_by_role("button", name=re.compile(r"^Eens"))
    await agree.click()
    await expect(agree).to_have_attribute("aria-pressed", "true")
    await expect(mine.locator('[data-reaction="agree"] .count')).to_have_text("1")
    await expect(seen.locator('[data-reaction="agree"] .count')).to_have_text("1")

    # A flag reaches the facilitator's feed live, with reason and note.
    await seen.get_by_role("button", name="Melden").click()
    dialog = reader.get_by_role("dialog", name="Bijdrage melden")
    await dialog.get_by_label("Hoort niet bij dit thema").check()
    await dialog.get_by_label("Toelichting (niet verplicht)").fill("Past beter bij wonen.")
    await dialog.get_by_role("button", name="Melding versturen").click()
    await expect(dialog).to_be_hidden()
    await expect(seen).to_contain_text("Uw melding is doorgegeven")
    flag = moderator.locator(".flag", has_text=BODY)
    await expect(flag).to_contain_text("Hoort niet bij dit thema")
    await expect(flag).to_contain_text("Past beter bij wonen.")
    await expect(flag).to_contain_text("deelnemer")
    backend = "services" if site.harness.settings.redis_url else "embedded"
    await screenshot(moderator, f"moderation-feed-{backend}")

    # The facilitator hides it: it disappears from both participants' screens.
    await flag.get_by_label("Reden voor de deelnemers (niet verplicht)").fill("Buiten het thema")
    await flag.get_by_role("button", name="Verbergen").click()
    await expect(flag).to_contain_text("De bijdrage is verborgen voor alle deelnemers.")
    await expect(seen).to_have_count(0)
    await expect(mine).to_have_count(0)
    await expect(reader.locator("#list-title")).to_have_text("Bijdragen (0)")
    await expect(flag.locator(".badge")).to_have_text("verborgen")

    # Restoring brings it back everywhere (reloaded over HTTP), still marked as the writer's.
    await flag.get_by_role("button", name="Herstellen").click()
    await expect(seen).to_be_visible()
    await expect(mine).to_contain_text("(uw bijdrage)")
    await expect(seen.locator('[data-reaction="agree"] .count')).to_have_text("1")

    for page in (writer, reader, moderator):
        assert await page.evaluate("window.__sameDocument === true"), "a page was reloaded"


async def test_step_changes_arrive_live_and_server_warnings_show_at_the_form(site: Site) -> None:
    h = site.harness
    (token,) = await h.participants(1)
    page = await site.page(token)
    await page.goto(site.theme_url)
    await site.connected(page)

    # The server warns about personal data: the warning shows at the form, in Dutch, and
    # a second Plaatsen posts it anyway (with `confirm`).
    text = "Mail mij gerust op jan.jansen@gemeente.example voor de cijfers."
    await page.get_by_label("Uw tekst").fill(text)
    await page.get_by_role("button", name="Plaatsen").click()
    warning = page.get_by_role("alert").filter(has_text="persoonsgegevens")
    await expect(warning).to_be_visible()
    await expect(warning).to_contain_text("kies nogmaals Plaatsen")
    await expect(page.locator(".contribution")).to_have_count(0)
    await page.get_by_role("button", name="Plaatsen").click()
    await expect(page.locator(".contribution", has_text=text)).to_contain_text("(uw bijdrage)")

    # The facilitator closes Verrijken: the form goes away at once, reactions become counts.
    await h.call("POST", f"/api/dialogues/{h.slug}/steps/4", json={"state": "closed"})
    await expect(
        page.get_by_text("Er is nu geen stap open waarin u kunt bijdragen")
    ).to_be_visible()
    await expect(page.get_by_label("Uw tekst")).to_have_count(0)
    await expect(page.locator(".contribution button[data-reaction]")).to_have_count(0)
    await expect(page.locator("#announcer")).to_have_text("Bijdragen aan dit thema is nu gesloten")
    await h.call("POST", f"/api/dialogues/{h.slug}/steps/4", json={"state": "open"})
    await expect(page.get_by_label("Uw tekst")).to_be_visible()

    # The overview follows too.
    await page.goto(f"{site.base}/#/d/{h.slug}")
    step = page.locator('.step[data-step="5"]')
    await expect(step.locator(".badge")).to_have_text("gepland")
    await h.call("POST", f"/api/dialogues/{h.slug}/steps/5", json={"state": "open"})
    await expect(step.locator(".badge")).to_have_text("open")
    await expect(page.locator(".now-open")).to_contain_text("Voorkeuren")
