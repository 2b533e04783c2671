"""axe-core on every screen, light and dark: no WCAG 2.1 A/AA violation. Screenshots too."""

from __future__ import annotations

import asyncio
from typing import Any

from playwright.async_api import expect

from tests.browser.conftest import Site, audit

BODIES = (
    ("idea", "Eén regionale woningbouwtafel met provincie en corporaties."),
    ("concern", "Raadsleden hebben weinig zicht op besluiten van de regio."),
)


async def seed(site: Site) -> tuple[str, int]:
    """Two contributions (one a reply), a reaction and a flag: the author's token, the reply."""
    h = site.harness
    tokens = await h.participants(2)
    client = await h.ws(tokens[0])
    parent = None
    for i, (kind, body) in enumerate(BODIES):
        message = {"type": "contribute", "ref": f"s{i}", "theme": h.theme_id, "kind": kind}
        message |= {"body": body, "parent": parent}
        await client.send(message)
        parent = (await client.answer(f"s{i}"))["id"]
    other = await h.ws(tokens[1])
    await other.send({"type": "react", "ref": "r", "contribution": parent, "reaction": "agree"})
    await other.answer("r")
    await other.send(
        {"type": "flag", "ref": "f", "contribution": parent, "reason": "spam", "note": "Reclame?"}
    )
    await other.answer("f")
    return tokens[0], parent


async def visit(site: Site, page: Any, path: str, name: str, ready: Any) -> None:
    """Open a screen, wait until it shows its content, audit it in light and dark."""
    await page.goto(f"{site.base}/{path}")
    await expect(ready(page)).to_be_visible()
    await audit(page, name)


def heading(text: str) -> Any:
    return lambda page: page.get_by_role("heading", level=1, name=text)


async def test_every_screen_passes_axe_in_light_and_dark(site: Site) -> None:
    h = site.harness
    slug = h.slug
    author, reply = await seed(site)
    facilitator = await h.staff("facilitator@test.example", "facilitator")

    anonymous, participant, moderator, admin = await asyncio.gather(
        site.page(), site.page(author), site.page(facilitator), site.page(h.admin_token)
    )
    await visit(site, anonymous, "", "login", heading("Inloggen"))
    await anonymous.get_by_role("button", name="Inloggen").click()
    await expect(anonymous.get_by_role("alert")).to_contain_text("Vul uw e-mailadres")
    await audit(anonymous, "login-error", shots=False)
    await h.staff("wachtwoord@test.example", "facilitator", password="een lang wachtwoord")
    await anonymous.get_by_label("E-mailadres").fill("wachtwoord@test.example")
    await anonymous.get_by_label("Wachtwoord").fill("een lang wachtwoord")
    await anonymous.get_by_role("button", name="Inloggen").click()
    await expect(anonymous.get_by_role("heading", level=1)).to_have_text("Beheer")
    await site.connected(anonymous)

    # What the author's browser knows from its acks: the reply is its own.
    await participant.context.add_init_script(
        f"localStorage.setItem('dialoog.mine.{slug}', '[{reply}]')"
    )
    await visit(site, participant, f"#/d/{slug}", "dialogue", heading("Testdialoog"))
    await site.connected(participant)
    theme = f"#/d/{slug}/thema/{h.theme_id}"
    await visit(site, participant, theme, "theme", lambda p: p.locator(".contribution.mine"))
    await participant.get_by_role("button", name="Reageren").first.click()
    await participant.get_by_role("button", name="Plaatsen").click()
    await expect(participant.get_by_text("Schrijf eerst uw bijdrage.")).to_be_visible()
    await audit(participant, "theme-form-errors", shots=False)
    await participant.get_by_role("button", name="Melden").first.click()
    await expect(participant.get_by_role("dialog")).to_be_visible()
    await audit(participant, "flag-dialog")

    await visit(
        site, moderator, f"#/moderatie/{slug}", "moderation", lambda p: p.locator(".flag .badge")
    )
    await visit(
        site,
        moderator,
        f"#/beheer/d/{slug}",
        "manage",
        lambda p: p.get_by_role("button", name="Sluit stap Verrijken"),
    )
    await moderator.get_by_role("button", name="Naam wijzigen").first.click()
    await audit(moderator, "manage-rename", shots=False)
    await visit(
        site,
        moderator,
        f"#/beheer/d/{slug}/uitnodigingen",
        "invitations",
        heading("Uitnodigingen: Testdialoog"),
    )
    await moderator.get_by_label("Uitgenodigden, één per regel").fill(
        "burgemeester; ; GM0363; G4; Noord-Holland\ngriffier"
    )
    await moderator.get_by_role("button", name="Links maken").click()
    await expect(moderator.get_by_role("heading", name="2 links gemaakt")).to_be_visible()
    await audit(moderator, "invitations-links")

    await visit(site, admin, "#/beheer", "beheer", lambda p: p.get_by_text("(test-dialoog)"))
    await admin.get_by_label("E-mailadres").fill("nieuw@test.example")
    await admin.get_by_role("button", name="Medewerker toevoegen").click()
    await expect(admin.get_by_role("button", name="Inloglink kopiëren")).to_be_visible()
    await audit(admin, "beheer-staff-link", shots=False)
    await visit(site, admin, "#/bestaat-niet", "not-found", heading("Pagina niet gevonden"))
