"""End to end: callers are checked on the headers before any body is read; slow bodies and guessing are cut off.

Issue 15, defect 4: bodies (up to 2 MB) were buffered before authentication with no receive
timeout, malformed JSON was answered 400 before 401, and failed authentication was never
rate-limited. Each test speaks from its own loopback address (127.0.0.x), since the
failed-authentication limit is per client address.
"""

from __future__ import annotations

import socket
import time

import httpx
import pytest

from tests.api.conftest import ServerProcess, bearer

BODY_TIMEOUT_SECONDS = 2
FAILED_AUTH_BURST = 3
METRICS_TOKEN = "metrics-token-for-tests"


@pytest.fixture(scope="module")
def guarded_server(tenants, tmp_path_factory):
    settings = {
        "GREENMARK_API_BODY_TIMEOUT_SECONDS": str(BODY_TIMEOUT_SECONDS),
        "GREENMARK_API_FAILED_AUTH_BURST": str(FAILED_AUTH_BURST),
        "GREENMARK_API_FAILED_AUTH_PER_SECOND": "0.1",
        "GREENMARK_API_RATE_LIMIT_PER_SECOND": "0",
        "GREENMARK_API_METRICS_TOKEN": METRICS_TOKEN,
    }
    process = ServerProcess(tenants.home, tmp_path_factory.mktemp("logs") / "guarded.log", settings)
    yield process
    process.stop()


def client_from(server: ServerProcess, address: str) -> httpx.Client:
    transport = httpx.HTTPTransport(local_address=address)
    return httpx.Client(base_url=server.url, transport=transport, timeout=30)


def exchange(server: ServerProcess, address: str, request: bytes, timeout: float = 20) -> tuple[bytes, float]:
    """Send ``request`` raw from ``address``; the whole answer (read until the server closes) and seconds taken."""
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", server.port), timeout=timeout, source_address=(address, 0)) as sock:
        sock.sendall(request)
        answer = b""
        while chunk := sock.recv(65536):  # a server that keeps the connection open fails with a timeout
            answer += chunk
    return answer, time.monotonic() - started


def detect_head(token: str | None, content_length: int) -> bytes:
    lines = ["POST /v1/detect HTTP/1.1", "Host: 127.0.0.1", "Content-Type: application/json"]
    lines += [f"Content-Length: {content_length}"] + ([f"Authorization: Bearer {token}"] if token else [])
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def test_malformed_json_without_a_valid_api_key_is_401(guarded_server, tenants):
    with client_from(guarded_server, "127.0.0.2") as http:
        missing = http.post("/v1/detect", content=b'{"inputs": [', headers={"content-type": "application/json"})
        forged = http.post("/v1/detect", content=b'{"inputs": [', headers={**bearer("gmak_x"), "content-type": "a/b"})
        valid = http.post(
            "/v1/detect", content=b'{"inputs": [', headers={**bearer(tenants.acme_token), "content-type": "text/plain"}
        )
    assert (missing.status_code, forged.status_code) == (401, 401)
    assert missing.headers["content-type"] == "application/problem+json"
    assert valid.status_code == 415  # a known caller: the content type is checked before the body is read


def test_an_unauthenticated_request_is_answered_without_waiting_for_its_body(guarded_server):
    answer, seconds = exchange(guarded_server, "127.0.0.3", detect_head(None, 2_000_000) + b'{"inputs": ')
    assert answer.startswith(b"HTTP/1.1 401 ") and b"connection: close" in answer.lower()
    assert seconds < BODY_TIMEOUT_SECONDS  # answered at once, and the connection closed


def test_a_body_slower_than_the_timeout_is_408_and_the_connection_closed(guarded_server, tenants):
    answer, seconds = exchange(guarded_server, "127.0.0.4", detect_head(tenants.acme_token, 1000) + b'{"inputs": ')
    assert answer.startswith(b"HTTP/1.1 408 ") and b"application/problem+json" in answer
    assert BODY_TIMEOUT_SECONDS - 0.5 <= seconds < BODY_TIMEOUT_SECONDS + 10


def test_repeated_failed_authentication_gets_429_with_retry_after(guarded_server, tenants):
    body = {"inputs": [{"id": "a", "text": "hello"}]}
    with client_from(guarded_server, "127.0.0.5") as http:
        failures = [http.post("/v1/detect", json=body, headers=bearer(f"guess-{n}")) for n in range(FAILED_AUTH_BURST)]
        limited = http.post("/v1/detect", json=body, headers=bearer("one-guess-too-many"))
        valid_from_same_address = http.post("/v1/detect", json=body, headers=bearer(tenants.globex_token))
    with client_from(guarded_server, "127.0.0.6") as http:
        valid_elsewhere = http.post("/v1/detect", json=body, headers=bearer(tenants.globex_token))
    assert [response.status_code for response in failures] == [401] * FAILED_AUTH_BURST
    assert limited.status_code == 429 and int(limited.headers["retry-after"]) >= 1
    assert limited.headers["content-type"] == "application/problem+json"
    assert valid_from_same_address.status_code == 429  # no lookup for this address until it may retry
    assert valid_elsewhere.status_code == 200


def test_metrics_need_the_metrics_token_when_one_is_set(guarded_server):
    with client_from(guarded_server, "127.0.0.7") as http:
        assert http.get("/metrics").status_code == 401
        assert http.get("/metrics", headers=bearer("wrong")).status_code == 401
        response = http.get("/metrics", headers=bearer(METRICS_TOKEN))
    assert response.status_code == 200 and "greenmark_api_requests_total" in response.text
