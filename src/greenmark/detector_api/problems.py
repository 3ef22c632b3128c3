"""RFC 9457 problem details: every error the API answers is ``application/problem+json``.

``ProblemError`` is raised by the service's own code; the handlers installed by
``install_problem_handlers`` turn it, FastAPI's validation errors, Starlette's HTTP errors
(404, 405, ...), the watermark library's input errors (422), an unreachable key store (503 with
``Retry-After``, logged without a stack) and any unexpected exception (500) into the same body:
``type``, ``title``, ``status``, ``detail``, ``instance`` and the ``request_id`` of the response.

>>> problem_body(429, "slow down", instance="/v1/detect", request_id="abc")["title"]
'Too Many Requests'
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from greenmark.store import StoreUnavailableError
from greenmark.watermark import WatermarkError

PROBLEM_MEDIA_TYPE = "application/problem+json"
RETRY_LATER = {"Retry-After": "5"}  # 503s: the store or the model should be back within seconds
logger = logging.getLogger("greenmark.detector_api")


class Problem(BaseModel):
    """An RFC 9457 problem details object (``type`` is always ``about:blank``: the status says it all)."""

    type: str = "about:blank"
    title: str = Field(description="the HTTP status phrase")
    status: int = Field(description="the HTTP status code")
    detail: str | None = Field(default=None, description="what went wrong with this request")
    instance: str | None = Field(default=None, description="the request path")
    request_id: str | None = Field(default=None, description="the X-Request-ID of the response")
    errors: list[dict[str, Any]] | None = Field(
        default=None, description="validation errors: location, message and type of each (never the input)"
    )


class ProblemError(Exception):
    """An error answered as problem details with ``status`` (and extra response ``headers``).

    >>> ProblemError(413, "too many inputs").status
    413
    """

    def __init__(self, status: int, detail: str, headers: dict[str, str] | None = None):
        super().__init__(detail)
        self.status, self.detail, self.headers = status, detail, headers or {}


def problem_body(
    status: int,
    detail: str | None,
    *,
    instance: str | None = None,
    request_id: str | None = None,
    errors: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The JSON body of a problem with HTTP ``status``."""
    problem = Problem(
        title=HTTPStatus(status).phrase,
        status=status,
        detail=detail,
        instance=instance,
        request_id=request_id,
        errors=errors,
    )
    return problem.model_dump(exclude_none=True)


def problem_response(
    request: Request, status: int, detail: str | None, headers: dict[str, str] | None = None, errors=None
) -> JSONResponse:
    """A problem+json response for ``request`` (its path and request id filled in)."""
    request_id = getattr(request.state, "request_id", None)
    body = problem_body(status, detail, instance=request.url.path, request_id=request_id, errors=errors)
    headers = dict(headers or {})
    if request_id:
        headers["X-Request-ID"] = request_id
    return JSONResponse(body, status_code=status, headers=headers, media_type=PROBLEM_MEDIA_TYPE)


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses=`` entries documenting ``statuses`` as problem+json.

    >>> sorted(problem_responses(401, 429))
    [401, 429]
    """
    schema = Problem.model_json_schema()
    return {
        status: {"description": HTTPStatus(status).phrase, "content": {PROBLEM_MEDIA_TYPE: {"schema": schema}}}
        for status in statuses
    }


def _validation_errors(error: RequestValidationError) -> list[dict[str, Any]]:
    # Never echo the submitted input: it may be a long (or private) text.
    return [
        {"loc": [str(part) for part in item.get("loc", ())], "msg": item.get("msg", ""), "type": item.get("type", "")}
        for item in error.errors()
    ]


async def _on_problem(request: Request, error: ProblemError) -> JSONResponse:
    return problem_response(request, error.status, error.detail, error.headers)


async def _on_http_error(request: Request, error: StarletteHTTPException) -> JSONResponse:
    detail = error.detail if error.detail != HTTPStatus(error.status_code).phrase else None
    headers = dict(error.headers or {})
    if error.status_code == 405:  # Starlette names the methods of one route; a path may have several
        headers["Allow"] = ", ".join(_allowed_methods(request))
    return problem_response(request, error.status_code, detail, headers)


def _allowed_methods(request: Request) -> list[str]:
    return sorted(
        {
            method
            for route in request.app.routes
            if route.matches(request.scope)[0] != Match.NONE
            for method in getattr(route, "methods", None) or ()
        }
    )


async def _on_validation_error(request: Request, error: RequestValidationError) -> JSONResponse:
    errors = _validation_errors(error)
    if any(item["type"] == "json_invalid" for item in errors):
        return problem_response(request, 400, "the request body is not valid JSON")
    return problem_response(request, 422, "the request does not match the schema", errors=errors)


async def _on_watermark_error(request: Request, error: WatermarkError) -> JSONResponse:
    return problem_response(request, 422, str(error))


async def _on_store_unavailable(request: Request, error: StoreUnavailableError) -> JSONResponse:
    # An outage, not a bug: one line (its type, never a stack or the database's message) per request.
    logger.warning("the key store is unavailable", extra={"path": request.url.path, "error_type": type(error).__name__})
    return problem_response(request, 503, "the key store is unavailable; retry later", RETRY_LATER)


async def _on_unexpected_error(request: Request, error: Exception) -> JSONResponse:
    logger.error("unhandled error", exc_info=error, extra={"path": request.url.path})
    return problem_response(request, 500, "internal error; quote the request id when reporting it")


def install_problem_handlers(app: FastAPI) -> None:
    """Answer every error of ``app`` as problem+json."""
    app.add_exception_handler(ProblemError, _on_problem)
    app.add_exception_handler(StarletteHTTPException, _on_http_error)
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(WatermarkError, _on_watermark_error)
    app.add_exception_handler(StoreUnavailableError, _on_store_unavailable)
    app.add_exception_handler(Exception, _on_unexpected_error)
