"""Settings, read once from the environment (prefix ``PINGAN_``)."""

from __future__ import annotations

import secrets
from functools import cached_property
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATA_DIR = Path("var")


class Settings(BaseSettings):
    """Everything a deployment can change. See docs/configuration.md."""

    model_config = SettingsConfigDict(env_prefix="PINGAN_", extra="ignore")

    data_dir: Path = Field(
        DEFAULT_DATA_DIR, description="Where the embedded database and keys live."
    )
    database_url: str | None = Field(
        None, description="SQLAlchemy URL; default is SQLite at DATA_DIR/pingan.db."
    )
    secret_key: str | None = Field(
        None, description="Key that signs access tokens; default is a random key kept in DATA_DIR."
    )
    token_minutes: int = Field(12 * 60, description="Lifetime of an access token, in minutes.")
    default_place: str | None = Field(
        None, description="Division code of the deployment's own area (e.g. 330624 for 新昌县)."
    )
    max_text_length: int = Field(4000, description="Longest incident description accepted.")
    sqlite_busy_timeout_ms: int = Field(15000, description="How long SQLite waits for a lock.")
    run_time_limits: bool = Field(
        True, description="Run the time-limit engine (提醒/督办/通报) inside the server."
    )
    group_commit_wait_ms: float = Field(
        3.0,
        ge=0,
        le=100,
        description="Under load, how long the API's group commit waits for more requests to "
        "write together (0: never waits).",
    )

    @cached_property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'pingan.db').as_posix()}"

    @cached_property
    def resolved_secret_key(self) -> str:
        """The signing key: from the environment, else a random key stored once on disk."""
        if self.secret_key:
            return self.secret_key
        path = self.data_dir / "secret_key"
        if path.exists():
            return path.read_text().strip()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        path.touch(mode=0o600)
        path.write_text(key)
        return key


def load_settings() -> Settings:
    return Settings()
