"""The addresses we print: personal links, open links, the dialogue in the web client."""

from __future__ import annotations

from server.services import Services


def personal_link(base: str, token: str) -> str:
    """A personal invitation link: GET shows a confirmation page, only its POST joins."""
    return f"{base}/join/{token}"


def open_link(base: str, token: str) -> str:
    """An open join link: GET shows the profile form."""
    return f"{base}/open/{token}"


def dialogue_link(base: str, slug: str) -> str:
    """The dialogue in the web client (for people who joined already)."""
    return f"{base}/#/d/{slug}"


def wake_mail(svc: Services) -> None:
    """Tell this worker's sender that mail was queued (other workers poll)."""
    if svc.mail is not None:
        svc.mail.wake()
