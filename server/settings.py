"""Settings: one frozen object read from the environment (and a .env file) once.

Units are in the names; every limit says why it is what it is. Tests pass small
limits through this object instead of patching constants.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from storage.database import default_sqlite_url


class Settings(BaseSettings):
    """Everything the server can be told, with the embedded defaults."""

    model_config = SettingsConfigDict(
        env_file=".env", extra="ignore", frozen=True, populate_by_name=True
    )

    database_url: str = Field(default="", validation_alias="DATABASE_URL")
    """Empty: an SQLite file in the working folder (the embedded default)."""
    redis_url: str | None = Field(default=None, validation_alias="REDIS_URL")
    """Unset: in-process broker, one worker only."""
    redis_prefix: str = Field(default="dialoog:", validation_alias="DIALOOG_REDIS_PREFIX")
    """Prefix of Redis channel names, so several installations can share one Redis."""
    secret: str = Field(default="", validation_alias="DIALOOG_SECRET")
    """Signing key for tokens and the HMAC of pseudonyms; generated once when unset."""
    allowed_origins: str = Field(default="", validation_alias="DIALOOG_ALLOWED_ORIGINS")
    """Comma list of origins allowed to open /ws; empty: the server's own origin."""
    public_url: str = Field(default="", validation_alias="DIALOOG_PUBLIC_URL")
    """Base URL printed in links (invitations, login links); empty: from the request."""
    data_dir: Path = Field(default=Path("."), validation_alias="DIALOOG_DATA_DIR")
    """Where the SQLite file, the generated secret and the dev mail folder live."""
    mail_backend: Literal["folder", "smtp"] = Field(
        default="folder", validation_alias="DIALOOG_MAIL_BACKEND"
    )
    """``folder`` writes .eml files (demo, development, tests); ``smtp`` uses a relay."""
    mail_folder: Path | None = Field(default=None, validation_alias="DIALOOG_MAIL_FOLDER")
    """Where the folder backend writes; unset: ``<data_dir>/mail-outbox``."""
    mail_sender: str = Field(
        default="Dialoog <noreply@dialoog.localhost>", validation_alias="DIALOOG_MAIL_SENDER"
    )
    """The From of every mail (both backends); a noreply address of the organiser."""
    smtp_host: str = Field(default="localhost", validation_alias="DIALOOG_SMTP_HOST")
    """The SMTP relay (backend ``smtp``)."""
    smtp_port: int = Field(default=587, validation_alias="DIALOOG_SMTP_PORT")
    """587: submission with STARTTLS, what relays of municipalities and VNG offer."""
    smtp_user: str | None = Field(default=None, validation_alias="DIALOOG_SMTP_USER")
    """Unset: no AUTH (a relay that trusts our address)."""
    smtp_password: SecretStr | None = Field(default=None, validation_alias="DIALOOG_SMTP_PASSWORD")
    """Kept as a secret so it never shows in a repr or a log."""
    smtp_starttls: bool = Field(default=True, validation_alias="DIALOOG_SMTP_STARTTLS")
    """On by default: personal links must not cross the network in clear text."""
    log_level: str = Field(default="info", validation_alias="DIALOOG_LOG_LEVEL")
    log_json: bool = Field(default=False, validation_alias="DIALOOG_LOG_JSON")

    rate_limit_messages_per_second: int = 20
    """The contract: a client sending at most 20 messages in any second is never limited."""
    abuse_limit_invalid_per_10_seconds: int = 20
    """Invalid messages tolerated per 10 s before closing with 1008 (honest bugs stay below)."""
    outbox_max_pending: int = 2000
    """Messages queued for one client before it counts as too slow (4008): about 2 MB."""
    replay_max_events: int = 1000
    """The contract: beyond 1,000 missed events the client gets `reset` and reloads over HTTP."""
    position_interval_seconds: float = 22.0
    """Quiet for this long → `position`; the hub's tick adds up to a third: ≤ 30 s (contract)."""
    catchup_interval_seconds: float = 5.0
    """How often a worker compares its channels with the database to catch a lost event."""
    reaction_coalesce_seconds: float = 0.25
    """The contract: `reaction.counts` at most every 250 ms per contribution."""
    representation_signal_seconds: float = 3.0
    """`representation.changed` at most this often per dialogue (all workers together): a
    facilitator's screen refetches the figures, and joins and writes come in bursts."""
    step_check_interval_seconds: float = 2.0
    """How often a worker checks step dates: a step opens at most this late."""
    presence_interval_seconds: float = 1.0
    """How often a worker reports and announces workshop presence: the count lags ≤ 2 s."""
    flags_to_hide: int = 3
    """Flags from this many different participants hide a contribution until reviewed."""
    session_max_age_seconds: int = 60 * 60 * 24 * 30
    """A session cookie or bearer token lives 30 days: a dialogue runs for weeks."""
    invitation_max_age_seconds: int = 60 * 60 * 24 * 60
    """Personal invitation links expire after 60 days."""
    login_link_max_age_seconds: int = 60 * 60 * 24
    """One-time staff login links expire after a day."""
    open_link_max_age_seconds: int = 60 * 60 * 24 * 60
    """Open join links expire after 60 days unless given another end: as long as a dialogue."""
    mail_poll_interval_seconds: float = 2.0
    """A worker looks for queued mail this often (its own requests wake it at once)."""
    mail_retry_base_seconds: float = 30.0
    """First retry after a failed delivery; doubles each time (a relay restarting)."""
    mail_retry_max_seconds: float = 60.0 * 60
    """Retries are at most an hour apart: a long outage still gets a try every hour."""
    mail_max_attempts: int = 10
    """About three hours of retries (30 s doubling, capped), then give up; a reminder can
    send a fresh link later."""
    mail_claim_stale_seconds: float = 10.0 * 60
    """A claim this old belongs to a dead worker: far beyond one SMTP send (30 s timeout)."""
    ws_max_frame_bytes: int = 64 * 1024
    """The contract: larger frames close with 1009."""
    db_pool_size: int = 10

    def resolved_database_url(self) -> str:
        """The database URL to use, defaulting to SQLite in the data folder."""
        return self.database_url or default_sqlite_url(self.data_dir)

    def origins(self) -> tuple[str, ...]:
        """The configured origin allowlist, normalised."""
        return tuple(o.strip().rstrip("/") for o in self.allowed_origins.split(",") if o.strip())


def secret_file(settings: Settings) -> Path:
    """Where a generated secret is kept: beside the database."""
    return settings.data_dir / ".dialoog-secret"


def with_secret(settings: Settings) -> Settings:
    """Settings with a secret: the configured one, or one generated once and kept in a file."""
    if settings.secret:
        return settings
    path = secret_file(settings)
    if path.exists():
        secret = path.read_text().strip()
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        secret = secrets.token_urlsafe(48)
        path.write_text(secret)
        path.chmod(0o600)
    return settings.model_copy(update={"secret": secret})


def load_settings(**overrides: object) -> Settings:
    """Read the environment once, apply overrides, and make sure a secret exists."""
    return with_secret(Settings(**overrides))  # type: ignore[arg-type]
