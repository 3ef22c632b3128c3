"""`greenmark detect --receipt` and `greenmark receipts`: a receipt verifies with the public key alone, and any
change to it, the text or the key fails with one line."""

import json

import pytest

from tests.cli.conftest import watermarked_text


@pytest.fixture
def issued(greenmark, create_key, tmp_path):
    """A watermarked text file, its receipt (JSON form) and the public keys as JWKS and PEM files."""
    created = create_key("news")
    text_path = tmp_path / "post.txt"
    text_path.write_text(watermarked_text(created["key_id"]))
    result = greenmark("detect", text_path, "--receipt", "--jsonl", "--exit-zero")
    assert result.exit_code == 0, result.output
    receipt = json.loads(result.stdout)["receipt"]
    receipt_path = tmp_path / "receipt.json"
    receipt_path.write_text(json.dumps(receipt))
    jwks_path, pem_path = tmp_path / "keys.jwks", tmp_path / "key.pem"
    jwks_path.write_text(greenmark("receipts", "public-key").stdout)
    pem_path.write_text(greenmark("receipts", "public-key", "--format", "pem").stdout)
    return {"created": created, "text": text_path, "receipt": receipt, "path": receipt_path, "jwks": jwks_path,
            "pem": pem_path}  # fmt: skip


def assert_invalid(result, reason: str) -> None:
    assert result.exit_code == 1, result.output
    (line,) = result.stderr.strip().splitlines()
    assert "INVALID" in line and reason in line, line


def test_the_receipt_states_the_verdict_and_the_key(issued):
    receipt = issued["receipt"]
    assert receipt["decision"] == "watermarked" and receipt["key_id"] == issued["created"]["key_id"]
    assert receipt["tenant"] == "default"
    assert receipt["scheme_id"] == receipt["keys_tested"][0]["scheme_id"] == "lefthash@gm1"
    assert issued["text"].read_text() not in json.dumps(receipt)


@pytest.mark.parametrize("key_file", ["jwks", "pem"])
def test_a_receipt_verifies_with_the_public_key_and_the_text(greenmark, issued, key_file):
    result = greenmark("receipts", "verify", issued["path"], "--public-key", issued[key_file], "--text", issued["text"])
    assert result.exit_code == 0, result.output
    assert "valid receipt" in result.stdout and "the text matches" in result.stdout


def test_verification_needs_no_key_store(greenmark, issued, monkeypatch, tmp_path):
    monkeypatch.setenv("GREENMARK_HOME", str(tmp_path / "elsewhere"))
    result = greenmark("receipts", "verify", issued["path"], "--public-key", issued["jwks"])
    assert result.exit_code == 0, result.output
    assert not (tmp_path / "elsewhere").exists()


def test_a_changed_field_fails(greenmark, issued):
    issued["path"].write_text(json.dumps({**issued["receipt"], "decision": "not_watermarked"}))
    assert_invalid(greenmark("receipts", "verify", issued["path"], "--public-key", issued["jwks"]), "signature")


def test_another_text_fails(greenmark, issued, tmp_path):
    other = tmp_path / "other.txt"
    other.write_text(issued["text"].read_text() + " One more sentence.")
    result = greenmark("receipts", "verify", issued["path"], "--public-key", issued["jwks"], "--text", other)
    assert_invalid(result, "text differs")


def test_another_key_fails_and_a_rotated_key_still_verifies(greenmark, issued, tmp_path):
    assert greenmark("receipts", "rotate").exit_code == 0
    new_pem = tmp_path / "new.pem"
    new_pem.write_text(greenmark("receipts", "public-key", "--format", "pem").stdout)
    assert_invalid(
        greenmark("receipts", "verify", issued["path"], "--public-key", new_pem), "not among the public keys"
    )
    all_keys = tmp_path / "all.jwks"
    all_keys.write_text(greenmark("receipts", "public-key").stdout)
    assert len(json.loads(all_keys.read_text())["keys"]) == 2
    assert greenmark("receipts", "verify", issued["path"], "--public-key", all_keys).exit_code == 0


def test_the_dsse_form_verifies(greenmark, issued):
    result = greenmark("detect", issued["text"], "--receipt-dsse", "--json", "--exit-zero")
    envelope = json.loads(result.stdout)["results"][0]["receipt"]
    assert envelope["payloadType"] == "application/vnd.greenmark.detection-receipt.v1+json"
    issued["path"].write_text(json.dumps(envelope))
    result = greenmark("receipts", "verify", issued["path"], "--public-key", issued["pem"], "--text", issued["text"])
    assert result.exit_code == 0, result.output


def test_a_receipt_needs_json_output(greenmark, issued):
    result = greenmark("detect", issued["text"], "--receipt")
    assert result.exit_code == 2 and "--json or --jsonl" in result.stderr


def test_an_unreadable_public_key_is_an_input_error(greenmark, issued, tmp_path):
    bad = tmp_path / "bad.jwks"
    bad.write_text("{}")
    result = greenmark("receipts", "verify", issued["path"], "--public-key", bad)
    assert result.exit_code == 2 and len(result.stderr.strip().splitlines()) == 1
