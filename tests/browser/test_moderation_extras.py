"""Two facilitators share the moderation queue: claim and release, notes, a mute of the
author, the participants' flag notes; who handles what shows live on the other screen.
An admin reads it all back in the audit log, and as CSV."""

from __future__ import annotations

import asyncio

from playwright.async_api import expect

from tests.browser.conftest import Site, audit
from tests.browser.test_keyboard import tab_to

BODY = "Deze bijdrage gaat over iets heel anders dan wonen."
FIRST = "eerste@test.example"


async def test_claim_note_mute_live_between_facilitators_and_the_audit_log(site: Site) -> None:
    h = site.harness
    base = f"/api/dialogues/{h.slug}"
    author, flagger1, flagger2 = await h.participants(3)
    writer = await h.ws(author)
    await writer.send(
        {"type": "contribute", "ref": "w", "theme": h.theme_id, "kind": "idea", "body": BODY}
    )
    contribution = (await writer.answer("w"))["id"]
    for i, (token, note) in enumerate(((flagger1, "Hoort bij een ander thema."), (flagger2, None))):
        client = await h.ws(token)
        message = {"type": "flag", "ref": f"f{i}", "contribution": contribution}
        message |= {"reason": "off_topic"} | ({"note": note} if note else {})
        await client.send(message)
        await client.answer(f"f{i}")
    one, two = await asyncio.gather(
        h.staff(FIRST, "facilitator"), h.staff("tweede@test.example", "facilitator")
    )
    first, second = await asyncio.gather(site.page(one), site.page(two))
    url = f"{site.base}/#/moderatie/{h.slug}"
    await asyncio.gather(first.goto(url), second.goto(url))
    await asyncio.gather(site.connected(first), site.connected(second))
    mine, theirs = (p.locator(".flag", has_text=BODY) for p in (first, second))
    await expect(theirs).to_contain_text("Toelichting van melders")
    await expect(theirs).to_contain_text("Hoort bij een ander thema.")
    await expect(theirs).to_contain_text("Nog niemand pakt dit op.")

    # Claim: the other facilitator sees who handles it.
    await mine.get_by_role("button", name="Oppakken").click()
    await expect(mine).to_contain_text("U pakt deze melding op.")
    await expect(theirs).to_contain_text(f"Opgepakt door {FIRST}.")
    await expect(theirs.get_by_role("button", name="Loslaten")).to_be_visible()

    # A note by keyboard, inside "Meer acties": it reaches the other screen live.
    await tab_to(first, lambda f: f["text"].startswith("Meer acties"))
    await first.keyboard.press("Enter")
    await tab_to(first, lambda f: f["tag"] == "textarea" and f["label"] == "Notitie")
    await first.keyboard.type("Auteur lijkt het thema te verwarren.")
    await tab_to(first, lambda f: f["text"] == "Notitie opslaan", limit=3)
    await first.keyboard.press("Enter")
    await expect(mine).to_contain_text("De notitie is opgeslagen.")
    await expect(theirs).to_contain_text("Notities van moderatoren")
    await expect(theirs).to_contain_text("Auteur lijkt het thema te verwarren.")
    await expect(mine.locator("ul.notes li", has_text="verwarren")).to_have_count(1)

    # Mute the author for an hour: writing is refused; the other screen says who did it.
    await mine.get_by_label("Hoe lang").select_option(label="1 uur")
    await mine.get_by_label("Reden van de pauze (niet verplicht)").fill("Even afkoelen")
    await mine.get_by_role("button", name="Auteur pauzeren").click()
    await expect(mine).to_contain_text("De auteur is gepauzeerd.")
    await expect(theirs).to_contain_text(f"Laatste actie: auteur gepauzeerd door {FIRST}.")
    await expect(mine).to_contain_text("Auteur gepauzeerd")
    await writer.send(
        {"type": "contribute", "ref": "w2", "theme": h.theme_id, "kind": "idea", "body": "Nog een"}
    )
    assert (await writer.answer("w2"))["type"] == "error"
    await audit(first, "moderation-extras")

    # Release: free for anyone again, on both screens.
    await mine.get_by_role("button", name="Loslaten").click()
    await expect(theirs).to_contain_text("Nog niemand pakt dit op.")
    await expect(theirs.get_by_role("button", name="Oppakken")).to_be_visible()

    # The admin's audit log lists every action, newest first, and offers the CSV.
    admin = await site.page(h.admin_token)
    await admin.goto(f"{site.base}/#/beheer/d/{h.slug}/audit")
    table = admin.get_by_role("table", name="Moderatieacties, nieuwste eerst")
    rows = table.locator("tbody tr")
    await expect(rows).to_have_count(4)
    await expect(rows.nth(0)).to_contain_text("Losgelaten")
    await expect(rows.nth(1)).to_contain_text("Auteur gepauzeerd")
    await expect(rows.nth(1)).to_contain_text("reden: Even afkoelen")
    await expect(rows.nth(2)).to_contain_text("notitie: Auteur lijkt het thema te verwarren.")
    await expect(rows.nth(3)).to_contain_text(FIRST)
    csv_link = admin.get_by_role("link", name="Download als CSV")
    href = await csv_link.get_attribute("href")
    assert href == f"{base}/audit?format=csv"
    answer = await admin.request.get(f"{site.base}{href}")
    assert answer.ok and answer.headers["content-type"].startswith("text/csv")
    assert (await answer.text()).splitlines()[0] == "id,tijdstip,door,actie,bijdrage,details"
    await audit(admin, "audit")
