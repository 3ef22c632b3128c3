"""``greenmark serve``: run the detection API with uvicorn.

The app's settings come from ``GREENMARK_API_*`` variables and the key store's from
``GREENMARK_HOME`` / ``GREENMARK_DB_URL`` / ``GREENMARK_MASTER_KEY``; the options here set
how it is served. Exit status: 0 after a clean shutdown, 2 for bad options or settings.
"""

from __future__ import annotations

import os
import tempfile

import click
from pydantic import ValidationError

APP_FACTORY = "greenmark.detector_api.main:create_app"
# uvicorn kills a worker that does not answer its health ping within this many seconds (default 5): a worker
# still importing numpy, tokenizers and the app on a busy machine takes longer, and was killed in a loop.
WORKER_HEALTHCHECK_SECONDS = 60


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on (0.0.0.0: all).")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="TCP port.")
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(min=1),
    help="Worker processes (each keeps its own rate-limit buckets and caches).",
)
@click.option(
    "--generate/--no-generate",
    default=None,
    help="Load the embedded model for POST /v1/generate [default: GREENMARK_API_GENERATE, else off].",
)
@click.option(
    "--log-level",
    default=None,
    type=click.Choice(["critical", "error", "warning", "info", "debug"]),
    help="Level of the JSON logs [default: GREENMARK_API_LOG_LEVEL, else info].",
)
def serve(host: str, port: int, workers: int, generate: bool | None, log_level: str | None) -> None:
    """Serve the detection API (OpenAPI docs at /docs) until interrupted.

    Example: greenmark serve --host 0.0.0.0 --port 8000 --workers 2
    """
    import uvicorn

    from greenmark.detector_api.config import ApiSettings
    from greenmark.detector_api.logs import log_config

    # Workers are separate processes: options reach their settings through the environment.
    if log_level is not None:
        os.environ["GREENMARK_API_LOG_LEVEL"] = log_level.upper()
    if generate is not None:
        os.environ["GREENMARK_API_GENERATE"] = "true" if generate else "false"
    try:
        settings = ApiSettings()
    except ValidationError as error:
        raise click.UsageError(f"invalid GREENMARK_API_* setting: {error}") from None
    if workers > 1 and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="greenmark-metrics-")
    uvicorn.run(
        APP_FACTORY,
        factory=True,
        host=host,
        port=port,
        workers=workers,
        timeout_worker_healthcheck=WORKER_HEALTHCHECK_SECONDS,
        log_config=log_config(settings.log_level, with_messages=settings.debug_log_text),
        access_log=False,
        server_header=False,
    )
