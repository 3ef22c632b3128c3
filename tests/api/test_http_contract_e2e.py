"""End to end: the HTTP contract around the routes (issue 15, defect 10's API nits).

A trailing slash is answered directly (it was a 307 to a URL built from the ``Host`` header),
``HEAD`` works on the health routes (it was 405), malformed HTTP gets a problem+json 400 (it was
text/plain), and the published schema states this server's limits (schemathesis flagged them).
"""

from __future__ import annotations

import socket

from tests.api.conftest import bearer
from tests.api.test_limits_e2e import PROBLEM


def test_a_trailing_slash_is_answered_directly_whatever_the_host(client, tenants):
    headers = {**bearer(tenants.acme_token), "Host": "attacker.example"}
    response = client.get("/v1/keys/", headers=headers)
    assert response.status_code == 200 and "location" not in response.headers
    assert response.json() == client.get("/v1/keys", headers=bearer(tenants.acme_token)).json()


def test_head_on_the_health_routes_is_200(client):
    assert client.head("/healthz").status_code == 200
    assert client.head("/readyz").status_code == 200


def test_malformed_http_is_a_problem_400(server):
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(b"NOT HTTP AT ALL\r\n\r\n")
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400 ") and f"content-type: {PROBLEM}".encode() in head.lower()
    assert b'"status": 400' in body


def test_the_published_schema_states_this_servers_limits(client):
    components = client.get("/openapi.json").json()["components"]["schemas"]
    assert components["DetectRequest"]["properties"]["inputs"]["maxItems"] == 16  # GREENMARK_API_MAX_INPUTS
    assert components["DetectInput"]["properties"]["text"]["maxLength"] == 100_000
    assert components["GenerateRequest"]["properties"]["max_new_tokens"]["anyOf"][0]["maximum"] == 256
    assert "pattern" in components["DetectInput"]["properties"]["text"]  # not only whitespace
