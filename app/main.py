"""Application factory; `app.main:app` is the instance servers import."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from app import __version__
from app.docs import install_docs
from app.errors import install_error_handlers
from app.lifecycle import Lifecycle
from app.logs import configure_logging
from app.metrics import RequestMetrics
from app.middleware import ObservabilityMiddleware, RootPathMiddleware
from app.routes import health, hello, metrics
from app.settings import Settings, load_settings


def create_app(settings: Settings | None = None, lifecycle: Lifecycle | None = None) -> FastAPI:
    settings = settings or load_settings()
    lifecycle = lifecycle or Lifecycle()
    configure_logging(settings)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        lifecycle.start()
        yield
        lifecycle.begin_shutdown()

    app = FastAPI(
        title="fastapi-service",
        version=__version__,
        docs_url=None,  # install_docs serves both pages without a CDN
        redoc_url=None,
        openapi_url="/openapi.json" if settings.docs_enabled else None,
        lifespan=lifespan,
        # 413 past it, as the body arrives; a route may set its own (FastAPI's max_body_size).
        max_body_size=settings.max_body_bytes,
        # FastAPI's OpenTelemetry instrumentation; off unless asked for, it costs every request.
        telemetry={
            "tracing": settings.otel_enabled,
            "metrics": settings.otel_enabled,
            "logs": settings.otel_enabled,
        },
    )
    app.state.settings = settings
    app.state.lifecycle = lifecycle
    request_metrics = RequestMetrics() if settings.metrics_enabled else None
    app.state.metrics = request_metrics

    # Routes match in order: the API first, documentation pages last.
    app.include_router(hello.router)
    app.include_router(health.router)
    if request_metrics is not None:
        app.include_router(metrics.router)
    if settings.docs_enabled:
        install_docs(app)
    app.add_middleware(ObservabilityMiddleware, metrics=request_metrics, lifecycle=lifecycle)
    if settings.root_path:
        app.add_middleware(RootPathMiddleware, root_path=settings.root_path)
    install_error_handlers(app)
    return app


def __getattr__(name: str) -> FastAPI:
    # `app.main:app` is built on first access, so importing the factory reads no environment;
    # then it is kept, so every later access gets the same app.
    if name == "app":
        app = globals()["app"] = create_app()
        return app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
