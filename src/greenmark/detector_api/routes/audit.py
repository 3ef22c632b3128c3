"""``GET /v1/audit``: the caller's tenant's audit records, oldest first, a page at a time (``audit`` scope)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from starlette.concurrency import run_in_threadpool

from greenmark.detector_api.deps import Caller, State, authorized_routes
from greenmark.detector_api.problems import problem_responses
from greenmark.detector_api.schemas import AuditRecordOut, AuditResponse

router = APIRouter(prefix="/v1", tags=["audit"], route_class=authorized_routes("audit"))
MAX_PAGE = 1000


@router.get("/audit", responses=problem_responses(401, 403, 422, 429, 500))
async def audit_records(
    caller: Caller,
    state: State,
    since: Annotated[datetime | None, Query(description="only records at or after this time (ISO 8601)")] = None,
    after: Annotated[int, Query(ge=0, description="only records after this sequence number (paging)")] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE, description="records per page")] = 100,
) -> AuditResponse:
    """Records of the caller's own tenant only; page on with ``after=next_after``."""
    records = await run_in_threadpool(
        state.store.audit_records, caller.tenant, since=since, after_sequence=after, limit=limit
    )
    page = [AuditRecordOut.model_validate({k: v for k, v in r.to_dict().items() if k != "tenant"}) for r in records]
    next_after = records[-1].sequence if len(records) == limit else None
    return AuditResponse(tenant=caller.tenant, records=page, next_after=next_after)
