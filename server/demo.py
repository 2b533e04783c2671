"""`dialoog demo`: a realistic Dutch demo dialogue on regional cooperation.

Seeding is idempotent: a second run keeps the dialogue and only makes fresh
one-time login links (links are used up when followed).
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncConnection

from server.accounts import add_staff
from server.clock import iso, utcnow
from server.security import Signer, new_token, token_hash
from server.settings import Settings
from server.stakeholders.reference import Organisation
from server.stakeholders.service import load_organisations, seed_reference
from storage import accounts as account_store
from storage import contributions as contribution_store
from storage import dialogues as dialogue_store
from storage import events as event_store
from storage import invitations as invitation_store
from storage import workshops as workshop_store
from storage.database import Database
from storage.invitations import NewInvitation
from storage.stakeholders import OrganisationFilter

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
INVITED_MUNICIPALITIES = 70
"""Spread over every province and size class: enough for each group to pass k = 5."""
JOIN_SHARE = 0.55
PROPOSAL = ("Digitale samenwerking en gedeelde ICT", "Gezamenlijke systemen en data in de regio.")
WORKSHOP_ROUNDS = [
    {
        "prompt": "Wat houdt regionale woningbouw het meest tegen?",
        "kind": "write",
        "duration_seconds": 600,
        "theme_id": None,
        "options": [],
    },
    {
        "prompt": "Welke aanpak verdient voorrang?",
        "kind": "poll",
        "duration_seconds": 180,
        "theme_id": None,
        "options": [
            "Regionale woningbouwtafel",
            "Gezamenlijke inkoop flexwoningen",
            "Eén regionaal programma",
        ],
    },
]


def _network_of(organisation: Organisation) -> str | None:
    return next((n for n in ("G4", "G40", "M50") if organisation.networks.get(n)), None)


async def _invite_and_join(
    conn: AsyncConnection, dialogue_id: int, signer: Signer, rng: random.Random, now: datetime
) -> list[tuple[int, str]]:
    """Invitations drawn from the map; about half joined. Returns (participant id, pseudonym)."""
    municipalities = [
        o for o in await load_organisations(conn, OrganisationFilter(kind="gemeente"))
    ]
    chosen = sorted(rng.sample(municipalities, k=INVITED_MUNICIPALITIES), key=lambda o: o.code)
    invites = [
        NewInvitation(token_hash(new_token()), office, None, o.code, _network_of(o), o.province)
        for o in chosen
        for office in OFFICES
    ]
    expires = now + timedelta(days=60)
    ids = await invitation_store.add_invitations(
        conn, dialogue_id, invites, now, expires, batch="demo"
    )
    joined: list[tuple[int, str]] = []
    for invitation_id, invite in zip(ids, invites, strict=True):
        if rng.random() > JOIN_SHARE:
            continue
        participant = await invitation_store.add_participant(
            conn,
            dialogue_id,
            office=invite.office,
            municipality=invite.municipality,
            network=invite.network,
            province=invite.province,
            self_declared=False,
            invitation_id=invitation_id,
            now=now,
        )
        joined.append((participant.id, signer.pseudonym(participant.id)))
    return joined


async def _ensure_dialogue(db: Database, signer: Signer) -> None:
    now = utcnow()
    rng = random.Random(7)
    await seed_reference(db)
    async with db.transaction() as conn:
        if await dialogue_store.get_dialogue(conn, SLUG) is not None:
            return
        dialogue = await dialogue_store.create_dialogue(conn, SLUG, TITLE, DESCRIPTION, now)
        for step, state in STEP_STATES.items():
            await dialogue_store.set_step(conn, dialogue.id, step, state=state)
        await dialogue_store.set_step(
            conn,
            dialogue.id,
            5,
            opens_at=now + timedelta(days=14),
            closes_at=now + timedelta(days=28),
        )
        joined = await _invite_and_join(conn, dialogue.id, signer, rng, now)
        writers = rng.sample(joined, k=len(joined) // 2)
        themes = []
        for title, items in THEMES.items():
            theme = await dialogue_store.create_theme(conn, dialogue.id, title, "", now)
            themes.append(theme)
            for kind, body in items:
                writer_id, writer = rng.choice(writers)
                created = await contribution_store.add_contribution(
                    conn,
                    dialogue_id=dialogue.id,
                    theme_id=theme.id,
                    kind=kind,
                    body=body,
                    parent_id=None,
                    author=writer,
                    state="visible",
                    now=now,
                )
                await invitation_store.mark_active(conn, writer_id)
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
                        "created_at": iso(now),
                    },
                    now,
                )
                for reactor_id, reactor in rng.sample(joined, k=min(len(joined), 12)):
                    reaction = rng.choice(("agree", "agree", "disagree", "pass"))
                    await contribution_store.set_reaction(conn, created.id, reactor, reaction, now)
                    await invitation_store.mark_active(conn, reactor_id)
        await dialogue_store.create_theme(conn, dialogue.id, *PROPOSAL, now, state="proposed")
        rounds = [{**r, "theme_id": themes[1].id} for r in WORKSHOP_ROUNDS]
        await workshop_store.create_workshop(
            conn, dialogue.id, "Verdieping: woningbouw en ruimte", themes[1].id, rounds, now
        )


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
