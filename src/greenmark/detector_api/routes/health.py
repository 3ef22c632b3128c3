"""``/healthz`` (the process is alive), ``/readyz`` (it can serve: store reachable, model loaded) and ``/metrics``."""

from __future__ import annotations

from fastapi import APIRouter, Response
from starlette.concurrency import run_in_threadpool

from greenmark.detector_api import metrics
from greenmark.detector_api.deps import State
from greenmark.detector_api.problems import ProblemError, problem_responses
from greenmark.detector_api.schemas import Health
from greenmark.store import StoreError

router = APIRouter(tags=["operations"])


@router.get("/healthz")
async def healthz() -> Health:
    """Liveness: answers while the event loop runs."""
    return Health(status="ok")


@router.get("/readyz", responses=problem_responses(503))
async def readyz(state: State) -> Health:
    """Readiness: the key store answers and, when generation is enabled, the model has loaded."""
    try:
        await run_in_threadpool(lambda: state.store.schema_revision)
    except StoreError:
        raise ProblemError(503, "the key store is unavailable", {"Retry-After": "5"}) from None
    if state.generation is not None and not state.generation.ready:
        raise ProblemError(503, "the model is still loading", {"Retry-After": "5"})
    return Health(status="ok")


@router.get("/metrics", response_class=Response, responses={200: {"content": {"text/plain": {}}}})
async def prometheus_metrics() -> Response:
    """Prometheus exposition: requests, latency, texts and tokens scored, decisions."""
    body, content_type = metrics.render()
    return Response(body, media_type=content_type)
