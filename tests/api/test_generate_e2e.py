"""End to end with the real generator: /v1/generate output is detected with the generating key's id."""

from __future__ import annotations

import httpx
import pytest

from tests.api.conftest import ServerProcess, bearer

pytest.importorskip("torch")


@pytest.fixture(scope="module")
def generating_server(tenants, tmp_path_factory):
    settings = {"GREENMARK_API_GENERATE": "true", "GREENMARK_API_RATE_LIMIT_PER_SECOND": "0"}
    process = ServerProcess(tenants.home, tmp_path_factory.mktemp("logs") / "generate.log", settings, 300)
    yield process
    process.stop()


@pytest.mark.slow
def test_generated_text_is_detected_with_the_generating_key(generating_server, tenants):
    with httpx.Client(base_url=generating_server.url, timeout=300) as http:
        generated = http.post(
            "/v1/generate",
            json={"prompts": ["It was a dark and stormy night"], "max_new_tokens": 120, "seed": 0},
            headers=bearer(tenants.acme_token),
        )
        assert generated.status_code == 200, generated.text
        assert generated.json()["key_id"] == tenants.acme_key.key_id
        text = generated.json()["outputs"][0]["text"]
        detected = http.post(
            "/v1/detect", json={"inputs": [{"id": "g", "text": text}]}, headers=bearer(tenants.acme_token)
        )
    result = detected.json()["results"][0]
    assert result["decision"] == "watermarked" and result["key_id"] == tenants.acme_key.key_id


@pytest.mark.slow
def test_generation_over_the_servers_caps_is_refused(generating_server, tenants):
    headers = bearer(tenants.acme_token)
    with httpx.Client(base_url=generating_server.url, timeout=30) as http:
        too_long = http.post("/v1/generate", json={"prompts": ["Once"], "max_new_tokens": 10_000}, headers=headers)
        too_many = http.post("/v1/generate", json={"prompts": ["Once"] * 5}, headers=headers)
    assert too_long.status_code == 422 and too_many.status_code == 413


@pytest.mark.slow
def test_a_temperature_below_the_floor_is_greedy_and_non_finite_values_are_422(generating_server, tenants):
    # Issue 15, defect 2: a temperature of about 1e-38 was a 500 (torch.multinomial on inf/nan).
    headers = bearer(tenants.acme_token)
    prompt = {"prompts": ["It was a dark and stormy night"], "max_new_tokens": 8}
    with httpx.Client(base_url=generating_server.url, timeout=300) as http:
        tiny = http.post("/v1/generate", json={**prompt, "temperature": 1e-38, "seed": 1}, headers=headers)
        greedy = http.post("/v1/generate", json={**prompt, "temperature": 0}, headers=headers)
        non_finite = [
            http.post(
                "/v1/generate",
                content=f'{{"prompts": ["Once"], "{name}": {value}}}'.encode(),
                headers={**headers, "content-type": "application/json"},
            )
            for name, value in [("temperature", "NaN"), ("temperature", "Infinity"), ("top_p", "NaN")]
        ]
    assert tiny.status_code == 200 and tiny.json()["outputs"] == greedy.json()["outputs"]
    assert [response.status_code for response in non_finite] == [422, 422, 422]
    assert {response.headers["content-type"] for response in non_finite} == {"application/problem+json"}


@pytest.mark.slow
def test_the_server_log_is_json_lines_only(generating_server):
    # Issue 15, defect 10: transformers' "Loading weights" progress bar was a non-JSON line in the log.
    lines = generating_server.log().splitlines()
    assert lines and len(generating_server.log_entries()) == len(lines), [line for line in lines if "{" not in line]
