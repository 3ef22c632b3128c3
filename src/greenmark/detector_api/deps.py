"""FastAPI dependencies: the loaded state, the authenticated (and rate-limited) caller, scopes, JSON bodies.

Authentication is ``Authorization: Bearer <api key>``; the key maps to a tenant and scopes.
The rate limit applies per API key after authentication.
"""

from __future__ import annotations

import email.message
from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from greenmark.detector_api.problems import ProblemError
from greenmark.detector_api.state import ApiState
from greenmark.store import ApiKeyInfo

_bearer = HTTPBearer(
    auto_error=False, description="an API key of the tenant (created with the greenmark CLI; stored hashed)"
)


async def api_state(request: Request) -> ApiState:
    """The service loaded at start-up.

    Dependencies are ``async`` where they do not block: FastAPI runs plain ``def`` ones in
    the thread pool, a hop that costs more than their work.
    """
    return request.app.state.api


State = Annotated[ApiState, Depends(api_state)]


async def authenticated_caller(
    request: Request, state: State, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> ApiKeyInfo:
    """The API key of the request (401 without a valid one), after spending one request of its rate (429)."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise ProblemError(401, "send an API key as 'Authorization: Bearer <api key>'", {"WWW-Authenticate": "Bearer"})
    caller = await state.authenticate(credentials.credentials)
    request.state.api_key_id, request.state.tenant = caller.api_key_id, caller.tenant
    state.check_rate(caller.api_key_id)
    return caller


Caller = Annotated[ApiKeyInfo, Depends(authenticated_caller)]


def require_scope(scope: str) -> Callable:
    """A dependency answering 403 unless the caller's API key has ``scope``."""

    async def check(caller: Caller) -> None:
        if not caller.has_scope(scope):
            raise ProblemError(403, f"this API key lacks the {scope!r} scope")

    return check


async def require_json(request: Request) -> None:
    """415 unless the body is declared ``application/json`` (or ``+json``)."""
    message = email.message.Message()
    message["content-type"] = request.headers.get("content-type", "")
    subtype = message.get_content_subtype()
    if message.get_content_maintype() != "application" or not (subtype == "json" or subtype.endswith("+json")):
        raise ProblemError(415, "send the body as application/json")


def enforce_limits(texts: list[str], max_count: int, max_chars: int, what: str) -> None:
    """413 when there are more than ``max_count`` texts or one is longer than ``max_chars`` characters."""
    if len(texts) > max_count:
        raise ProblemError(413, f"{len(texts)} {what}s in one request; this server takes at most {max_count}")
    for index, text in enumerate(texts):
        if len(text) > max_chars:
            raise ProblemError(413, f"{what} {index} has {len(text)} characters; this server takes at most {max_chars}")
