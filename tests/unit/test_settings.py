"""Settings come from APP_* variables; a bad one stops start-up and is named."""

import pytest

from app.settings import Settings, SettingsError, load_settings


def test_defaults_need_no_environment():
    settings = Settings()
    assert settings.log_level == "info"
    assert settings.log_format == "json"
    assert settings.port == 8000
    assert settings.host == "127.0.0.1"


def test_values_come_from_prefixed_environment(monkeypatch):
    monkeypatch.setenv("APP_LOG_LEVEL", "DEBUG")
    monkeypatch.setenv("APP_LOG_FORMAT", "Console")
    monkeypatch.setenv("APP_PORT", "9001")
    monkeypatch.setenv("APP_ROOT_PATH", "/api/v1")
    monkeypatch.setenv("APP_SHUTDOWN_DRAIN_SECONDS", "2.5")
    settings = load_settings()
    assert (settings.log_level, settings.log_format) == ("debug", "console")
    assert settings.port == 9001
    assert settings.root_path == "/api/v1"
    assert settings.shutdown_drain_seconds == 2.5


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("APP_LOG_LEVEL", "loud"),
        ("APP_LOG_FORMAT", "xml"),
        ("APP_PORT", "0"),
        ("APP_PORT", "http"),
        ("APP_ROOT_PATH", "no-leading-slash"),
        ("APP_ROOT_PATH", "/trailing/"),
        ("APP_SHUTDOWN_DRAIN_SECONDS", "-1"),
        ("APP_SHUTDOWN_TIMEOUT_SECONDS", "0"),
        ("APP_METRICS_ENABLED", "maybe"),
    ],
)
def test_a_bad_value_names_the_variable(monkeypatch, variable, value):
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError, match=rf"{variable}='{value}'"):
        load_settings()


def test_every_bad_variable_is_reported_at_once(monkeypatch):
    monkeypatch.setenv("APP_LOG_LEVEL", "loud")
    monkeypatch.setenv("APP_PORT", "99999")
    with pytest.raises(SettingsError) as excinfo:
        load_settings()
    assert "APP_LOG_LEVEL" in str(excinfo.value)
    assert "APP_PORT" in str(excinfo.value)


def test_unrelated_variables_are_ignored(monkeypatch):
    monkeypatch.setenv("APP_SOMETHING_ELSE", "x")
    assert load_settings().port == 8000
