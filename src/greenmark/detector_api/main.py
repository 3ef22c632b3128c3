"""The app factory: ``create_app()`` builds the FastAPI app; its lifespan loads everything once per worker.

Run it with ``greenmark serve`` or ``uvicorn --factory greenmark.detector_api.main:create_app``.

>>> app = create_app(ApiSettings())
>>> sorted(path for path in app.openapi()["paths"] if path.startswith("/v1"))
['/v1/audit', '/v1/detect', '/v1/generate', '/v1/keys', '/v1/receipts/keys', '/v1/whoami']
"""

from __future__ import annotations

import asyncio
import logging.config
import multiprocessing
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool

import greenmark
from greenmark.detector_api.config import ApiSettings
from greenmark.detector_api.generation import GenerationService
from greenmark.detector_api.logs import log_config
from greenmark.detector_api.middleware import RequestContextMiddleware
from greenmark.detector_api.openapi import state_limits
from greenmark.detector_api.problems import install_problem_handlers
from greenmark.detector_api.routes import audit, detect, generate, health, keys, receipts, ui, whoami
from greenmark.detector_api.state import ApiState
from greenmark.process_lifetime import end_with_parent
from greenmark.store import KeyStore
from greenmark.watermark import default_tokenizer

DESCRIPTION = """Detects greenmark (KGW) watermarks for moderation pipelines.

Authenticate with `Authorization: Bearer <api key>`. Every error is RFC 9457
`application/problem+json`; every response carries an `X-Request-ID`.
"""


def create_app(settings: ApiSettings | None = None) -> FastAPI:
    """The API app; ``settings`` default to the ``GREENMARK_API_*`` environment (the store reads ``GREENMARK_*``)."""
    settings = settings or ApiSettings()
    logging.config.dictConfig(log_config(settings.log_level, with_messages=settings.debug_log_text))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        supervisor = multiprocessing.parent_process()
        if supervisor is not None:  # a worker of `serve --workers N`: it must not outlive the master
            end_with_parent(supervisor.pid)
        store = await run_in_threadpool(KeyStore.open)
        generation = None
        if settings.generate:
            generation = GenerationService(settings.generate_max_pending, settings.generate_model)
        app.state.api = state = ApiState(settings, store, default_tokenizer(), generation)
        pruning = (
            asyncio.create_task(state.audit.prune_periodically(settings.audit_prune_seconds)) if state.audit else None
        )
        try:
            yield
        finally:
            if pruning is not None:
                pruning.cancel()
                await state.audit.drain()
            if generation is not None:
                generation.close()
            store.close()

    app = FastAPI(
        title="greenmark detection API",
        version=greenmark.__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        redirect_slashes=False,  # the middleware drops a trailing slash instead
    )
    app.openapi = lambda: state_limits(FastAPI.openapi(app), settings)
    app.add_middleware(
        RequestContextMiddleware,
        max_body_bytes=settings.max_body_bytes,
        body_timeout_seconds=settings.body_timeout_seconds,
    )
    install_problem_handlers(app)
    for router in (
        detect.router,
        generate.router,
        keys.router,
        whoami.router,
        receipts.router,
        audit.router,
        health.router,
        ui.router,
    ):
        app.include_router(router)
    return app
