"""Settings from APP_* environment variables, validated once at start-up."""

from typing import Literal

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ENV_PREFIX = "APP_"


class SettingsError(ValueError):
    """A bad APP_* variable; the message names each offending variable."""


class Settings(BaseSettings):
    # allow_inf_nan=False: "inf" or "nan" for a number of seconds is a typo, not a setting.
    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, extra="ignore", frozen=True, allow_inf_nan=False
    )

    log_level: Literal["critical", "error", "warning", "info", "debug"] = "info"
    log_format: Literal["json", "console"] = "json"
    # Path prefix when served behind a proxy that strips it (ASGI root_path).
    root_path: str = Field(default="", pattern=r"^(/[A-Za-z0-9._~-]+)*$")
    # Containers set APP_HOST=0.0.0.0; a laptop should not listen on every interface.
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    docs_enabled: bool = True
    metrics_enabled: bool = True
    # FastAPI's own OpenTelemetry spans and metrics (exporters from OTEL_* variables).
    otel_enabled: bool = False
    # On SIGTERM: answer not-ready but keep serving this long, so balancers stop routing here...
    shutdown_drain_seconds: float = Field(default=1.0, ge=0, le=300)
    # ...then stop accepting and give in-flight requests this long to finish.
    shutdown_timeout_seconds: float = Field(default=10.0, gt=0, le=300)
    # HTTP limits of the production server (README: "Limits and failure behaviour").
    max_request_target_bytes: int = Field(default=8192, ge=256, le=1 << 20)
    max_header_bytes: int = Field(default=32768, ge=1024, le=1 << 20)
    max_headers: int = Field(default=100, ge=8, le=10_000)
    header_timeout_seconds: float = Field(default=10.0, gt=0, le=300)
    max_body_bytes: int = Field(default=1 << 20, ge=0, le=1 << 30)
    body_timeout_seconds: float = Field(default=30.0, gt=0, le=3600)
    body_budget_bytes: int = Field(default=64 << 20, ge=1 << 20, le=1 << 34)
    keep_alive_seconds: float = Field(default=5.0, gt=0, le=3600)
    max_connections: int = Field(default=1000, ge=1, le=1_000_000)

    @field_validator("log_level", "log_format", mode="before")
    @classmethod
    def _lowercase(cls, value: object) -> object:
        return value.lower() if isinstance(value, str) else value


def load_settings(**overrides: object) -> Settings:
    """Read the environment; raise SettingsError naming each bad variable."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        problems = [
            f"{ENV_PREFIX}{str(err['loc'][0]).upper()}={err.get('input')!r}: {err['msg']}"
            for err in exc.errors()
        ]
        raise SettingsError("invalid settings: " + "; ".join(problems)) from None
