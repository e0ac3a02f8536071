"""Settings: built once from the environment (prefix ``CHATDESK_``) and passed in, never global."""
from __future__ import annotations

import os
import secrets
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from .crypto import checked_key

DRIVERS = {"postgresql": "postgresql+asyncpg", "postgres": "postgresql+asyncpg",
           "postgresql+asyncpg": "postgresql+asyncpg", "sqlite": "sqlite+aiosqlite",
           "sqlite+aiosqlite": "sqlite+aiosqlite"}


class Settings(BaseSettings):
    """Every knob chatdesk has. See docs/deploy.md for what each one is for."""

    model_config = SettingsConfigDict(env_prefix="CHATDESK_", extra="ignore")

    data_dir: Path = Field(default=Path("./chatdesk-data"))
    database_url: str | None = None
    secret_key: str | None = None
    public_url: str | None = None
    worker_concurrency: int = 16
    worker_batch: int = 100
    job_lease_seconds: float = 60.0
    retention_days: int = Field(default=30, ge=1)  # processed webhook bodies, receipts, consumed events
    media_max_bytes: int = 100 * 1024 * 1024
    # request bodies (core.bodylimit): JSON and forms, and multipart uploads (above every
    # channel's media limit: those are checked per message type once the file is in)
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    max_upload_body_bytes: int = Field(default=150 * 1024 * 1024, ge=1024)
    graph_url: str = "https://graph.facebook.com"
    graph_version: str = "v23.0"
    graph_timeout: float = 15.0
    # hosts media may also be downloaded from (comma-separated), beside the Graph host and Meta's
    # media hosts; they must resolve to public addresses and never receive a channel's token
    media_hosts: str = ""
    log_level: str = "INFO"
    log_json: bool = False
    # PostgreSQL connections each process keeps (pool) and may open beyond it under load
    db_pool_size: int = Field(default=10, ge=1)
    db_max_overflow: int = Field(default=20, ge=0)
    # outbound sending held (a restored copy, an incident): send jobs wait, nothing is lost
    sending_paused: bool = False

    @field_validator("database_url")
    @classmethod
    def _supported_database(cls, value: str | None) -> str | None:
        """SQLite or PostgreSQL, through their async drivers (``postgresql://`` and ``sqlite://``
        are taken to mean those); anything else is refused up front, not at first use."""
        if not value:
            return None
        scheme, sep, rest = value.partition("://")
        if not sep:
            raise ValueError("not a URL (expected postgresql://user:password@host/database or sqlite:///path)")
        driver = DRIVERS.get(scheme.lower())
        if driver is None:
            raise ValueError(f"must be a postgresql:// or sqlite:// URL, got {scheme}://...")
        return f"{driver}://{rest}"

    @property
    def db_url(self) -> str:
        """The SQLAlchemy URL: the configured one, or SQLite in the data dir."""
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'chatdesk.db').resolve()}"

    @property
    def media_host_list(self) -> list[str]:
        return [host.strip() for host in self.media_hosts.split(",") if host.strip()]

    @property
    def is_sqlite(self) -> bool:
        return self.db_url.startswith("sqlite")

    @property
    def media_dir(self) -> Path:
        return self.data_dir / "media"

    def ensure_data_dir(self) -> None:
        """Folders chatdesk creates are its own alone (0700): customers' media and the database
        live there. Existing folders keep the mode their operator gave them."""
        self.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.media_dir.mkdir(mode=0o700, exist_ok=True)

    @property
    def key_file(self) -> Path:
        return self.data_dir / "secret.key"

    def stored_key(self) -> str | None:
        """The configured key (``CHATDESK_SECRET_KEY``, else the data dir's ``secret.key``), or
        None when there is neither. Raises ``BadSecretKey`` for one that is empty or too short."""
        if self.secret_key is not None:
            return checked_key(self.secret_key, "CHATDESK_SECRET_KEY")
        if self.key_file.exists():
            return checked_key(self.key_file.read_text().strip(), str(self.key_file))
        return None

    def encryption_key(self) -> str:
        """The key that encrypts channel secrets at rest.

        ``CHATDESK_SECRET_KEY`` wins; otherwise a key is generated once into the data dir
        (mode 0600), so an embedded install works with no configuration and keeps its key.
        ``serve`` and ``worker`` first check that no stored secrets need a key that is gone
        (``channels.keycheck``): only a new install gets a new key.
        """
        key = self.stored_key()
        if key is not None:
            return key
        self.ensure_data_dir()
        key = secrets.token_urlsafe(32)
        # created 0600, never readable by others even for a moment; O_EXCL: two processes
        # starting at once must not each write their own key
        try:
            fd = os.open(self.key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return self.encryption_key()
        with os.fdopen(fd, "w") as out:
            out.write(key)
        return key
