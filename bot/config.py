"""Settings, read once from the environment and an optional `.env` file, then passed down."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from ledger.reporting import Issuer, parse_month
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
    # The documents that leave the office: who sends them (发文机关, the signature, the ledger's 填报单位), to
    # whom the month's notice goes (主送机关), and the month of its 第1期 (without it: numbered by month
    # within each year, 2026年第11期).
    office_name: str = "督察整改工作领导小组办公室"
    notice_recipients: str = "各责任单位"
    notice_first_month: str | None = None
    # To whom an approved item's 销号申请 goes: the rectification office of the next level up.
    superior_office: str = "上级督察整改工作领导小组办公室"

    @field_validator("office_name", "notice_recipients", "superior_office")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be empty")
        return value.strip()

    @field_validator("notice_first_month")
    @classmethod
    def _a_month(cls, value: str | None) -> str | None:
        if value is not None and parse_month(value) is None:
            raise ValueError("a month as YYYY-MM")
        return value

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
    def issuer(self) -> Issuer:
        """Who sends the month's notice, to whom, and how its issues are numbered."""
        first = parse_month(self.notice_first_month) if self.notice_first_month else None
        return Issuer(self.office_name, self.notice_recipients, first)

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
