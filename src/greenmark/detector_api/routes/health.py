"""``/healthz`` (the process is alive), ``/readyz`` (it can serve: store reachable, model loaded) and ``/metrics``."""

from __future__ import annotations

import hmac

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from greenmark.detector_api import metrics
from greenmark.detector_api.deps import State, bearer_token
from greenmark.detector_api.problems import RETRY_LATER, ProblemError, problem_responses
from greenmark.detector_api.schemas import Health
from greenmark.store import StoreError

router = APIRouter(tags=["operations"])


@router.get("/healthz")
@router.head("/healthz")
async def healthz() -> Health:
    """Liveness: answers while the event loop runs."""
    return Health(status="ok")


@router.get("/readyz", responses=problem_responses(503))
@router.head("/readyz", responses=problem_responses(503))
async def readyz(state: State) -> Health:
    """Readiness: the key store answers and, when generation is enabled, the model has loaded."""
    try:
        await run_in_threadpool(lambda: state.store.schema_revision)
    except StoreError:
        raise ProblemError(503, "the key store is unavailable", RETRY_LATER) from None
    if state.generation is not None and not state.generation.ready:
        raise ProblemError(503, "the model is still loading", RETRY_LATER)
    return Health(status="ok")


@router.get(
    "/metrics", response_class=Response, responses={200: {"content": {"text/plain": {}}}, **problem_responses(401)}
)
async def prometheus_metrics(request: Request, state: State) -> Response:
    """Prometheus exposition: requests, latency, texts and tokens scored, decisions (totals of all tenants).

    With ``GREENMARK_API_METRICS_TOKEN`` set it needs ``Authorization: Bearer <metrics token>``.
    """
    expected = state.settings.metrics_token
    if expected is not None:
        given = bearer_token(request.headers.get("authorization")) or ""
        if not hmac.compare_digest(given.encode(), expected.get_secret_value().encode()):
            raise ProblemError(
                401, "/metrics needs the metrics token as a Bearer token", {"WWW-Authenticate": "Bearer"}
            )
    body, content_type = metrics.render()
    return Response(body, media_type=content_type)
