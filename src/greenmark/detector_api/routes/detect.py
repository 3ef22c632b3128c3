"""``POST /v1/detect``: test a batch of texts against every non-retired key of the caller's tenant."""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Depends
from starlette.concurrency import run_in_threadpool

from greenmark.detector_api import metrics
from greenmark.detector_api.deps import State, authorized, enforce_limits
from greenmark.detector_api.problems import ProblemError, problem_responses
from greenmark.detector_api.schemas import DETECTOR_VERSION, DetectOutput, DetectRequest, DetectResponse
from greenmark.store import ApiKeyInfo, TenantKeyring

router = APIRouter(prefix="/v1", tags=["detection"])
logger = logging.getLogger("greenmark.detector_api.detect")


@router.post(
    "/detect",
    responses=problem_responses(400, 401, 403, 409, 413, 415, 422, 429, 500),
)
async def detect(
    body: DetectRequest,
    caller: Annotated[ApiKeyInfo, Depends(authorized("detect", json_body=True))],
    state: State,
) -> DetectResponse:
    """Decide, per text, whether it carries the watermark of one of the tenant's keys.

    p-values are corrected for every key (and, with ``return_spans``, every window) tested.
    ``return_marks`` needs the ``green-marks`` scope: marks reveal green lists.
    """
    texts = [item.text for item in body.inputs]
    enforce_limits(texts, state.settings.max_inputs, state.settings.max_text_chars, "input")
    if body.return_marks and not caller.has_scope("green-marks"):
        raise ProblemError(403, "token marks need an API key with the 'green-marks' scope")
    if state.settings.debug_log_text:
        logger.debug("detect inputs", extra={"texts": texts})
    keyring = await state.keyring(caller.tenant)
    if not keyring.key_ids:
        raise ProblemError(409, "this tenant has no watermark key that this server's tokenizer can test")
    alpha = body.alpha or state.settings.alpha
    results, marks = await run_in_threadpool(_detect, keyring, texts, alpha, body.return_spans, body.return_marks)
    metrics.observe_detections([r.decision for r in results], [r.num_scored_tokens for r in results])
    outputs = [
        DetectOutput.of(item.id, result, spans=body.return_spans, marks=text_marks)
        for item, result, text_marks in zip(body.inputs, results, marks, strict=True)
    ]
    return DetectResponse(detector_version=DETECTOR_VERSION, results=outputs)


def _detect(keyring: TenantKeyring, texts: list[str], alpha: float, spans: bool, marks: bool):
    # CPU work, run in the thread pool: the results, and marks under the matching key of each watermarked text.
    results = keyring.detect_many(texts, spans=spans, alpha=alpha)
    text_marks = [
        keyring.token_marks(text, result.key_id) if marks and result.key_id else None
        for text, result in zip(texts, results, strict=True)
    ]
    return results, text_marks
