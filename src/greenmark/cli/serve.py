"""``greenmark serve``: run the detection API with uvicorn.

The app's settings come from ``GREENMARK_API_*`` variables and the key store's from
``GREENMARK_HOME`` / ``GREENMARK_DB_URL`` / ``GREENMARK_MASTER_KEY``; the options here set
how it is served. The settings, the key store and its master key are checked before uvicorn
starts. Exit status: 0 after a clean shutdown, 2 for bad options or settings or an unusable
key store (one line on stderr). Workers end with the master, even when it is killed with
SIGKILL (Linux; ``greenmark.process_lifetime``).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

import click
from pydantic import ValidationError

from greenmark.cli.common import InputError
from greenmark.store import KeyStore, StoreError

APP_FACTORY = "greenmark.detector_api.main:create_app"
# How long uvicorn's master waits for a worker to answer its health check before replacing it; a new
# worker must import greenmark (and torch with --generate) within it, which takes seconds on a busy host.
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
    "--model",
    default=None,
    help="Model /v1/generate loads (implies --generate): an alias (default, smollm2), a .gguf file or a model "
    "directory [default: GREENMARK_API_GENERATE_MODEL, else the embedded model].",
)
@click.option(
    "--log-level",
    default=None,
    type=click.Choice(["critical", "error", "warning", "info", "debug"]),
    help="Level of the JSON logs [default: GREENMARK_API_LOG_LEVEL, else info].",
)
def serve(host: str, port: int, workers: int, generate: bool | None, model: str | None, log_level: str | None) -> None:
    """Serve the detection API (OpenAPI docs at /docs) until interrupted.

    Example: greenmark serve --host 0.0.0.0 --port 8000 --workers 2; with chat generation by
    SmolLM2: greenmark serve --model smollm2
    """
    import uvicorn

    from greenmark.detector_api.config import ApiSettings
    from greenmark.detector_api.http_protocol import ProblemHttpProtocol
    from greenmark.detector_api.logs import log_config

    # Workers are separate processes: options reach their settings through the environment.
    if log_level is not None:
        os.environ["GREENMARK_API_LOG_LEVEL"] = log_level.upper()
    if model is not None:
        if generate is False:
            raise click.UsageError("--model loads a model for generation: it contradicts --no-generate")
        os.environ["GREENMARK_API_GENERATE_MODEL"] = model
        generate = True
    if generate is not None:
        os.environ["GREENMARK_API_GENERATE"] = "true" if generate else "false"
    try:
        settings = ApiSettings()
    except ValidationError as error:
        raise click.UsageError(f"invalid GREENMARK_API_* setting: {error}") from None
    try:
        KeyStore.open().close()  # a wrong master key or an unreachable database: one line, exit 2
    except StoreError as error:
        raise InputError(" ".join(str(error).split())) from None
    with _metrics_directory(workers):
        uvicorn.run(
            APP_FACTORY,
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_config=log_config(settings.log_level, with_messages=settings.debug_log_text),
            access_log=False,
            server_header=False,
            timeout_worker_healthcheck=WORKER_HEALTHCHECK_SECONDS,
            http=ProblemHttpProtocol,
        )


@contextmanager
def _metrics_directory(workers: int) -> Iterator[None]:
    """With several workers, a fresh ``PROMETHEUS_MULTIPROC_DIR`` (unless one is set), removed afterwards."""
    if workers == 1 or os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        yield
        return
    directory = tempfile.mkdtemp(prefix="greenmark-metrics-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = directory
    try:
        yield
    finally:
        shutil.rmtree(directory, ignore_errors=True)
