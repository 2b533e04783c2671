"""Vinden in the browser: filter the stakeholder map, correct a membership to "onbekend" in
a keyboard-operated dialog, add an organisation and a network, import CSV files (row
errors shown, nothing applied) and contacts; the table scrolls inside itself on a phone."""

from __future__ import annotations

from typing import Any

from playwright.async_api import expect

from server.stakeholders.service import seed_reference
from storage.database import Database
from tests.browser.conftest import Site, audit, screenshot
from tests.browser.helpers import audit_part, sideways_overflow
from tests.browser.test_keyboard import focused, tab_to
from tests.integration.harness import Harness

BAD_CSV = "code,naam,inwoners\nGM0307,Amersfoort,veel\nGM9999,,12\n"
GOOD_CSV = "code;naam;M50\nGM0355;Zeist;ja\n"
CONTACTS = "code,office,email\nGM0307,burgemeester,burgemeester@amersfoort.example\n"


async def seeded(h: Harness) -> None:
    """The packaged CBS map: 342 municipalities and 12 VNG branches."""
    db = Database(h.settings.resolved_database_url())
    try:
        await seed_reference(db)
    finally:
        await db.close()


def csv_file(name: str, text: str) -> dict[str, Any]:
    return {"name": name, "mimeType": "text/csv", "buffer": text.encode()}


