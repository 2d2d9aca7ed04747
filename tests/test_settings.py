"""Settings: read once from the environment and `.env`; a wrong value is one line naming the setting."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import Settings, SettingsError, load_settings
from tests.conftest import CliRunner


def test_defaults_and_derived_values(cli: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DUBAN_DATABASE_URL")
    monkeypatch.delenv("DUBAN_DATA_DIR")
    settings = load_settings()
    assert settings.timezone == "Asia/Shanghai"
    assert settings.locale == "zh_CN"
    assert settings.telegram_api_url == "https://api.telegram.org"
    assert settings.effective_database_url == f"sqlite:///{Path('data/duban.db').resolve()}"
    assert settings.admins == frozenset()


def test_admins_token_and_env_file(cli: CliRunner, tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(
        "DUBAN_ADMINS=111, 222 333\nDUBAN_TELEGRAM_TOKEN=123:SECRET\n", encoding="utf-8"
    )
    settings = load_settings()
    assert settings.admins == frozenset({111, 222, 333})
    assert settings.telegram_token is not None
    assert settings.telegram_token.get_secret_value() == "123:SECRET"
    assert "SECRET" not in repr(settings)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DUBAN_TIMEZONE", "Mars/Olympus"),
        ("DUBAN_LOCALE", "fr"),
        ("DUBAN_ADMINS", "12,abc"),
        ("DUBAN_TELEGRAM_API_URL", "api.telegram.org"),
    ],
)
def test_wrong_value_stops_start_up_with_one_line(cli: CliRunner, name: str, value: str) -> None:
    cli.env(**{name: value})
    with pytest.raises(SettingsError, match=name):
        load_settings()
    result = cli("units")
    assert result.code == 2
    assert result.out == ""
    lines = result.err.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"配置错误：{name}")


def test_settings_object_is_plain_data() -> None:
    settings = Settings(timezone="Europe/Berlin", locale="en")
    assert settings.tz.key == "Europe/Berlin"
