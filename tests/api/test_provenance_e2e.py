"""End to end against a real server: signed receipts, the audit log (per tenant, chained across workers on SQLite
and PostgreSQL), and the extra result fields the moderator page shows."""

from __future__ import annotations

import json
import os
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from greenmark.receipts import load_public_keys, verify_receipt
from greenmark.store import KeyStore
from tests.api.conftest import ServerProcess, bearer, make_tenants, watermarked_text
from tests.store.conftest import POSTGRES_URL_VARIABLE, postgres_schema_url


@pytest.fixture(scope="module")
def audit_tokens(tenants) -> dict[str, str]:
    with KeyStore.open(home=tenants.home) as store:
        return {tenant: store.create_api_key(tenant, scopes=["audit"]).api_key for tenant in ("acme", "globex")}


def detect(client, token, texts, **options):
    inputs = [{"id": str(index), "text": text} for index, text in enumerate(texts)]
    response = client.post("/v1/detect", json={"inputs": inputs, **options}, headers=bearer(token))
    assert response.status_code == 200, response.text
    return response


def audit_records(client, token, wanted: int, request_id: str | None = None) -> dict:
    """``GET /v1/audit`` once it holds ``wanted`` records (of ``request_id`` if given): they are committed in the
    background, within ``GREENMARK_API_AUDIT_FLUSH_SECONDS`` (0.2 s) and the commit."""
    deadline = time.monotonic() + 10
    while True:
        body = client.get("/v1/audit", headers=bearer(token), params={"limit": 1000}).json()
        counted = [record for record in body["records"] if request_id in (None, record["request_id"])]
        if len(counted) >= wanted or time.monotonic() > deadline:
            return body
        time.sleep(0.05)


def public_keys(client):
    return load_public_keys(client.get("/v1/receipts/keys").content)


def test_a_receipt_verifies_with_the_published_keys_and_the_text(client, tenants):
    text = watermarked_text(tenants.acme_key, tenants.acme_spec, seed=11)
    result = detect(client, tenants.acme_token, [text], return_receipt=True).json()["results"][0]
    statement = verify_receipt(result["receipt"], public_keys(client), text=text)
    assert (statement["decision"], statement["key_id"], statement["tenant"]) == (
        "watermarked",
        tenants.acme_key.key_id,
        "acme",
    )
    assert statement["p_value"] == result["p_value"] and statement["num_scored_tokens"] == result["num_scored_tokens"]


def test_the_dsse_form_verifies(client, tenants, human_texts):
    result = detect(client, tenants.acme_token, [human_texts[0]], return_receipt=True, receipt_format="dsse")
    envelope = result.json()["results"][0]["receipt"]
    assert verify_receipt(envelope, public_keys(client), text=human_texts[0])["decision"] == "not_watermarked"


def test_the_jwks_is_public_and_lists_ed25519_keys(client):
    response = client.get("/v1/receipts/keys")
    assert response.status_code == 200
    (jwk, *_) = response.json()["keys"]
    assert (jwk["kty"], jwk["crv"], jwk["alg"]) == ("OKP", "Ed25519", "EdDSA")


def test_results_name_the_key_and_how_many_tokens_are_missing(client, tenants):
    text = watermarked_text(tenants.acme_key, tenants.acme_spec, seed=12)
    watermarked, short = detect(client, tenants.acme_token, [text, "Too short to test."]).json()["results"]
    assert (watermarked["key_name"], watermarked["key_version"], watermarked["tokens_needed"]) == ("news", 1, 0)
    assert short["decision"] == "insufficient_evidence"
    assert short["tokens_needed"] == 16 - short["num_scored_tokens"] > 0


def test_offsets_come_with_the_canonical_text_when_it_was_changed(client, tenants):
    text = watermarked_text(tenants.acme_key, tenants.acme_spec, seed=13)
    tampered = "\u200b" + text.replace("e", "\u0435")  # a zero-width space and Cyrillic "e"s
    result = detect(client, tenants.acme_token, [tampered], return_spans=True).json()["results"][0]
    assert set(result["normalizations"]) == {"invisible", "homoglyphs"}
    assert result["canonical_text"] == text and result["spans"]
    plain = detect(client, tenants.acme_token, [text], return_spans=True).json()["results"][0]
    assert plain["canonical_text"] is None


