"""``GET /v1/receipts/keys``: the public keys that verify detection receipts, as a JWK Set (no auth needed).

Every receipt-signing key ever used is listed, the retired ones too, so old receipts keep
verifying after a rotation (``greenmark receipts rotate``).
"""

from __future__ import annotations

from fastapi import APIRouter, Response
from starlette.concurrency import run_in_threadpool

from greenmark.detector_api.deps import State
from greenmark.detector_api.problems import problem_responses
from greenmark.detector_api.schemas import JsonWebKeySet
from greenmark.receipts import jwks_of

router = APIRouter(prefix="/v1/receipts", tags=["receipts"])


@router.get("/keys", responses=problem_responses(500))
async def receipt_keys(state: State, response: Response) -> JsonWebKeySet:
    """The receipt-signing public keys (Ed25519, ``kid`` = RFC 7638 thumbprint), oldest first."""
    await state.receipt_signer()  # the first key is made on first use: publish it before any receipt exists
    public_keys = await run_in_threadpool(state.store.receipt_public_keys)
    response.headers["Cache-Control"] = "public, max-age=300"
    return JsonWebKeySet.model_validate(jwks_of(key.public_key for key in public_keys))
