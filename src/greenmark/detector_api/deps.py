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


def authorized(scope: str | None = None, *, json_body: bool = False) -> Callable:
    """A dependency giving the request's API key, checked in this order: a valid key (401), its
    rate (429), ``scope`` (403) and, with ``json_body``, an ``application/json`` body (415).

    One dependency, not a chain of them: FastAPI's work per dependency and request costs more
    than these checks.
    """

    async def caller(
        request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
    ) -> ApiKeyInfo:
        if credentials is None or credentials.scheme.lower() != "bearer":
            raise ProblemError(
                401, "send an API key as 'Authorization: Bearer <api key>'", {"WWW-Authenticate": "Bearer"}
            )
        state: ApiState = request.app.state.api
        info = await state.authenticate(credentials.credentials)
        request.state.api_key_id, request.state.tenant = info.api_key_id, info.tenant
        state.check_rate(info.api_key_id)
        if scope is not None and not info.has_scope(scope):
            raise ProblemError(403, f"this API key lacks the {scope!r} scope")
        if json_body:
            _require_json(request.headers.get("content-type", ""))
        return info

    return caller


Caller = Annotated[ApiKeyInfo, Depends(authorized())]


def _require_json(content_type: str) -> None:
    """415 unless the body is declared ``application/json`` (or ``+json``)."""
    message = email.message.Message()
    message["content-type"] = content_type
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
