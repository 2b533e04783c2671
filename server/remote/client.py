"""The HTTP session of a remote command: log in once, call the API, turn failures into
a Dutch message and an exit code instead of a traceback.

The session token lives in this process's memory only (never on disk): every command logs
in again, which keeps a stolen laptop's shell history and home folder free of credentials.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Annotated, Any, NoReturn

import httpx
import typer

DEFAULT_URL = "http://127.0.0.1:8000"
TIMEOUT_SECONDS = 30.0
"""Results of a large pairwise or statements ballot take a few seconds to compute."""

EXIT_REFUSED = 1
"""The server answered with an error (its Dutch message is shown)."""
EXIT_USAGE = 2
"""Something is missing on the command line (typer uses 2 for its own usage errors too)."""
EXIT_UNREACHABLE = 3
"""No Dialoog server answered at the URL."""

UrlOption = Annotated[
    str, typer.Option("--url", envvar="DIALOOG_URL", help="Adres van de draaiende server.")
]
EmailOption = Annotated[
    str | None,
    typer.Option("--email", envvar="DIALOOG_EMAIL", help="E-mailadres van uw medewerkersaccount."),
]
PasswordStdinOption = Annotated[
    bool,
    typer.Option(
        "--password-stdin",
        help="Lees het wachtwoord van standaardinvoer (anders DIALOOG_PASSWORD of een vraag).",
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Toon het antwoord van de API als JSON.")]


class RemoteError(Exception):
    """A failure to show the user: a Dutch message and the exit code that goes with it."""

    def __init__(self, message: str, exit_code: int = EXIT_REFUSED) -> None:
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code


def fail(message: str, exit_code: int = EXIT_USAGE) -> NoReturn:
    """Print `Fout: …` on stderr and stop, like the other `dialoog` commands."""
    typer.echo(f"Fout: {message}", err=True)
    raise typer.Exit(code=exit_code)


@dataclass(frozen=True)
class Login:
    """Where the server is and who logs in (the password is asked for only when needed)."""

    url: str
    email: str | None
    password_stdin: bool


def _password(login: Login) -> str:
    if login.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            fail("er kwam geen wachtwoord binnen op standaardinvoer.")
        return password
    if from_env := os.environ.get("DIALOOG_PASSWORD"):
        return from_env
    if sys.stdin.isatty():
        return str(typer.prompt("Wachtwoord", hide_input=True))
    fail("geef het wachtwoord met --password-stdin of in DIALOOG_PASSWORD.")


def _error_message(response: httpx.Response) -> str:
    """The API's own Dutch message, with its row errors when it has them."""
    try:
        error = response.json()["error"]
        message = str(error["message"])
    except (ValueError, KeyError, TypeError):
        return (
            f"de server antwoordde met HTTP {response.status_code} zonder foutmelding van "
            "Dialoog; klopt --url?"
        )
    errors = (error.get("detail") or {}).get("errors") or error.get("errors") or []
    return "\n".join([message, *(f"  {line}" for line in errors)])


class Remote:
    """A logged-in staff session with a Dialoog server."""

    def __init__(self, url: str, transport: httpx.BaseTransport | None = None) -> None:
        self.url = url.rstrip("/")
        self._http = httpx.Client(base_url=self.url, timeout=TIMEOUT_SECONDS, transport=transport)

    def close(self) -> None:
        self._http.close()

    def login(self, email: str, password: str) -> str:
        """Log in with the staff password; returns the role. The token stays in memory."""
        answer = self.call("POST", "/api/auth/login", json={"email": email, "password": password})
        self._http.headers["Authorization"] = f"Bearer {answer['token']}"
        self._http.cookies.clear()  # one credential in play: the bearer token
        return str(answer["role"])

    def call(self, method: str, path: str, **kw: Any) -> Any:
        """One API call; its JSON, or RemoteError with the server's Dutch message."""
        try:
            response = self._http.request(method, path, **kw)
        except httpx.TimeoutException:
            raise RemoteError(
                f"de server op {self.url} gaf binnen {TIMEOUT_SECONDS:.0f} s geen antwoord.",
                EXIT_UNREACHABLE,
            ) from None
        except (httpx.UnsupportedProtocol, httpx.InvalidURL):
            raise RemoteError(
                f"'{self.url}' is geen geldig adres; begin met http:// of https://.", EXIT_USAGE
            ) from None
        except httpx.TransportError as exc:
            reason = "geen verbinding" if isinstance(exc, httpx.ConnectError) else "netwerkfout"
            raise RemoteError(
                f"kan de server op {self.url} niet bereiken ({reason}). Draait 'dialoog serve' "
                "daar, en klopt --url of DIALOOG_URL?",
                EXIT_UNREACHABLE,
            ) from None
        if response.status_code >= 400:
            raise RemoteError(_error_message(response))
        try:
            return response.json()
        except ValueError:
            raise RemoteError(
                f"het antwoord van {self.url} is geen JSON; is dit een Dialoog-server?"
            ) from None


@contextmanager
def session(login: Login) -> Iterator[Remote]:
    """A logged-in Remote; any RemoteError inside becomes `Fout: …` and its exit code."""
    if not login.email:
        fail("geef het e-mailadres van uw account met --email of DIALOOG_EMAIL.")
    password = _password(login)
    try:
        remote = Remote(login.url)
    except (httpx.InvalidURL, ValueError) as exc:
        fail(f"'{login.url}' is geen geldig adres ({exc}).")
    try:
        remote.login(login.email, password)
        yield remote
    except RemoteError as exc:
        fail(exc.message, exc.exit_code)
    finally:
        remote.close()


def print_json(value: Any) -> None:
    """The API's answer as it came, readable and in UTF-8 (Dutch titles stay Dutch)."""
    typer.echo(json.dumps(value, indent=2, ensure_ascii=False))
