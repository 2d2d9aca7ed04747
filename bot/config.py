"""Settings, read once from the environment and an optional `.env` file, then passed down."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from scheduler.rule_values import load_rules_file

DEFAULT_API_URL = "https://api.telegram.org"
DEFAULT_TIMEZONE = "Asia/Shanghai"


class Settings(BaseSettings):
    """Duban's configuration; every name is read as `DUBAN_<NAME>`."""

    model_config = SettingsConfigDict(env_prefix="DUBAN_", env_file=".env", extra="ignore")

    data_dir: Path = Path("data")
    database_url: str | None = None
    telegram_token: SecretStr | None = None
    telegram_api_url: str = DEFAULT_API_URL
    bot_username: str | None = None
    webhook_secret: SecretStr | None = None
    admins: Annotated[frozenset[int], NoDecode] = Field(default_factory=frozenset)
    timezone: str = DEFAULT_TIMEZONE
    locale: Literal["zh_CN", "en"] = "zh_CN"
    rules_file: Path | None = None  # TOML: the office's default rules; /rules edits win over it

    @field_validator("admins", mode="before")
    @classmethod
    def _split_admins(cls, value: object) -> object:
        # Operators write "123,456" or "123 456"; pydantic would expect JSON.
        if isinstance(value, str):
            return frozenset(int(part) for part in value.replace(",", " ").split())
        return value

    @field_validator("rules_file")
    @classmethod
    def _readable_rules(cls, value: Path | None) -> Path | None:
        # Read once here so a wrong key stops start-up with one line; the engine reads it again.
        if value is not None:
            load_rules_file(value)
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("telegram_api_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")

    @field_validator("webhook_secret")
    @classmethod
    def _secret_token_chars(cls, value: SecretStr | None) -> SecretStr | None:
        # What Telegram accepts as a webhook's secret_token.
        if value is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", value.get_secret_value()):
            raise ValueError("1 to 256 characters A-Z, a-z, 0-9, _ and -")
        return value

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def effective_database_url(self) -> str:
        """The configured URL, or the default SQLite file in the data folder."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'duban.db').resolve()}"


class SettingsError(Exception):
    """A setting has a wrong value; the message is one line naming it."""


def load_settings() -> Settings:
    """Build the settings once; a wrong value becomes one clear line naming the setting."""
    try:
        return Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        name = "DUBAN_" + str(first["loc"][0]).upper() if first["loc"] else "DUBAN_*"
        raise SettingsError(f"{name}: {first['msg']}") from exc
