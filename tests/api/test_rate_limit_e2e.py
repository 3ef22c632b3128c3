"""End to end: the per-API-key token bucket (burst 5, 2 requests/s) of a real server."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from tests.api.conftest import ServerProcess, bearer

BODY = {"inputs": [{"id": "a", "text": "a short text to test"}]}


@pytest.fixture(scope="module")
def limited_server(tenants, tmp_path_factory):
    settings = {"GREENMARK_API_RATE_LIMIT_PER_SECOND": "2", "GREENMARK_API_RATE_LIMIT_BURST": "5"}
    process = ServerProcess(tenants.home, tmp_path_factory.mktemp("logs") / "limited.log", settings)
    yield process
    process.stop()


def send(url: str, token: str, count: int) -> list[httpx.Response]:
    with httpx.Client(base_url=url, timeout=30) as http, ThreadPoolExecutor(count) as pool:
        return list(pool.map(lambda _: http.post("/v1/detect", json=BODY, headers=bearer(token)), range(count)))


def test_a_burst_above_the_limit_gets_429_with_retry_after(limited_server, tenants):
    responses = send(limited_server.url, tenants.rate_token, 12)
    limited = [response for response in responses if response.status_code == 429]
    assert len(limited) >= 5  # 5 in the bucket, refilling at 2/s while the burst lasts
    assert {response.status_code for response in responses} == {200, 429}
    assert all(int(response.headers["retry-after"]) >= 1 for response in limited)
    assert limited[0].headers["content-type"] == "application/problem+json"


def test_requests_below_the_limit_all_succeed(limited_server, tenants):
    token = tenants.acme_marks_token  # a key of its own: a fresh, full bucket
    assert [response.status_code for response in send(limited_server.url, token, 5)] == [200] * 5
    time.sleep(1.0)  # two tokens back
    assert [response.status_code for response in send(limited_server.url, token, 2)] == [200] * 2


def test_the_limit_is_per_api_key(limited_server, tenants):
    send(limited_server.url, tenants.globex_token, 10)
    assert send(limited_server.url, tenants.acme_token, 1)[0].status_code == 200
