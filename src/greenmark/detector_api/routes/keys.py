"""``GET /v1/keys``: the caller's tenant's key versions and public specs, never a secret."""

from __future__ import annotations

import json

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool

from greenmark.detector_api.deps import Caller, State, authorized_routes
from greenmark.detector_api.problems import problem_responses
from greenmark.detector_api.schemas import KeyOut, KeysResponse

router = APIRouter(prefix="/v1", tags=["keys"], route_class=authorized_routes())


@router.get("/keys", responses=problem_responses(401, 429, 500, 503))
async def list_keys(caller: Caller, state: State) -> KeysResponse:
    """Every key version of the caller's tenant, with whether ``/v1/detect`` tests it on this server."""
    stored_keys = await run_in_threadpool(state.store.list_keys, caller.tenant)
    tested = set((await state.keyring(caller.tenant)).key_ids)
    return KeysResponse(
        keys=[
            KeyOut(
                key_id=stored.key_id,
                name=stored.name,
                version=stored.version,
                status=stored.status.value,
                spec=json.loads(stored.spec.to_json()),
                created_at=stored.created_at.isoformat(),
                detectable=stored.key_id in tested,
            )
            for stored in stored_keys
        ]
    )
