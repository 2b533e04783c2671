"""Verzamelen in the browser: invitations drawn from the stakeholder map (mailed where the
map has an address, links otherwise), joining with one, revoking one in a keyboard-operated
dialog, a reminder to a group, an open link, and the suppressed funnel."""

from __future__ import annotations

from playwright.async_api import expect

from tests.browser.conftest import Site, audit
from tests.browser.helpers import audit_long
from tests.browser.test_keyboard import focused
from tests.browser.test_stakeholder_map import seeded

CONTACTS = "code,office,email\nGM0307,burgemeester,b@amersfoort.example\nGM0344,griffier,g@utrecht.example\n"


async def test_invite_from_the_map_join_revoke_remind_open_link_and_funnel(site: Site) -> None:
    h = site.harness
    await seeded(h)
    facilitator = await h.staff("facilitator@test.example", "facilitator")
    await h.call("POST", "/api/stakeholders/contacts/import", facilitator, json={"csv": CONTACTS})
    page = await site.page(facilitator)
    await page.goto(f"{site.base}/#/beheer/d/{h.slug}/verzamelen")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Verzamelen: Testdialoog")

    # The big municipalities of Utrecht, burgemeester and griffier: 2 × 2 invitations.
    batch = page.get_by_role("region", name="Uitnodigen vanaf de kaart")
    await batch.get_by_label("Gemeentesecretaris").uncheck()
    await batch.get_by_label("Provincie").select_option("Utrecht")
    await batch.get_by_label("Grootteklasse").select_option("100.000 inwoners of meer")
    await batch.get_by_label("Label (niet verplicht)").fill("ronde 1")
    await batch.get_by_label("Direct mailen").check()
    await batch.get_by_role("button", name="Uitnodigingen maken").click()
    await expect(batch.get_by_role("heading", name="4 uitnodigingen gemaakt")).to_be_focused()
    await expect(batch).to_contain_text(
        "0 overgeslagen omdat ze al zijn uitgenodigd; 2 worden gemaild"
    )
    links = batch.get_by_role("table", name="Links om zelf te versturen").locator("tbody tr")
    await expect(links).to_have_count(2)
    await expect(links.nth(0)).to_contain_text("Amersfoort – Griffier")
    await expect(links.nth(1)).to_contain_text("Utrecht – Burgemeester")
    link = (await links.nth(0).locator("td.link").inner_text()).strip()
    joined = await h.http.post("/api/join", json={"token": link.rsplit("/", 1)[1]})
    assert joined.status_code == 200, joined.text

    # The list: no tokens, addresses shortened; revoke one by keyboard in a dialog.
    listing = page.get_by_role("region", name="Uitnodigingen", exact=True)
    rows = listing.get_by_role("table").locator("tbody tr")
    await expect(rows).to_have_count(4)
    await expect(listing).to_contain_text("b***@amersfoort.example")
    await expect(listing).not_to_contain_text("/join/")
    utrecht_mayor = rows.filter(has_text="GM0344").filter(has_text="Burgemeester")
    await utrecht_mayor.get_by_role("button", name="Intrekken").focus()
    await page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name="Uitnodiging intrekken?")
    await expect(dialog).to_be_visible()
    await audit(page, "gather-revoke-dialog", shots=False)
    assert (await focused(page))["text"] == "Intrekken", "focus starts on the confirmation"
    await page.keyboard.press("Enter")
    await expect(dialog).to_be_hidden()
    await expect(listing).to_contain_text("De uitnodiging is ingetrokken.")
    await expect(listing).to_contain_text(
        "4 uitnodigingen: 2 open, 1 doen mee, 0 verlopen, 1 ingetrokken."
    )
    await expect(utrecht_mayor.locator(".badge")).to_have_text("ingetrokken")
    await expect(
        rows.filter(has_text="GM0307").filter(has_text="Griffier").locator(".badge")
    ).to_have_text("doet mee")
    await listing.get_by_label("Toon").select_option(label="open")
    await expect(rows).to_have_count(2)

    # Remind the mayors who have not joined: the one left has an address, so it is mailed.
    remind = page.get_by_role("region", name="Herinneren")
    await remind.get_by_label("Functie").select_option(label="Burgemeester")
    await remind.get_by_role("button", name="Herinnering versturen").click()
    await expect(remind.get_by_role("heading", name="1 uitgenodigde herinnerd")).to_be_visible()
    await expect(remind).to_contain_text("1 worden gemaild; 0 zonder e-mailadres")

    # An open link: shown once, listed without its token, revoked.
    open_links = page.get_by_role("region", name="Open links")
    await open_links.get_by_label("Label", exact=True).fill("Ledenvergadering")
    await open_links.get_by_role("button", name="Open link maken").click()
    await expect(open_links.locator("code")).to_contain_text("/open/")
    item = open_links.locator("li", has_text="Ledenvergadering")
    await expect(item.locator(".badge")).to_have_text("open")
    await item.get_by_role("button", name="Intrekken").click()
    await expect(item.locator(".badge")).to_have_text("ingetrokken")

    # The funnel: small counts as "< 5", explained beside the table; per province too.
    funnel = page.get_by_role("region", name="Trechter: van uitnodiging tot deelname")
    table = funnel.get_by_role("table", name="Deelname per functie")
    mayor = table.locator("tbody tr", has_text="burgemeester")
    await expect(mayor.locator("td").first).to_have_text("< 5minder dan 5")
    await expect(funnel).to_contain_text("“< 5” betekent: minder dan 5")
    await funnel.get_by_label("Groepen naar").select_option(label="provincie")
    await expect(funnel.get_by_role("table", name="Deelname per provincie")).to_be_visible()
    await audit_long(page, "gather", "section[aria-labelledby=inv-heading]")
