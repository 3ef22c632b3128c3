"""End to end against a real server: decisions, tenant isolation, authentication, request ids, logs."""

from __future__ import annotations

from tests.api.conftest import bearer, watermarked_text

PROBLEM = "application/problem+json"


def detect(client, token, texts, **options):
    inputs = [{"id": str(index), "text": text} for index, text in enumerate(texts)]
    return client.post("/v1/detect", json={"inputs": inputs, **options}, headers=bearer(token))


def test_watermarked_text_is_detected_with_the_right_key_id(client, tenants):
    text = watermarked_text(tenants.acme_key, tenants.acme_spec)
    response = detect(client, tenants.acme_token, [text])
    assert response.status_code == 200
    result = response.json()["results"][0]
    assert result["decision"] == "watermarked"
    assert result["key_id"] == tenants.acme_key.key_id
    assert result["p_value"] < 1e-6 and result["num_hypotheses"] == 1


def test_a_watermarked_result_names_the_matched_scheme_and_a_human_one_none(client, tenants, human_texts):
    texts = [watermarked_text(tenants.acme_key, tenants.acme_spec, seed=3), human_texts[0]]
    results = detect(client, tenants.acme_token, texts).json()["results"]
    assert [result["scheme"] for result in results] == [tenants.acme_spec.scheme_id, None]


def test_human_text_is_not_watermarked(client, tenants, human_texts):
    response = detect(client, tenants.acme_token, human_texts)
    assert response.status_code == 200
    assert {result["decision"] for result in response.json()["results"]} == {"not_watermarked"}
    assert all(result["key_id"] is None for result in response.json()["results"])


def test_another_tenants_watermark_is_not_reported(client, tenants):
    text = watermarked_text(tenants.acme_key, tenants.acme_spec, seed=1)
    result = detect(client, tenants.globex_token, [text]).json()["results"][0]
    assert result["decision"] == "not_watermarked" and result["key_id"] is None
    assert result["num_hypotheses"] == 1  # only globex's own key was tested


def test_results_keep_the_order_and_ids_of_the_inputs(client, tenants, human_texts):
    texts = [human_texts[0], watermarked_text(tenants.acme_key, tenants.acme_spec, seed=2)]
    body = detect(client, tenants.acme_token, texts, return_spans=True).json()
    assert [result["id"] for result in body["results"]] == ["0", "1"]
    assert [result["decision"] for result in body["results"]] == ["not_watermarked", "watermarked"]
    assert body["results"][1]["spans"][0]["key_id"] == tenants.acme_key.key_id
    assert body["detector_version"].startswith("greenmark ")


def test_missing_api_key_is_401_problem(client):
    response = client.post("/v1/detect", json={"inputs": [{"id": "a", "text": "hello"}]})
    assert response.status_code == 401
    assert response.headers["content-type"] == PROBLEM and response.headers["www-authenticate"] == "Bearer"
    assert response.json()["status"] == 401


def test_wrong_api_key_is_401_problem(client, tenants):
    forged = tenants.acme_token[:-4] + "AAAA"
    for token in (forged, "not-a-key"):
        response = detect(client, token, ["hello"])
        assert response.status_code == 401 and response.headers["content-type"] == PROBLEM


def test_every_response_has_a_request_id(client, tenants):
    assert client.get("/healthz").headers["x-request-id"]
    assert client.get("/nowhere").headers["x-request-id"]
    echoed = client.get("/healthz", headers={"X-Request-ID": "trace-42"})
    assert echoed.headers["x-request-id"] == "trace-42"


def test_keys_lists_the_tenants_keys_without_secrets(client, tenants):
    response = client.get("/v1/keys", headers=bearer(tenants.acme_token))
    assert response.status_code == 200
    keys = response.json()["keys"]
    assert [key["key_id"] for key in keys] == [tenants.acme_key.key_id]
    assert keys[0]["detectable"] is True
    assert tenants.acme_key.to_hex() not in response.text and tenants.globex_key.key_id not in response.text


def test_metrics_count_requests_and_decisions(client, tenants):
    detect(client, tenants.acme_token, [watermarked_text(tenants.acme_key, tenants.acme_spec, seed=3)])
    text = client.get("/metrics").text
    assert 'greenmark_api_decisions_total{decision="watermarked"}' in text
    assert "greenmark_api_request_duration_seconds_bucket" in text and "greenmark_api_tokens_scored_total" in text


def test_logs_never_contain_texts_or_api_keys(client, server, tenants):
    marker = "Zanzibar-quokka-unique-marker"
    detect(client, tenants.acme_token, [f"{marker} " * 30])
    detect(client, tenants.acme_token, [""])  # an error path too
    log = server.log()
    assert '"path": "/v1/detect"' in log
    assert marker not in log and tenants.acme_token not in log and tenants.acme_token.split("_", 2)[2] not in log
