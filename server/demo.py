"""`dialoog demo`: a realistic Dutch demo dialogue on regional cooperation.

Seeding is idempotent: a second run keeps the dialogue and only makes fresh
one-time login links (links are used up when followed).
"""

from __future__ import annotations

import random
from datetime import timedelta

from server.accounts import add_staff
from server.clock import utcnow
from server.security import Signer, new_token, token_hash
from server.settings import Settings
from storage import accounts as account_store
from storage import contributions as contribution_store
from storage import dialogues as dialogue_store
from storage import events as event_store
from storage import invitations as invitation_store
from storage.database import Database
from storage.invitations import NewInvitation

SLUG = "regionale-samenwerking"
TITLE = "Verenigingsdialoog regionale samenwerking"
DESCRIPTION = (
    "Hoe werken gemeenten in de regio beter samen? Deel uw ervaringen, knelpunten en "
    "oplossingen met burgemeesters, gemeentesecretarissen en griffiers uit het hele land."
)
STEP_STATES = {1: "closed", 2: "closed", 3: "closed", 4: "open"}
THEMES: dict[str, list[tuple[str, str]]] = {
    "Democratische legitimatie van regionale samenwerking": [
        (
            "concern",
            "Raadsleden hebben nauwelijks zicht op besluiten van gemeenschappelijke "
            "regelingen; de kaderstelling komt te laat.",
        ),
        (
            "idea",
            "Laat elke regio twee keer per jaar een gezamenlijke raadsavond houden over de "
            "begroting van de gemeenschappelijke regelingen.",
        ),
        (
            "solution",
            "Een regionale griffiersgroep die zienswijzen van raden bundelt werkt bij "
            "ons goed: één tijdpad, één format.",
        ),
        (
            "question",
            "Hoe houden kleine gemeenten invloed als de grote gemeente de meeste stemmen heeft?",
        ),
    ],
    "Woningbouw en ruimte": [
        (
            "obstacle",
            "Regionale woningbouwafspraken botsen met lokale bestemmingsplannen; "
            "niemand voelt zich eigenaar van het regionale tekort.",
        ),
        (
            "idea",
            "Een regionale woningbouwtafel met provincie en corporaties, met een "
            "gezamenlijk programma in plaats van losse plannen.",
        ),
        ("solution", "Gezamenlijke inkoop van flexwoningen heeft in onze regio maanden gescheeld."),
    ],
    "Jeugdzorg en sociaal domein": [
        (
            "concern",
            "De kosten van specialistische jeugdzorg lopen op en de solidariteit "
            "tussen gemeenten in de regio staat onder druk.",
        ),
        ("idea", "Maak regionale inkoop standaard, maar houd de toegang lokaal."),
        (
            "obstacle",
            "Elke gemeente heeft eigen verantwoordingseisen; aanbieders verdrinken "
            "in administratie.",
        ),
    ],
    "Energietransitie": [
        ("idea", "Deel één regionaal energieloket in plaats van elf gemeentelijke loketten."),
        ("concern", "Netcongestie maakt regionale afspraken over zon en wind onzeker."),
    ],
}
OFFICES = ("burgemeester", "gemeentesecretaris", "griffier")
MUNICIPALITIES = (
    ("GM0363", "Noord-Holland", "G4"),
    ("GM0599", "Zuid-Holland", "G4"),
    ("GM0014", "Groningen", "G40"),
    ("GM0034", "Flevoland", "G40"),
    ("GM0193", "Overijssel", "G40"),
    ("GM0202", "Gelderland", "G40"),
    ("GM0037", "Groningen", None),
    ("GM0047", "Groningen", None),
    ("GM0080", "Fryslân", None),
    ("GM0106", "Drenthe", None),
    ("GM0150", "Overijssel", None),
    ("GM0228", "Gelderland", None),
    ("GM0307", "Utrecht", None),
    ("GM0405", "Noord-Holland", None),
    ("GM0518", "Zuid-Holland", "G4"),
    ("GM0654", "Zeeland", None),
    ("GM0772", "Noord-Brabant", "G40"),
    ("GM0935", "Limburg", "G40"),
)


