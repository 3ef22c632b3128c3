"""The ASGI middleware around every request: request id, body limits, metrics and the access log.

One pure-ASGI class (no ``BaseHTTPMiddleware``, which would copy every body): it accepts the
caller's ``X-Request-ID`` when it is short and plain (else makes one), times the request,
counts it under its route template, and logs one JSON line without the body.

The body is not read here: routes authenticate on the headers first (``deps``), and the body
is only read, by FastAPI, for a caller who passed. While it is read, ``RequestBody`` enforces
the limits: a declared or received size over ``max_body_bytes`` is 413, and a body that has not
fully arrived ``body_timeout_seconds`` after the first read is 408. A response sent before the
body was read to its end (401, 413, 408, ...) closes the connection, so a client cannot hold it
open by trickling a body nobody reads. A trailing slash is dropped from the path (``/v1/keys/``
is ``/v1/keys``) rather than redirected to a URL built from the ``Host`` header.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
import uuid

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from greenmark.detector_api import metrics
from greenmark.detector_api.problems import PROBLEM_MEDIA_TYPE, problem_body

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
access_logger = logging.getLogger("greenmark.detector_api.access")


def request_id_from(headers: list[tuple[bytes, bytes]]) -> str:
    """The caller's X-Request-ID if it is 1-128 plain characters, else a fresh random one.

    >>> request_id_from([(b"x-request-id", b"abc-123")])
    'abc-123'
    >>> len(request_id_from([(b"x-request-id", b"bad id with spaces")]))
    32
    """
    for name, value in headers:
        if name.lower() == b"x-request-id":
            candidate = value.decode("latin-1")
            if _REQUEST_ID.match(candidate):
                return candidate
    return uuid.uuid4().hex


class RequestBody:
    """The request's ``receive`` with the body limits: 413 beyond ``max_bytes``, 408 after ``timeout`` seconds.

    ``finished`` says whether the body has been read to its end (a request without one starts finished).
    """

    def __init__(self, scope: Scope, receive: Receive, max_bytes: int, timeout: float):
        self._receive, self.max_bytes, self.timeout = receive, max_bytes, timeout
        headers = dict(scope["headers"])
        length = headers.get(b"content-length", b"")
        self.declared_bytes = int(length) if length.isdigit() else None
        self.finished = self.declared_bytes in (None, 0) and b"transfer-encoding" not in headers
        self.received_bytes = 0
        self._deadline: float | None = None

    @property
    def declared_too_large(self) -> bool:
        return self.declared_bytes is not None and self.declared_bytes > self.max_bytes

    async def receive(self) -> Message:
        if self.finished:  # only the disconnect is left to wait for
            return await self._receive()
        if self._deadline is None:
            self._deadline = time.monotonic() + self.timeout
        try:
            message = await asyncio.wait_for(self._receive(), max(0.0, self._deadline - time.monotonic()))
        except TimeoutError:
            raise HTTPException(408, f"the request body did not arrive within {self.timeout:g} s") from None
        if message["type"] == "http.request":
            self.received_bytes += len(message.get("body", b""))
            if self.received_bytes > self.max_bytes:
                raise HTTPException(413, f"the request body exceeds {self.max_bytes} bytes")
            self.finished = not message.get("more_body", False)
        return message


class RequestContextMiddleware:
    """Request id, body limits, metrics and access log for every HTTP request of ``app``."""

    def __init__(self, app: ASGIApp, max_body_bytes: int, body_timeout_seconds: float):
        self.app = app
        self.max_body_bytes, self.body_timeout_seconds = max_body_bytes, body_timeout_seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        request_id = request_id_from(scope["headers"])
        scope.setdefault("state", {})["request_id"] = request_id
        if len(scope["path"]) > 1 and scope["path"].endswith("/"):
            scope["path"] = scope["path"].rstrip("/") or "/"
        body = RequestBody(scope, receive, self.max_body_bytes, self.body_timeout_seconds)
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"x-request-id"]
                headers.append((b"x-request-id", request_id.encode()))
                if not body.finished:
                    headers.append((b"connection", b"close"))
                message = {**message, "headers": headers}
            await send(message)

        try:
            if body.declared_too_large:
                await self._too_large(scope, request_id, send_with_id)
            else:
                await self.app(scope, body.receive, send_with_id)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            elapsed = time.perf_counter() - started
            metrics.observe_request(scope["method"], template, status, elapsed)
            state = scope["state"]
            access_logger.info(
                "request",
                extra={
                    "request_id": request_id,
                    "method": scope["method"],
                    "path": template,
                    "status": status,
                    "duration_ms": round(elapsed * 1000, 3),
                    "api_key_id": state.get("api_key_id"),
                    "tenant": state.get("tenant"),
                },
            )

    async def _too_large(self, scope: Scope, request_id: str, send: Send) -> None:
        detail = f"the request body exceeds {self.max_body_bytes} bytes"
        body = json.dumps(problem_body(413, detail, instance=scope["path"], request_id=request_id)).encode()
        headers = [(b"content-type", PROBLEM_MEDIA_TYPE.encode()), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": 413, "headers": headers})
        await send({"type": "http.response.body", "body": body})
