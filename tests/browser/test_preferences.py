"""Voorkeuren in the browser: a facilitator prepares a dot ballot from the themes, a
participant spreads its dots by keyboard and agrees with a statement, the results follow
live (ballot.counts) and, once the step closes, the top becomes the Verdiepen agenda."""

from __future__ import annotations


from playwright.async_api import expect

from tests.browser.conftest import Site, audit
from tests.browser.test_keyboard import focused, tab_to


async def test_ballot_dots_statements_live_results_and_agenda(site: Site) -> None:
    h = site.harness
    base = f"/api/dialogues/{h.slug}"
    facilitator = await h.staff("facilitator@test.example", "facilitator")
    await h.call("POST", f"{base}/themes", json={"title": "Jeugdzorg"})
    await h.call(
        "POST",
        f"{base}/ballots",
        json={
            "title": "Stellingen",
            "method": "statements",
            "items": [{"title": "Meer regie bij de regio"}],
        },
    )
    moderator = await site.page(facilitator)
    await moderator.goto(f"{site.base}/#/beheer/d/{h.slug}/voorkeuren")
    await expect(moderator.get_by_role("heading", level=1)).to_have_text("Voorkeuren: Testdialoog")

    # A dot ballot: one item per theme plus one of its own, at most 3 dots per item.
    new = moderator.get_by_role("region", name="Nieuwe stemming")
    await new.get_by_label("Titel").fill("Wat eerst?")
    await new.get_by_label("Hoogstens per onderwerp").fill("3")
    await new.get_by_label("Eigen onderwerpen").fill("Energie: samen investeren in warmtenetten")
    await new.get_by_role("button", name="Stemming aanmaken").click()
    await expect(new).to_contain_text("De stemming “Wat eerst?” is aangemaakt met 3 onderwerpen.")
    await audit(moderator, "ballots", shots=False)

    await h.call(
        "POST",
        f"{base}/ballots",
        json={"title": "Twee aan twee", "method": "pairwise", "from_themes": True},
    )
    (voter,) = await h.participants(1)
    await h.call("POST", f"{base}/steps/5", json={"state": "open"})
    page = await site.page(voter)
    await page.goto(f"{site.base}/#/d/{h.slug}")
    await page.get_by_role("link", name="Stemmen in stap Voorkeuren").click()
    await site.connected(page)
    ballot = page.get_by_role("region", name="Wat eerst?", exact=True)
    await expect(ballot.get_by_role("status").first).to_have_text("Nog 10 stippen over")

    # Spread the dots with the keyboard: 3 + 2 (arrow keys on the number fields).
    await tab_to(page, lambda f: f["tag"] == "input" and f["label"].startswith("Wonen in de regio"))
    for _ in range(3):
        await page.keyboard.press("ArrowUp")
    await tab_to(
        page, lambda f: f["tag"] == "input" and f["label"].startswith("Jeugdzorg"), limit=3
    )
    await page.keyboard.press("ArrowUp")
    await page.keyboard.press("ArrowUp")
    await expect(ballot.locator(".dots-left")).to_have_text("Nog 5 stippen over")
    await tab_to(page, lambda f: f["text"] == "Stippen opslaan", limit=4)
    await page.keyboard.press("Enter")
    await expect(ballot).to_contain_text("Uw stippen zijn opgeslagen.")
    assert (await focused(page))["text"] == "Stippen opslaan"

    statements = page.get_by_role("region", name="Stellingen", exact=True)
    agree = statements.get_by_role("button", name="Eens", exact=True)
    await agree.click()
    await expect(agree).to_have_attribute("aria-pressed", "true")
    # Pairs: choose one of two; the next pair comes, the progress is counted.
    pairs = page.get_by_role("region", name="Twee aan twee", exact=True)
    await expect(pairs).to_contain_text("U hebt 0 van de 1 paren beantwoord.")
    await pairs.locator(".choice-button").first.click()
    await expect(pairs).to_contain_text("U hebt 1 van de 1 paren beantwoord.")
    assert (await focused(page))["tag"] == "button", "focus stays on the choices"
    # The results follow live: one voter, a small count.
    await expect(ballot.get_by_text("Aantal stemmers: < 5")).to_be_visible()
    await audit(page, "preferences")

    # The step closes: the facilitator sends the top two to Verdiepen.
    await h.call("POST", f"{base}/steps/5", json={"state": "closed"})
    card = moderator.locator(".ballot", has_text="Wat eerst?")
    await card.get_by_role("button", name="Uitslag tonen").click()
    await expect(card.get_by_role("table", name="Uitslag: Wat eerst?")).to_be_visible()
    await card.get_by_label("Hoeveel onderwerpen uit de top").fill("2")
    await card.get_by_role("button", name="Naar de agenda van Verdiepen").click()
    await expect(card).to_contain_text("2 onderwerpen staan op de agenda.")
    agenda = moderator.get_by_role("region", name="Agenda voor Verdiepen").locator("li")
    await expect(agenda).to_have_count(2)
    await expect(agenda.first).to_contain_text("Wonen in de regio")
