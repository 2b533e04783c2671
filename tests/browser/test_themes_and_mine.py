"""Verkennen in the browser: a participant reads what moderation did with its contributions
and proposes a theme by keyboard; a facilitator sees the proposal arrive live, opens it,
accepts a clustering suggestion and merges two themes."""

from __future__ import annotations

import asyncio
import re

from playwright.async_api import expect

from tests.browser.conftest import Site, audit
from tests.browser.test_keyboard import focused, tab_to

TEXTS = (
    ("idea", "Meer woningbouw in de regio, samen met de provincie."),
    ("obstacle", "Woningbouw in de regio loopt vast op stikstof."),
    ("concern", "De kosten van de jeugdzorg lopen uit de hand."),
    ("idea", "De kosten van jeugdzorg moeten eerlijker verdeeld worden."),
)
HELD = "Een bijdrage die eerst langs de moderatie moet."
PROPOSAL = "Digitale weerbaarheid"


async def test_own_contributions_proposals_suggestions_and_merge(site: Site) -> None:
    h = site.harness
    slug = h.slug
    base = f"/api/dialogues/{slug}"
    await h.call("POST", f"{base}/steps/3", json={"state": "open"})  # Verkennen
    # The first suggestions load scikit-learn (seconds): start that now, beside the rest.
    warm = asyncio.create_task(h.call("GET", f"{base}/themes/suggestions"))
    (author,) = await h.participants(1)
    facilitator = await h.staff("facilitator@test.example", "facilitator")
    client = await h.ws(author)
    ids = []
    for i, (kind, body) in enumerate(TEXTS):
        await client.send(
            {"type": "contribute", "ref": f"t{i}", "theme": h.theme_id, "kind": kind, "body": body}
        )
        ids.append((await client.answer(f"t{i}"))["id"])
    await h.call(
        "POST",
        f"{base}/contributions/{ids[1]}/moderation",
        json={"action": "hide", "reason": "Dubbel met een andere bijdrage"},
    )
    await h.call("PATCH", f"{base}/moderation", json={"moderation_mode": "pre"})
    await client.send(
        {"type": "contribute", "ref": "held", "theme": h.theme_id, "kind": "question", "body": HELD}
    )
    held = (await client.answer("held"))["id"]

    participant, moderator = await asyncio.gather(site.page(author), site.page(facilitator))
    await asyncio.gather(
        participant.goto(f"{site.base}/#/d/{slug}/mijn"),
        moderator.goto(f"{site.base}/#/beheer/d/{slug}/themas"),
    )
    await asyncio.gather(site.connected(participant), site.connected(moderator))

    # Mijn bijdragen: every own contribution with the moderation's outcome and reason.
    mine = participant.locator(".mine-list > li")
    await expect(mine).to_have_count(5)
    await expect(participant.get_by_text("5 bijdragen: 3 zichtbaar, 1 wacht")).to_be_visible()
    hidden = participant.locator(f'.mine-list > li[data-id="{ids[1]}"]')
    await expect(hidden.locator(".badge")).to_have_text("verborgen")
    await expect(hidden).to_contain_text("Reden van de moderatie: Dubbel met een andere bijdrage")
    waiting = participant.locator(f'.mine-list > li[data-id="{held}"]')
    await expect(waiting.locator(".badge")).to_have_text("wacht op goedkeuring")
    await audit(participant, "mine")
    # The facilitator approves: the outcome changes live, and is announced.
    await h.call("POST", f"{base}/contributions/{held}/moderation", json={"action": "approve"})
    await expect(waiting.locator(".badge")).to_have_text("zichtbaar")
    await expect(participant.locator("#announcer")).to_contain_text("status van een van uw")

    # Propose a theme with the keyboard only, from the dialogue page.
    await participant.locator("#nav-list").get_by_role("link", name="Dialoog", exact=True).click()
    await expect(participant.get_by_role("heading", name="Een thema voorstellen")).to_be_visible()
    await tab_to(participant, lambda f: f["label"].startswith("Titel van het thema"), limit=80)
    await participant.keyboard.type(PROPOSAL)
    await tab_to(participant, lambda f: f["text"] == "Thema voorstellen", limit=5)
    await participant.keyboard.press("Enter")
    await expect(participant.get_by_role("status").filter(has_text="is ontvangen")).to_be_visible()
    proposed = participant.locator(".themes li", has_text=PROPOSAL)
    await expect(proposed.locator(".badge")).to_have_text("voorgesteld")
    await expect(proposed.get_by_role("link")).to_have_count(0)
    assert (await focused(participant))["text"] == "Thema voorstellen"
    await audit(participant, "dialogue-propose", shots=False)

    # The facilitator sees it arrive live and opens it; the participant's link appears live.
    row = moderator.locator(".proposals li", has_text=PROPOSAL)
    await expect(row).to_be_visible()
    await row.get_by_role("button", name=re.compile("^Openen als thema")).click()
    await expect(
        moderator.get_by_text(f"Het voorstel “{PROPOSAL}” is nu een open thema")
    ).to_be_visible()
    await expect(moderator.get_by_text("Er zijn geen voorstellen")).to_be_visible()
    await expect(participant.get_by_role("link", name=PROPOSAL)).to_be_visible()

    # Suggestions are only suggestions: one is accepted with a contribution left out.
    await warm
    await moderator.get_by_role("button", name="Suggesties berekenen").click()
    suggestion = moderator.locator(".suggestion", has_text="jeugdzorg").first
    await expect(suggestion).to_be_visible(timeout=20_000)
    await audit(moderator, "themes-suggestions")
    boxes = suggestion.get_by_role("checkbox")
    count = await boxes.count()
    await boxes.first.uncheck()
    await suggestion.get_by_label("Naam van het nieuwe thema").fill("Jeugdzorg")
    await suggestion.get_by_role("button", name="Thema maken").click()
    done = "bijdrage is" if count == 2 else "bijdragen zijn"
    await expect(
        moderator.get_by_text(re.compile(f"“Jeugdzorg” is gemaakt; .*{done}"))
    ).to_be_visible()

    # Merge: choose both, confirm in place (focus moves to the confirmation), done.
    await moderator.get_by_label("Thema dat opgaat").select_option(label="Jeugdzorg (open)")
    await moderator.get_by_label("Opgaan in").select_option(label="Wonen in de regio (open)")
    await moderator.get_by_role("button", name="Samenvoegen", exact=True).click()
    assert (await focused(moderator))["text"] == "Ja, samenvoegen"
    await moderator.keyboard.press("Enter")
    await expect(moderator.get_by_text("“Jeugdzorg” is samengevoegd met")).to_be_visible()
    await expect(moderator.locator("#merge-source option", has_text="Jeugdzorg")).to_have_count(0)
