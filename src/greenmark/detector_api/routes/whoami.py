"""``GET /v1/whoami``: the caller's tenant, scopes and limits (what the moderator page offers depends on them)."""

from __future__ import annotations

from fastapi import APIRouter

from greenmark.detector_api.deps import Caller, State, authorized_routes
from greenmark.detector_api.problems import problem_responses
from greenmark.detector_api.schemas import WhoAmI

router = APIRouter(prefix="/v1", tags=["keys"], route_class=authorized_routes())


@router.get("/whoami", responses=problem_responses(401, 429, 500))
async def whoami(caller: Caller, state: State) -> WhoAmI:
    """The API key's id, tenant and scopes, and this server's request limits; never the key itself."""
    return WhoAmI(
        tenant=caller.tenant,
        api_key_id=caller.api_key_id,
        scopes=list(caller.scopes),
        max_inputs=state.settings.max_inputs,
        max_text_chars=state.settings.max_text_chars,
    )
