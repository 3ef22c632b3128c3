"""Fine-grained behaviour through TestClient: scopes, marks, missing keys, 500s, settings."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from greenmark.detector_api import ApiSettings, create_app
from greenmark.store import KeyStore
from tests.api.conftest import bearer, make_tenants, watermarked_text


@pytest.fixture
def tenants(tmp_path, monkeypatch):
    made = make_tenants(tmp_path / "store")
    monkeypatch.setenv("GREENMARK_HOME", str(made.home))
    return made


@pytest.fixture
def app_client(tenants):
    app = create_app(ApiSettings(rate_limit_per_second=0))

    @app.get("/boom", include_in_schema=False)
    async def boom():
        raise RuntimeError("secret text that must not leak")

    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def test_marks_are_returned_with_the_green_marks_scope(app_client, tenants):
    text = watermarked_text(tenants.acme_key, tenants.acme_spec)
    body = {"inputs": [{"id": "a", "text": text}], "return_marks": True}
    result = app_client.post("/v1/detect", json=body, headers=bearer(tenants.acme_marks_token)).json()["results"][0]
    scored_green = [mark for mark in result["marks"] if mark["scored"] and mark["green"]]
    assert len(scored_green) == result["num_green_tokens"]


def test_no_marks_without_a_watermark(app_client, tenants):
    body = {"inputs": [{"id": "a", "text": "plain words " * 40}], "return_marks": True}
    result = app_client.post("/v1/detect", json=body, headers=bearer(tenants.acme_marks_token)).json()["results"][0]
    assert result["marks"] is None


def test_a_tenant_without_keys_gets_409(app_client, tenants):
    with KeyStore.open(home=tenants.home) as store:
        token = store.create_api_key("initech", scopes=["detect"]).api_key
    response = app_client.post("/v1/detect", json={"inputs": [{"id": "a", "text": "hi"}]}, headers=bearer(token))
    assert response.status_code == 409 and response.headers["content-type"] == "application/problem+json"


def test_a_request_alpha_changes_the_decision_threshold(app_client, tenants):
    body = {"inputs": [{"id": "a", "text": "plain words " * 40}], "alpha": 0.01}
    result = app_client.post("/v1/detect", json=body, headers=bearer(tenants.acme_token)).json()["results"][0]
    assert result["alpha"] == 0.01


def test_an_unexpected_error_is_a_500_problem_without_its_message(app_client):
    response = app_client.get("/boom", headers={"X-Request-ID": "r-1"})
    assert response.status_code == 500 and response.headers["content-type"] == "application/problem+json"
    assert response.json()["request_id"] == "r-1" == response.headers["x-request-id"]
    assert "secret" not in response.text


def test_readyz_is_ok_once_loaded(app_client):
    assert app_client.get("/readyz").json() == {"status": "ok"}


def test_settings_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("GREENMARK_API_MAX_INPUTS", "7")
    monkeypatch.setenv("GREENMARK_API_GENERATE", "true")
    settings = ApiSettings()
    assert settings.max_inputs == 7 and settings.generate is True
