"""The FastAPI application: wiring only (settings, lifespan, middleware, handlers, routes).

Start it with ``match-api`` (reads ``MATCHER_API_HOST``/``PORT``/``WORKERS``) or
``uvicorn api.app:app``. Middleware, outermost first: request id + access log + metrics,
CORS (only when origins are configured), API key, body size limit. Key and size are both
checked before the body is read.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from api.executor import build_executor
from api.metrics import ApiMetrics
from api.middleware import RequestContextMiddleware
from api.problems import install_problem_handlers
from api.routes import ReferenceData, router
from api.security import ApiKeyMiddleware, BodyLimitMiddleware
from api.settings import Settings
from matcher import __version__

__all__ = ["OPEN_PATHS", "app", "create_app", "lifespan", "run"]

logger = logging.getLogger("api")

# Reachable without an API key: probes for orchestrators, and the API description itself.
OPEN_PATHS = frozenset({"/healthz", "/readyz", "/docs", "/docs/oauth2-redirect", "/openapi.json"})

DESCRIPTION = """\
Reads a resume (PDF, DOCX, TXT, Markdown, HTML) and explains how well it fits junior, mid and
senior Machine Learning Engineer roles: per level a score, a verdict, and every requirement with
the resume text that supports it or what is missing.

Results are the same JSON as the library (`MatchResult`) and `match --json`.
Errors are RFC 9457 `application/problem+json` documents whose `type` ends in a stable `code`.
Uploaded documents are processed in memory and never stored or logged.
"""


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Load the reference data and start the parser and match workers; stop them at the end."""
    settings: Settings = app.state.settings
    executor = build_executor(settings)
    try:
        reference, _ = await asyncio.gather(asyncio.to_thread(ReferenceData.load), executor.start())
    except BaseException:
        await executor.close()
        raise
    app.state.reference = reference
    app.state.executor = executor
    logger.info(
        "ready: executor=%s pool_size=%d sandbox=%s auth=%s",
        settings.executor,
        settings.effective_pool_size if settings.executor == "process" else 1,
        "on" if settings.sandbox else "off",
        "on" if app.state.auth_enabled else "off",
    )
    try:
        yield
    finally:
        app.state.executor = None
        await executor.close()


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the application; ``settings`` default to the ``MATCHER_*`` environment."""
    settings = settings or Settings()
    _ensure_logging(settings.log_level)
    metrics = ApiMetrics()
    app = FastAPI(
        title="ML role matcher",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        license_info={"name": "MIT"},
    )
    app.state.settings = settings
    app.state.metrics = metrics
    app.state.reference = None
    app.state.executor = None
    install_problem_handlers(app)
    app.include_router(router)

    # add_middleware wraps what is already there, so the last one added runs first.
    app.add_middleware(BodyLimitMiddleware, limit_for=settings.body_limit_for)
    keys = settings.load_api_keys()
    app.state.auth_enabled = bool(keys)
    if keys:
        app.add_middleware(ApiKeyMiddleware, keys=keys, open_paths=OPEN_PATHS)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_methods=["GET", "POST"],
            allow_headers=["Content-Type", "X-API-Key", "X-Request-ID"],
            expose_headers=["X-Request-ID"],
        )
    app.add_middleware(RequestContextMiddleware, metrics=metrics)
    return app


def _ensure_logging(level: str) -> None:
    """Give the service's loggers a handler unless the host already configured logging."""
    api_logger = logging.getLogger("api")
    api_logger.setLevel(level.upper())
    if api_logger.handlers or logging.getLogger().handlers:
        return
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    api_logger.addHandler(handler)
    api_logger.propagate = False


def run() -> None:
    """Console entry point ``match-api``: serve the app with uvicorn."""
    import uvicorn

    settings = Settings()
    uvicorn.run(
        "api.app:app",
        host=settings.api_host,
        port=settings.api_port,
        workers=settings.api_workers,
        log_level=settings.log_level,
        # The service writes its own access log without query strings or client addresses.
        access_log=False,
    )


app = create_app()