async def test_filter_edit_memberships_add_and_import_on_the_map(site: Site) -> None:
    h = site.harness
    await seeded(h)
    facilitator = await h.staff("facilitator@test.example", "facilitator")
    utrecht = await h.call("GET", "/api/stakeholders?province=Utrecht", facilitator)
    page = await site.page(facilitator)
    await page.goto(f"{site.base}/#/beheer")
    await page.get_by_role("link", name="Naar de stakeholderkaart").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Stakeholderkaart")
    await expect(page.locator(".count-line")).to_have_text("354 organisaties")

    # Filter to one province: the count and the rows follow. (axe runs on a small province:
    # its contrast check takes long per table cell.)
    search = page.get_by_role("search", name="Organisaties filteren")
    await search.get_by_label("Provincie").select_option("Flevoland")
    await search.get_by_role("button", name="Filteren").click()
    await expect(page.locator('tr[data-code="GM0034"]')).to_be_visible()  # Almere
    await expect(page.locator('tr[data-code="GM0307"]')).to_have_count(0)
    await audit(page, "stakeholder-map")
    await search.get_by_label("Provincie").select_option("Utrecht")
    await search.get_by_role("button", name="Filteren").click()
    n = len(utrecht["organisations"])
    await expect(page.locator(".count-line")).to_have_text(f"{n} organisaties")
    table = page.get_by_role("table", name="Organisaties en hun lidmaatschappen")
    await expect(table.locator("tbody tr")).to_have_count(n)
    amersfoort = table.locator('tr[data-code="GM0307"]')
    await expect(amersfoort.locator('[data-network="G40"]')).to_have_text("ja")
    await expect(amersfoort.locator('[data-network="P10"]')).to_have_text("onbekend")

    # Correct a membership to "onbekend" with the keyboard only, in the dialog.
    edit = amersfoort.get_by_role("button", name="Bewerken Amersfoort")
    await edit.focus()
    await page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name="Amersfoort bewerken")
    await expect(dialog).to_be_visible()
    assert (await focused(page))["tag"] == "input", "focus starts in the dialog"
    await audit_part(page, "dialog[open]", "stakeholder-edit")
    # Tab stops on each group's checked radio: G4 is "nee", G40 the first "ja".
    await tab_to(page, lambda f: f["type"] == "radio" and f["label"] == "ja")
    group = await page.evaluate("document.activeElement.closest('fieldset').innerText")
    assert group.startswith("Lid van G40?")
    await page.keyboard.press("ArrowRight")  # ja → nee
    await page.keyboard.press("ArrowRight")  # nee → onbekend
    assert (await focused(page))["label"] == "onbekend"
    await tab_to(page, lambda f: f["text"] == "Opslaan", limit=10)
    await page.keyboard.press("Enter")
    await expect(dialog).to_be_hidden()
    await expect(amersfoort.locator('[data-network="G40"]')).to_have_text("onbekend")
    assert (await focused(page))["text"].startswith("Bewerken")
    saved = await h.call("GET", "/api/stakeholders/GM0307", facilitator)
    assert saved["networks"]["G40"] is None
    # Escape closes without saving, focus back on the button.
    await page.keyboard.press("Enter")
    await expect(dialog).to_be_visible()
    await page.keyboard.press("Escape")
    await expect(dialog).to_be_hidden()
    assert (await focused(page))["text"].startswith("Bewerken")

    # Add an organisation; it gets its own code.
    add = page.get_by_role("region", name="Organisatie toevoegen")
    await add.get_by_label("Naam").fill("Regio Foodvalley")
    await add.get_by_role("button", name="Toevoegen").click()
    await expect(
        page.get_by_text("Regio Foodvalley is toegevoegd met code ORG-0001.")
    ).to_be_visible()

    # A CSV with errors: every row error shown, nothing changed; then a good one.
    await page.get_by_label("Organisaties en lidmaatschappen (CSV)").set_input_files(
        csv_file("fout.csv", BAD_CSV)
    )
    orgs_form = page.locator("form", has=page.get_by_label("Organisaties en lidmaatschappen (CSV)"))
    await orgs_form.get_by_role("button", name="Inlezen").click()
    alert = orgs_form.get_by_role("alert")
    await expect(alert).to_contain_text("Er is niets gewijzigd")
    await expect(alert.locator(".row-errors li").first).to_contain_text("Regel 2")
    await expect(alert.locator(".row-errors li").last).to_contain_text("Regel 3")
    await audit_part(page, "section[aria-labelledby=map-import]", "stakeholder-import-errors")
    await page.get_by_label("Organisaties en lidmaatschappen (CSV)").set_input_files(
        csv_file("goed.csv", GOOD_CSV)
    )
    await orgs_form.get_by_role("button", name="Inlezen").click()
    await expect(alert).to_contain_text("0 toegevoegd, 0 bijgewerkt, 1 ongewijzigd")

    contacts_form = page.locator("form", has=page.get_by_label("Contactpersonen (CSV)"))
    await page.get_by_label("Contactpersonen (CSV)").set_input_files(csv_file("c.csv", CONTACTS))
    await contacts_form.get_by_role("button", name="Inlezen").click()
    await expect(contacts_form.get_by_role("alert")).to_contain_text("1 adressen toegevoegd")
    await expect(contacts_form.get_by_role("alert")).to_contain_text("burgemeester: 1")
    await expect(page.get_by_text("amersfoort.example")).to_have_count(0)  # never shown

    # A new network: a new column, every membership "onbekend".
    await page.get_by_label("Nieuw netwerk (naam)").fill("MRA")
    network_form = page.locator("form", has=page.get_by_label("Nieuw netwerk (naam)"))
    await network_form.get_by_role("button", name="Toevoegen").click()
    await expect(network_form).to_contain_text("Het netwerk MRA is toegevoegd")
    await expect(amersfoort.locator('[data-network="MRA"]')).to_have_text("onbekend")

    # On a phone the table scrolls inside its captioned region; the page does not.
    await page.set_viewport_size({"width": 390, "height": 844})
    await page.locator(".count-line").evaluate("el => el.scrollIntoView()")
    overflow = await sideways_overflow(page)
    assert overflow <= 0, f"the page scrolls sideways by {overflow}px"
    region = page.get_by_role("region", name="Organisaties en hun lidmaatschappen")
    assert await region.evaluate("el => el.scrollWidth > el.clientWidth")
    await screenshot(page, "phone-stakeholder-map-light", full_page=False)
    await page.emulate_media(color_scheme="dark")
    await screenshot(page, "phone-stakeholder-map-dark", full_page=False)
