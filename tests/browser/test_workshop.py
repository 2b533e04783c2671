"""Verdiepen live: a session lead and two participants in three browser contexts. They see
the same round and the same countdown (one participant's clock runs 90 s fast), a written
answer reaches the other boards live, a pin and a quick poll's counts too, and the summary
on close. The countdown speaks sparingly: at one minute left."""

from __future__ import annotations

import asyncio
from typing import Any

from playwright.async_api import expect

from tests.browser.conftest import Site, audit, screenshot
from tests.browser.helpers import PHONE, sideways_overflow
from tests.browser.test_keyboard import focused, tab_to
from tests.browser.test_phone import layout_problems

ANSWER = "Samen inkopen in de regio scheelt de gemeenten veel tijd."
FAST_CLOCK = "(() => { const real = Date.now; Date.now = () => real() + 90000; })()"


async def remaining(page: Any) -> int:
    value = await page.locator(".countdown").get_attribute("data-remaining")
    assert value, "the countdown shows"
    return int(value)


async def test_lead_and_participants_share_round_countdown_board_poll_and_summary(
    site: Site,
) -> None:
    h = site.harness
    lead_token = await h.staff("sessieleider@test.example", "lead")
    one_token, two_token = await h.participants(2)
    lead, one = await asyncio.gather(site.page(lead_token), site.page(one_token))
    two = await site.page(two_token, **PHONE)
    await two.context.add_init_script(FAST_CLOCK)  # this participant's clock is 90 s fast

    # The lead plans it: two rounds, the second a quick poll of 1:01.
    await lead.goto(f"{site.base}/#/beheer")
    await lead.get_by_role("link", name="Werksessies").click()
    await expect(lead.get_by_role("heading", level=1)).to_have_text("Werksessies: Testdialoog")
    await lead.get_by_label("Titel").fill("Regiotafel jeugdzorg")
    first = lead.locator("fieldset.round").nth(0)
    await first.get_by_label("Vraag of opdracht").fill("Waar ligt de grootste kans?")
    await first.get_by_label("Duur").fill("2:00")
    await lead.get_by_role("button", name="Ronde toevoegen").click()
    second = lead.locator("fieldset.round").nth(1)
    assert (await focused(lead))["tag"] == "textarea", "focus moves to the new round"
    await lead.keyboard.type("Welke aanpak heeft uw voorkeur?")
    await second.get_by_label("Soort ronde").select_option("poll")
    await second.get_by_label("Keuzes, één per regel").fill("Regionaal\nLokaal")
    await second.get_by_label("Duur").fill("1:01")
    await audit(lead, "workshop-plan", shots=False)
    await lead.get_by_role("button", name="Werksessie aanmaken").click()
    await expect(lead.get_by_role("heading", level=1)).to_have_text("Regiotafel jeugdzorg")
    workshop = lead.url.rsplit("/", 1)[1]

    # Participants come in through the dialogue page, or the link itself.
    await one.goto(f"{site.base}/#/d/{h.slug}")
    await one.get_by_role("link", name="Regiotafel jeugdzorg").click()
    await two.goto(f"{site.base}/#/d/{h.slug}/werksessie/{workshop}")
    pages = (lead, one, two)
    for page in pages:
        await site.connected(page)
        await expect(page.locator(".presence")).to_have_text("3 aanwezig")
    await expect(one.get_by_text("De sessie is nog niet begonnen.")).to_be_visible()

    # Start: the same round, the same countdown everywhere, whatever the local clock says.
    await lead.get_by_role("button", name="Starten").click()
    for page in pages:
        await expect(page.locator(".workshop-state")).to_contain_text("Ronde 1 van 2")
        await expect(page.locator(".prompt")).to_have_text("Waar ligt de grootste kans?")
    times = [await remaining(page) for page in pages]
    assert max(times) - min(times) <= 1 and 115 <= min(times) <= 120, times

    # One writes (keyboard); the board updates live for the other and the lead.
    await tab_to(one, lambda f: f["tag"] == "textarea", limit=80)
    await one.keyboard.type(ANSWER)
    await tab_to(one, lambda f: f["text"] == "Plaatsen", limit=5)
    await one.keyboard.press("Enter")
    for page in pages:
        await expect(page.locator(".board-item", has_text=ANSWER)).to_be_visible()
    await expect(two.locator("#announcer")).to_contain_text("1 nieuwe bijdrage op het bord")
    await audit(one, "workshop-participant")
    # The lead pins it: an insight for everyone.
    await (
        lead.locator(".board-item", has_text=ANSWER)
        .get_by_role("button", name="Vastpinnen")
        .click()
    )
    for page in pages:
        await expect(page.locator(".pins li", has_text=ANSWER)).to_be_visible()

    # The quick poll: two votes, counts live on every screen; at 1:00 left a single notice.
    await lead.get_by_role("button", name="Volgende ronde").click()
    for page in pages:
        await expect(page.locator(".workshop-state")).to_contain_text("Ronde 2 van 2")
    await one.get_by_label("Regionaal").check()
    await one.get_by_role("button", name="Stemmen").click()
    await expect(one.get_by_text("Uw stem voor “Regionaal” is geteld.")).to_be_visible()
    await two.get_by_label("Lokaal").tap()
    await two.get_by_role("button", name="Stemmen").tap()
    for page in pages:
        counts = page.locator(".poll-counts")
        await expect(counts.locator('[data-option="0"] .votes')).to_have_text("1 stem")
        await expect(counts.locator('[data-option="1"] .votes')).to_have_text("1 stem")
    await expect(one.locator("#announcer")).to_contain_text("Nog 1 minuut voor deze ronde.")
    announced = await one.evaluate(
        "document.getElementById('announcer').textContent.split('Nog 1 minuut').length - 1"
    )
    assert announced == 1
    assert await sideways_overflow(two) <= 0
    assert await layout_problems(two) == []
    await screenshot(two, "phone-workshop-light", full_page=False)
    await audit(lead, "workshop-lead")

    # Close with a summary, from a dialog, by keyboard.
    await lead.get_by_role("button", name="Afsluiten…").click()
    dialog = lead.get_by_role("dialog", name="Werksessie afsluiten")
    await expect(dialog).to_be_visible()
    assert (await focused(lead))["tag"] == "textarea"
    await lead.keyboard.type("Regionaal inkopen heeft de voorkeur.")
    await tab_to(lead, lambda f: f["text"] == "Afsluiten", limit=3)
    await lead.keyboard.press("Enter")
    await expect(dialog).to_be_hidden()
    for page in pages:
        await expect(page.locator(".summary")).to_contain_text(
            "Regionaal inkopen heeft de voorkeur."
        )
        await expect(page.locator(".workshop-state .badge")).to_have_text("afgesloten")
    await two.emulate_media(color_scheme="dark")
    await screenshot(two, "phone-workshop-closed-dark", full_page=False)

    # The countdown's notices, on a fake clock: at 1:00 and at 0:00, once each; again after
    # an extension brings the round back above a minute.
    marks = await one.evaluate(
        """async () => {
          const { Countdown } = await import('/static/lib/countdown.js');
          let now = 0;
          const marks = [];
          const c = new Countdown({ now: () => now, onMark: (m) => marks.push([m, now]) });
          const at = (ms) => new Date(ms).toISOString();
          c.set({ state: 'running', deadline: at(90000), server_time: at(0), key: 1 }, 0);
          for (; now <= 95000; now += 250) c.tick();
          c.set({ state: 'running', deadline: at(now + 120000), server_time: at(now), key: 1 }, now);
          for (const end = now + 125000; now <= end; now += 250) c.tick();
          return marks;
        }"""
    )
    assert [m for m, _ in marks] == [60, 0, 60, 0], marks
    assert marks[0][1] == 30000 and marks[1][1] == 90000, marks  # at 1:00 and at 0:00
