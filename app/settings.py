"""Settings from APP_* environment variables, validated once at start-up.

The one source of every setting: `make generate` writes the chart's `app:` values, their
schema, the ConfigMap and docs/settings.md from the fields below (scripts/generate.py), and
`make test` fails when one of them drifts. A field's description is its documentation
everywhere; `chart` in its json_schema_extra names its chart value when it is not
`app.<camelCase name>`, or None when the chart does not set it.
"""

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ENV_PREFIX = "APP_"


class SettingsError(ValueError):
    """A bad APP_* variable; the message names each offending variable."""


class HttpLimits(BaseModel):
    """What the production server lets clients make it hold (app/protocol.py)."""

    model_config = ConfigDict(frozen=True, allow_inf_nan=False)

    max_request_target_bytes: int = Field(
        default=8192,
        ge=256,
        le=1 << 20,
        description="Request target (path and query), bytes: 414 past it",
    )
    max_header_bytes: int = Field(
        default=32768,
        ge=1024,
        le=1 << 20,
        description="All request header (and trailer) bytes together: 431 past it",
    )
    max_headers: int = Field(
        default=100, ge=8, le=10_000, description="Request header (and trailer) fields: 431 past it"
    )
    header_timeout_seconds: float = Field(
        default=10.0,
        gt=0,
        le=300,
        description="From connecting, or a request's first byte, to the end of its headers: 408",
    )
    max_body_bytes: int = Field(
        default=1 << 20,
        ge=0,
        le=1 << 30,
        description="A request body: 413 past it (FastAPI's max_body_size; routes may set theirs)",
    )
    body_timeout_seconds: float = Field(
        default=30.0,
        gt=0,
        le=3600,
        description="From the end of a request's headers to the end of its body: 408, or a close",
    )
    body_budget_bytes: int = Field(
        default=64 << 20,
        ge=1 << 20,
        le=1 << 34,
        description="Body bytes of unanswered requests, one worker, all connections: 503 past it",
    )
    keep_alive_seconds: float = Field(
        default=5.0, gt=0, le=3600, description="An idle keep-alive connection is closed after this"
    )
    max_connections: int = Field(
        default=1000,
        ge=1,
        le=1_000_000,
        description="Open connections per worker: past it, 503 and closed at once",
    )


class Settings(HttpLimits, BaseSettings):
    # allow_inf_nan=False: "inf" or "nan" for a number of seconds is a typo, not a setting.
    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, extra="ignore", frozen=True, allow_inf_nan=False
    )

    log_level: Literal["critical", "error", "warning", "info", "debug"] = Field(
        default="info", description="Least severe level logged"
    )
    log_format: Literal["json", "console"] = Field(
        default="json", description="json for log collectors, console for humans"
    )
    root_path: str = Field(
        default="",
        pattern=r"^(/[A-Za-z0-9._~-]+)*$",
        description="Path prefix a proxy strips, e.g. /api",
    )
    host: str = Field(
        default="127.0.0.1",
        description="Address to listen on; the images set 0.0.0.0",
        json_schema_extra={"chart": None},
    )
    port: int = Field(
        default=8000,
        ge=1,
        le=65535,
        description="Port to listen on",
        json_schema_extra={"chart": "service.port"},
    )
    docs_enabled: bool = Field(default=True, description="Serve /docs, /redoc and /openapi.json")
    metrics_enabled: bool = Field(default=True, description="Serve Prometheus metrics on /metrics")
    otel_enabled: bool = Field(
        default=False,
        description="FastAPI's OpenTelemetry spans and metrics, exported as OTEL_* variables say",
        json_schema_extra={"chart": None},
    )
    shutdown_drain_seconds: float = Field(
        default=1.0,
        ge=0,
        le=300,
        description="After SIGTERM: readiness answers 503 while the server still serves, this long",
    )
    shutdown_timeout_seconds: float = Field(
        default=10.0,
        gt=0,
        le=300,
        description="Then: no new connections, and in-flight requests get this long to finish",
    )

    @field_validator("log_level", "log_format", mode="before")
    @classmethod
    def _lowercase(cls, value: object) -> object:
        return value.lower() if isinstance(value, str) else value

    @property
    def http_limits(self) -> HttpLimits:
        return HttpLimits(**{name: getattr(self, name) for name in HttpLimits.model_fields})


# Any: pydantic validates and coerces each override, as it does the environment's strings.
def load_settings(**overrides: Any) -> Settings:
    """Read the environment; raise SettingsError naming each bad variable."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        problems = [
            f"{ENV_PREFIX}{str(err['loc'][0]).upper()}={err.get('input')!r}: {err['msg']}"
            for err in exc.errors()
        ]
        raise SettingsError("invalid settings: " + "; ".join(problems)) from None
