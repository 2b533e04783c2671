"""Representativiteit in the browser: the groups per dimension with suppressed counts, the
R-score, alerts for under-represented offices with the reminder action, figures that follow
joins live (representation.changed on the moderation channel), and the alert threshold."""

from __future__ import annotations

import asyncio
import csv

from playwright.async_api import expect

from server.stakeholders.reference import packaged_csv_text
from tests.browser.conftest import Site
from tests.browser.helpers import audit_long
from tests.browser.test_stakeholder_map import seeded
from tests.integration.harness import Harness


def codes(province: str) -> list[str]:
    rows = csv.DictReader(packaged_csv_text().splitlines())
    return [r["cbs_code"] for r in rows if r["province"] == province]


async def invite(h: Harness, office: str, places: list[str], email: bool = False) -> list[str]:
    invitees = [
        {"role": office, "municipality": code}
        | ({"email": f"{office}{i}@gemeente.example"} if email else {})
        for i, code in enumerate(places)
    ]
    links = await h.call(
        "POST", f"/api/dialogues/{h.slug}/invitations", json={"invitees": invitees}
    )
    return [link["token"] for link in links]


async def join(h: Harness, tokens: list[str]) -> None:
    answers = await asyncio.gather(*(h.http.post("/api/join", json={"token": t}) for t in tokens))
    for answer in answers:
        assert answer.status_code == 200, answer.text


async def test_groups_alerts_reminder_live_refresh_and_threshold(site: Site) -> None:
    h = site.harness
    await seeded(h)
    facilitator = await h.staff("facilitator@test.example", "facilitator")
    # 30 mayors joined; of 12 clerks (with addresses) 2 joined; 10 secretaries invited.
    await join(h, await invite(h, "burgemeester", codes("Gelderland")[:30]))
    clerks = await invite(h, "griffier", codes("Utrecht")[:12], email=True)
    await invite(h, "gemeentesecretaris", codes("Zeeland")[:10])
    await join(h, clerks[:2])

    page = await site.page(facilitator)
    await page.goto(f"{site.base}/#/beheer/d/{h.slug}/representativiteit")
    await expect(page.get_by_role("heading", level=1)).to_have_text(
        "Representativiteit: Testdialoog"
    )
    joined = page.locator("dl.figures div", has_text="Doet mee").locator("dd")
    await expect(joined).to_have_text("32")
    await expect(page.locator(".r-score dd")).to_contain_text("tussen 0,00 en")
    offices = page.get_by_role("table", name="Deelname per functie")
    clerk_row = offices.locator('tr[data-group="griffier"]')
    await expect(clerk_row.locator("td").nth(1)).to_have_text("12")
    await expect(clerk_row.locator("td").nth(2)).to_have_text("< 5minder dan 5")
    await expect(clerk_row).to_contain_text("signaal")
    alert = page.locator('.alerts li[data-dimension="office"][data-group="griffier"]')
    await expect(alert).to_contain_text("griffier (functie): index hoogstens 0,38")
    secretaries = page.locator('.alerts li[data-group="gemeentesecretaris"]')
    await expect(secretaries).to_be_visible()
    parts = [f"section[aria-labelledby={part}]" for part in ("repr-summary", "repr-alerts")]
    await audit_long(page, "representation", [*parts, "section[aria-labelledby=repr-office-h]"])

    # The reminder action from the alert: the 10 clerks not joined get a fresh link (mailed).
    await alert.get_by_role("button", name="Herinnering sturen").click()
    done = page.get_by_role("heading", name="griffier (functie): 10 uitgenodigden herinnerd")
    await expect(done).to_be_focused()
    await expect(page.locator("#main")).to_contain_text("10 worden gemaild; 0 zonder e-mailadres")

    # Eight clerks join: the figures follow without a reload, and the clerks' alert goes.
    await page.evaluate("window.__sameDocument = true")
    await join(h, clerks[2:10])
    await expect(joined).to_have_text("40", timeout=15_000)
    await expect(alert).to_have_count(0)
    await expect(clerk_row).not_to_contain_text("signaal")
    await expect(secretaries).to_be_visible()
    assert await page.evaluate("window.__sameDocument === true")

    # The threshold: alerts need 11 invited now, so the 10 secretaries no longer alert.
    threshold = page.get_by_role("region", name="Drempel voor signalen")
    await threshold.get_by_label("En minstens zoveel uitgenodigd").fill("11")
    await threshold.get_by_role("button", name="Drempel opslaan").click()
    await expect(threshold).to_contain_text("De drempel is opgeslagen.")
    await expect(secretaries).to_have_count(0)
    await expect(page.get_by_text("Er zijn geen signalen")).to_be_visible()
