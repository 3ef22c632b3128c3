"""``POST /v1/detect``: test a batch of texts against every non-retired key of the caller's tenant.

Each result is logged in the audit log (one record per text; see ``detector_api.audit_log``)
and, with ``return_receipt``, comes with a receipt signed by the store's receipt-signing key.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from greenmark.detector_api import metrics
from greenmark.detector_api.deps import Caller, State, authorized_routes, enforce_limits
from greenmark.detector_api.problems import ProblemError, problem_responses
from greenmark.detector_api.schemas import DETECTOR_VERSION, DetectOutput, DetectRequest, DetectResponse
from greenmark.receipts import IssuedReceipt, ReceiptSigner, issue_receipts, text_sha256
from greenmark.store import StoreError, TenantKeyring
from greenmark.watermark import DetectionResult, canonicalize

router = APIRouter(prefix="/v1", tags=["detection"], route_class=authorized_routes("detect"))
logger = logging.getLogger("greenmark.detector_api.detect")


@router.post(
    "/detect",
    responses=problem_responses(400, 401, 403, 408, 409, 413, 415, 422, 429, 500, 503),
)
async def detect(
    request: Request,
    body: DetectRequest,
    caller: Caller,
    state: State,
) -> DetectResponse:
    """Decide, per text, whether it carries the watermark of one of the tenant's keys.

    p-values are corrected for every key (and, with ``return_spans``, every window) tested.
    ``return_marks`` needs the ``green-marks`` scope: marks reveal green lists. ``return_receipt``
    adds a signed receipt per result (public keys at ``/v1/receipts/keys``). 503 when the audit
    log cannot take the records (its queue is full, or waiting for commits and the store is down).
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
    signer = await state.receipt_signer() if body.return_receipt else None
    done = await run_in_threadpool(_detect, keyring, texts, alpha, body, caller.tenant, signer)
    results = done.results
    if state.audit is not None:
        receipt_ids = [receipt.receipt_id if receipt else None for receipt in done.receipts]
        try:
            await state.audit.record_detections(
                caller, request.state.request_id, results, done.text_hashes, receipt_ids
            )
        except StoreError:
            raise ProblemError(503, "the audit log cannot be written; retry later", {"Retry-After": "5"}) from None
    metrics.observe_detections([r.decision for r in results], [r.num_scored_tokens for r in results])
    outputs = [
        DetectOutput.of(
            item.id,
            result,
            spans=body.return_spans,
            marks=text_marks,
            stored_key=keyring.stored.get(result.key_id),
            canonical_text=canonical,
            receipt=receipt.document if receipt else None,
        )
        for item, result, text_marks, canonical, receipt in zip(
            body.inputs, results, done.marks, done.canonical_texts, done.receipts, strict=True
        )
    ]
    return DetectResponse(detector_version=DETECTOR_VERSION, results=outputs)


@dataclass(frozen=True)
class _Detected:
    results: list[DetectionResult]
    marks: list
    canonical_texts: list[str | None]
    text_hashes: list[str]
    receipts: list[IssuedReceipt | None]


def _detect(
    keyring: TenantKeyring,
    texts: list[str],
    alpha: float,
    body: DetectRequest,
    tenant: str,
    signer: ReceiptSigner | None,
) -> _Detected:
    # CPU work, run in the thread pool: results, marks under the matching key, text hashes and receipts.
    results = keyring.detect_many(texts, spans=body.return_spans, alpha=alpha)
    text_marks = [
        keyring.token_marks(text, result.key_id) if body.return_marks and result.key_id else None
        for text, result in zip(texts, results, strict=True)
    ]
    canonical_texts = [
        canonicalize(text).text if body.return_spans and result.normalizations else None
        for text, result in zip(texts, results, strict=True)
    ]
    hashes = [text_sha256(text) for text in texts]
    receipts: list[IssuedReceipt | None] = [None] * len(texts)
    if signer is not None:
        receipts = issue_receipts(
            results, hashes, tenant=tenant, keys_tested=keyring.tested_keys, signer=signer, form=body.receipt_format
        )
    return _Detected(results, text_marks, canonical_texts, hashes, receipts)