def test_every_detection_is_logged_for_its_own_tenant_only(client, tenants, audit_tokens, human_texts):
    response = detect(client, tenants.globex_token, human_texts[:2], return_receipt=True)
    request_id = response.headers["x-request-id"]
    receipts = [result["receipt"] for result in response.json()["results"]]
    body = audit_records(client, audit_tokens["globex"], 2, request_id=request_id)
    assert body["tenant"] == "globex"
    mine = [record for record in body["records"] if record["request_id"] == request_id]
    assert [record["receipt_id"] for record in mine] == [receipt["receipt_id"] for receipt in receipts]
    assert [record["text_sha256"] for record in mine] == [receipt["text_sha256"] for receipt in receipts]
    assert {record["decision"] for record in mine} == {"not_watermarked"}
    assert mine[0]["api_key_id"] == tenants.globex_token.rsplit("_", 1)[0][: len("gmak_") + 12]
    assert human_texts[0][:30] not in json.dumps(body)
    acme = client.get("/v1/audit", headers=bearer(audit_tokens["acme"]), params={"limit": 1000}).json()
    assert request_id not in {record["request_id"] for record in acme["records"]}


def test_audit_pages_follow_on(client, tenants, audit_tokens, human_texts):
    detect(client, tenants.acme_token, human_texts[:3])
    audit_records(client, audit_tokens["acme"], 3)
    headers = bearer(audit_tokens["acme"])
    first = client.get("/v1/audit", headers=headers, params={"limit": 2}).json()
    second = client.get("/v1/audit", headers=headers, params={"limit": 2, "after": first["next_after"]}).json()
    assert [r["sequence"] for r in first["records"]] == [1, 2]
    assert second["records"][0]["sequence"] == 3


def test_reading_the_audit_log_needs_the_audit_scope(client, tenants):
    response = client.get("/v1/audit", headers=bearer(tenants.acme_token))
    assert response.status_code == 403 and "'audit' scope" in response.json()["detail"]


def test_whoami_names_the_tenant_scopes_and_limits(client, tenants):
    body = client.get("/v1/whoami", headers=bearer(tenants.acme_marks_token)).json()
    assert body["tenant"] == "acme" and body["scopes"] == ["detect", "green-marks"] and body["max_inputs"] == 16


@pytest.fixture(params=["sqlite", "postgresql"])
def database_settings(request, tmp_path):
    if request.param == "sqlite":
        yield {}
        return
    base_url = os.environ.get(POSTGRES_URL_VARIABLE)
    if not base_url:
        pytest.skip(f"{POSTGRES_URL_VARIABLE} is not set; run `.ci/start-postgres` and export its output")
    url, drop = postgres_schema_url(base_url)
    yield {"GREENMARK_DB_URL": url, "GREENMARK_MASTER_KEY": "11" * 32}
    drop()


def test_two_workers_under_concurrent_load_keep_one_unbroken_chain_and_commit_it_all_at_shutdown(
    tmp_path, database_settings, human_texts, monkeypatch
):
    home = tmp_path / "home"
    for name, value in database_settings.items():
        monkeypatch.setenv(name, value)
    tenants = make_tenants(home)
    server = ServerProcess(
        home,
        tmp_path / "server.log",
        {"GREENMARK_API_RATE_LIMIT_PER_SECOND": "0", **database_settings},
        options=("--workers", "2"),
    )
    try:

        def one_request(number: int) -> str:
            inputs = [{"id": str(i), "text": human_texts[(number + i) % len(human_texts)]} for i in range(2)]
            response = httpx.post(
                f"{server.url}/v1/detect", json={"inputs": inputs}, headers=bearer(tenants.acme_token), timeout=60
            )
            assert response.status_code == 200, response.text
            return response.headers["x-request-id"]

        with ThreadPoolExecutor(8) as pool:
            request_ids = list(pool.map(one_request, range(40)))
    finally:
        server.stop()
    with KeyStore.open(home=home) as store:
        records = store.audit_records("acme")
        (check,) = store.verify_audit("acme")
    assert [record.sequence for record in records] == list(range(1, 81))
    assert sorted({record.request_id for record in records}) == sorted(request_ids)
    assert check.intact and check.records_checked == 80