async def _ensure_dialogue(db: Database, signer: Signer) -> None:
    now = utcnow()
    rng = random.Random(7)
    async with db.transaction() as conn:
        if await dialogue_store.get_dialogue(conn, SLUG) is not None:
            return
        dialogue = await dialogue_store.create_dialogue(conn, SLUG, TITLE, DESCRIPTION, now)
        for step, state in STEP_STATES.items():
            await dialogue_store.set_step(conn, dialogue.id, step, state=state)
        invites = [
            NewInvitation(token_hash(new_token()), office, None, code, network, province)
            for code, province, network in MUNICIPALITIES
            for office in OFFICES
        ]
        expires = now + timedelta(days=60)
        ids = await invitation_store.add_invitations(conn, dialogue.id, invites, now, expires)
        authors: list[str] = []
        for invitation_id, invite in list(zip(ids, invites, strict=True))[::2]:
            participant = await invitation_store.add_participant(
                conn,
                dialogue.id,
                office=invite.office,
                municipality=invite.municipality,
                network=invite.network,
                province=invite.province,
                self_declared=False,
                invitation_id=invitation_id,
                now=now,
            )
            authors.append(signer.pseudonym(participant.id))
        for title, items in THEMES.items():
            theme = await dialogue_store.create_theme(conn, dialogue.id, title, "", now)
            for kind, body in items:
                created = await contribution_store.add_contribution(
                    conn,
                    dialogue_id=dialogue.id,
                    theme_id=theme.id,
                    kind=kind,
                    body=body,
                    parent_id=None,
                    author=rng.choice(authors),
                    state="visible",
                    now=now,
                )
                await event_store.append_event(
                    conn,
                    f"theme:{theme.id}",
                    "contribution.created",
                    {
                        "id": created.id,
                        "theme": theme.id,
                        "kind": kind,
                        "body": body,
                        "parent": None,
                        "created_at": now.isoformat().replace("+00:00", "Z"),
                    },
                    now,
                )
                for reactor in rng.sample(authors, k=min(len(authors), 6)):
                    reaction = rng.choice(("agree", "agree", "disagree", "pass"))
                    await contribution_store.set_reaction(conn, created.id, reactor, reaction, now)


async def _staff_link(db: Database, settings: Settings, email: str, role: str) -> str:
    """A fresh one-time login link for a demo staff account (created when missing)."""
    async with db.read() as conn:
        account = await account_store.get_staff_by_email(conn, email)
    if account is None:
        _, token = await add_staff(db, email, role, None, settings.login_link_max_age_seconds)
        return token
    token = new_token()
    async with db.transaction() as conn:
        expires = utcnow() + timedelta(seconds=settings.login_link_max_age_seconds)
        await account_store.add_login_token(conn, account.id, token_hash(token), expires)
    return token


async def _participant_link(db: Database) -> str:
    """A fresh personal invitation for a demo participant."""
    token = new_token()
    now = utcnow()
    async with db.transaction() as conn:
        dialogue = await dialogue_store.get_dialogue(conn, SLUG)
        assert dialogue is not None
        await invitation_store.add_invitations(
            conn,
            dialogue.id,
            [NewInvitation(token_hash(token), "griffier", None, "GM0307", None, "Utrecht")],
            now,
            now + timedelta(days=60),
            batch="demo",
        )
    return token


async def seed_demo(settings: Settings) -> list[tuple[str, str]]:
    """Seed the demo (once) and return one fresh login link per role."""
    db = Database(settings.resolved_database_url())
    base = (settings.public_url or "http://127.0.0.1:8000").rstrip("/")
    try:
        await _ensure_dialogue(db, Signer(settings.secret, settings.session_max_age_seconds))
        links = []
        for role, email in (
            ("admin", "beheer@dialoog.example"),
            ("facilitator", "facilitator@dialoog.example"),
            ("lead", "sessieleider@dialoog.example"),
        ):
            links.append((role, f"{base}/login/{await _staff_link(db, settings, email, role)}"))
        links.append(("deelnemer", f"{base}/join/{await _participant_link(db)}"))
        return links
    finally:
        await db.close()
