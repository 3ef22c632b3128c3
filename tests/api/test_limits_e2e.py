"""End to end: limits (413) and malformed requests (4xx problem+json, never 500)."""

from __future__ import annotations

import json

import httpx
import pytest

from tests.api.conftest import bearer

PROBLEM = "application/problem+json"


def assert_problem(response: httpx.Response, status: int) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body = response.json()
    assert body["status"] == status and body["title"] and body["request_id"] == response.headers["x-request-id"]


def test_oversized_body_is_413(client, tenants):
    body = json.dumps({"inputs": [{"id": "a", "text": "x" * 2_100_000}]})
    response = client.post(
        "/v1/detect", content=body, headers={**bearer(tenants.acme_token), "content-type": "application/json"}
    )
    assert_problem(response, 413)


def test_oversized_chunked_body_is_413(client, tenants):
    def chunks():
        yield b'{"inputs": [{"id": "a", "text": "'
        for _ in range(300):
            yield b"y" * 10_000
        yield b'"}]}'

    headers = {**bearer(tenants.acme_token), "content-type": "application/json"}
    assert_problem(client.post("/v1/detect", content=chunks(), headers=headers), 413)


def test_too_many_inputs_is_413(client, tenants):
    inputs = [{"id": str(i), "text": "hello world"} for i in range(17)]  # the server takes 16
    assert_problem(client.post("/v1/detect", json={"inputs": inputs}, headers=bearer(tenants.acme_token)), 413)


def test_text_longer_than_the_limit_is_413(client, tenants):
    inputs = [{"id": "a", "text": "word " * 20_001}]  # 100,005 characters, limit 100,000
    assert_problem(client.post("/v1/detect", json={"inputs": inputs}, headers=bearer(tenants.acme_token)), 413)


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        (b'{"inputs": [', "application/json", 400),
        (b"\xff\xfe\x00{", "application/json", 400),
        (b'{"inputs": [{"id": "a", "text": "\\ud800 lone"}]}', "application/json", 422),
        (b'{"inputs": [{"id": "a", "text": ""}]}', "application/json", 422),
        (b'{"inputs": [{"id": "a", "text": " \\n\\t "}]}', "application/json", 422),
        (b'{"inputs": []}', "application/json", 422),
        (b'{"inputs": "text"}', "application/json", 422),
        (b'{"inputs": [{"id": 1, "text": 2}]}', "application/json", 422),
        (b'{"inputs": [{"id": "a", "text": "hi"}], "alpha": 2}', "application/json", 422),
        (b'{"inputs": [{"id": "a", "text": "hi"}], "unknown": 1}', "application/json", 422),
        (b"[1, 2, 3]", "application/json", 422),
        (b"null", "application/json", 422),
        (b'{"inputs": [{"id": "a", "text": "hi"}]}', "text/plain", 415),
        (b'{"inputs": [{"id": "a", "text": "hi"}]}', None, 415),
    ],
    ids=[
        "malformed-json",
        "invalid-utf8",
        "lone-surrogate",
        "empty-text",
        "blank-text",
        "no-inputs",
        "inputs-not-a-list",
        "wrong-types",
        "alpha-out-of-range",
        "unknown-field",
        "not-an-object",
        "null",
        "text-plain",
        "no-content-type",
    ],
)
def test_bad_requests_are_4xx_problems(client, tenants, body, content_type, status):
    headers = bearer(tenants.acme_token) | ({"content-type": content_type} if content_type else {})
    assert_problem(client.post("/v1/detect", content=body, headers=headers), status)


def test_unknown_path_is_404_and_wrong_method_is_405(client):
    assert_problem(client.get("/v1/nothing"), 404)
    assert_problem(client.get("/v1/detect"), 405)


def test_marks_without_the_scope_are_403(client, tenants):
    body = {"inputs": [{"id": "a", "text": "hello world"}], "return_marks": True}
    assert_problem(client.post("/v1/detect", json=body, headers=bearer(tenants.acme_token)), 403)


def test_generation_when_disabled_is_404(client, tenants):
    response = client.post("/v1/generate", json={"prompts": ["Once"]}, headers=bearer(tenants.acme_token))
    assert_problem(response, 404)


def test_a_text_too_short_to_score_is_insufficient_evidence(client, tenants):
    response = client.post(
        "/v1/detect", json={"inputs": [{"id": "a", "text": "0"}]}, headers=bearer(tenants.acme_token)
    )
    assert response.status_code == 200, response.text
    assert response.json()["results"][0]["decision"] == "insufficient_evidence"
