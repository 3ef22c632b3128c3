"""Who may call a route, checked on the request headers before FastAPI reads (and parses) the body.

Authentication is ``Authorization: Bearer <api key>``; the key maps to a tenant and scopes. A
router built with ``route_class=authorized_routes(scope)`` checks every request, cheapest
rejection first and all before the body is read: a valid API key (401; 429 for an address
whose authentications keep failing), the key's rate (429), ``scope`` (403) and, for routes
with a body, an ``application/json`` content type (415). Only then does FastAPI read the body
(413, 408) and parse it (400, 422). ``Caller`` hands the checked key to the route.
"""

from __future__ import annotations

import email.message
from typing import Annotated

from fastapi import Depends, Request
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from greenmark.detector_api.problems import ProblemError
from greenmark.detector_api.state import ApiState
from greenmark.store import ApiKeyInfo

# Declares the security scheme in the OpenAPI schema; the check itself runs in the route class.
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


def bearer_token(authorization: str | None) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header, else ``None``.

    >>> bearer_token("Bearer gmak_x"), bearer_token("Basic dXNlcg=="), bearer_token(None)
    ('gmak_x', None, None)
    """
    scheme, _, token = (authorization or "").partition(" ")
    return (token.strip() or None) if scheme.lower() == "bearer" else None


async def check_caller(request: Request, scope: str | None, json_body: bool) -> ApiKeyInfo:
    """The request's API key, checked in the order the module docstring gives; a ``ProblemError`` when refused."""
    state: ApiState = request.app.state.api
    client = request.client.host if request.client else "unknown"
    info = await state.authenticate(bearer_token(request.headers.get("authorization")), client)
    request.state.api_key_id, request.state.tenant = info.api_key_id, info.tenant
    state.check_rate(info.api_key_id)
    if scope is not None and not info.has_scope(scope):
        raise ProblemError(403, f"this API key lacks the {scope!r} scope")
    if json_body:
        _require_json(request.headers.get("content-type", ""))
    return info


def authorized_routes(scope: str | None = None) -> type[APIRoute]:
    """A route class whose requests must come from an API key with ``scope`` (any key when ``None``)."""

    class AuthorizedRoute(APIRoute):
        def get_route_handler(self):
            read_body_and_run = super().get_route_handler()
            json_body = self.body_field is not None

            async def handler(request: Request):
                request.state.caller = await check_caller(request, scope, json_body)
                return await read_body_and_run(request)

            return handler

    return AuthorizedRoute


async def caller(
    request: Request, _credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> ApiKeyInfo:
    """The API key that ``authorized_routes`` checked for this request."""
    return request.state.caller


Caller = Annotated[ApiKeyInfo, Depends(caller)]


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
