"""Receipts: published vectors for the key id and signature, and any change to a field, the text or the key fails."""

import base64
import copy
import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from greenmark.receipts import (
    ReceiptError,
    ReceiptSigner,
    detection_receipt,
    jwks_of,
    load_public_keys,
    text_sha256,
    verify_receipt,
)
from greenmark.receipts.public_keys import b64url, from_b64url, pem_of
from greenmark.watermark import Detector, WatermarkKey, WatermarkSpec

# RFC 8037 appendix A: an Ed25519 key, its RFC 7638 thumbprint and the signature of an example JWS.
RFC8037_D = "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"
RFC8037_X = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"
RFC8037_THUMBPRINT = "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"
RFC8037_SIGNING_INPUT = b"eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc"
RFC8037_SIGNATURE = "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg"
TEXT = "The committee met on Tuesday and agreed to postpone the vote until the report was finished."


@pytest.fixture(scope="module")
def signer():
    return ReceiptSigner.generate()


@pytest.fixture(scope="module")
def statement():
    key, spec = WatermarkKey.generate(), WatermarkSpec(vocab_size=100)
    result = Detector(spec, [key]).detect_tokens(list(range(100)))
    return detection_receipt(result, text_sha256=text_sha256(TEXT), tenant="acme", keys_tested=[(key.key_id, spec)])


def test_the_key_id_and_signature_match_rfc_8037():
    signer = ReceiptSigner.from_private_bytes(from_b64url(RFC8037_D))
    assert signer.kid == RFC8037_THUMBPRINT
    (jwk,) = jwks_of(signer.public_keys().values())["keys"]
    assert jwk["x"] == RFC8037_X
    assert b64url(Ed25519PrivateKey.from_private_bytes(signer.private_bytes()).sign(RFC8037_SIGNING_INPUT)) == (
        RFC8037_SIGNATURE
    )


def test_a_receipt_holds_what_the_issue_lists_and_never_the_text(statement):
    expected = {
        "receipt_type", "receipt_id", "issued_at", "tenant", "text_sha256", "detector_version", "keys_tested",
        "key_id", "scheme_id", "decision", "p_value", "alpha", "num_hypotheses", "num_scored_tokens", "normalizations",
    }  # fmt: skip
    assert set(statement) == expected
    assert {"key_id", "scheme_id", "scheme_version", "spec"} == set(statement["keys_tested"][0])
    assert statement["keys_tested"][0]["scheme_id"] == "lefthash@gm1"
    assert TEXT not in json.dumps(statement)


@pytest.mark.parametrize("form", ["json", "dsse"])
def test_a_genuine_receipt_verifies_with_its_text(signer, statement, form):
    receipt = signer.sign(statement) if form == "json" else signer.sign_dsse(statement)
    assert verify_receipt(receipt, signer.public_keys(), text=TEXT) == {
        **statement,
        **({"signing_key_id": signer.kid} if form == "json" else {}),
    }


@pytest.mark.parametrize(
    "field, value",
    [
        ("decision", "watermarked"),
        ("p_value", 1e-12),
        ("alpha", 0.01),
        ("num_hypotheses", 7),
        ("num_scored_tokens", 1000),
        ("tenant", "globex"),
        ("key_id", "gm1k_someone_else"),
        ("text_sha256", "0" * 64),
        ("issued_at", "2020-01-01T00:00:00.000000Z"),
        ("receipt_id", "gmr_" + "0" * 32),
        ("detector_version", "greenmark 9.9.9"),
        ("normalizations", ["homoglyphs"]),
    ],
)
def test_changing_any_field_fails_with_one_line(signer, statement, field, value):
    receipt = {**signer.sign(statement), field: value}
    with pytest.raises(ReceiptError, match="signature does not match") as caught:
        verify_receipt(receipt, signer.public_keys())
    assert "\n" not in str(caught.value)


def test_changing_the_spec_of_a_tested_key_fails(signer, statement):
    receipt = copy.deepcopy(signer.sign(statement))
    receipt["keys_tested"][0]["spec"]["gamma"] = 0.5
    with pytest.raises(ReceiptError, match="signature does not match"):
        verify_receipt(receipt, signer.public_keys())


def test_adding_or_removing_a_field_fails(signer, statement):
    receipt = signer.sign(statement)
    with pytest.raises(ReceiptError, match="signature does not match"):
        verify_receipt({**receipt, "extra": 1}, signer.public_keys())
    with pytest.raises(ReceiptError, match="signature does not match"):
        verify_receipt({k: v for k, v in receipt.items() if k != "alpha"}, signer.public_keys())


@pytest.mark.parametrize("form", ["json", "dsse"])
def test_another_text_fails(signer, statement, form):
    receipt = signer.sign(statement) if form == "json" else signer.sign_dsse(statement)
    with pytest.raises(ReceiptError, match="text differs"):
        verify_receipt(receipt, signer.public_keys(), text=TEXT.replace("Tuesday", "Monday"))


def test_the_text_is_compared_in_canonical_form(signer, statement):
    homoglyph_text = TEXT.replace("e", "\u0435")  # Cyrillic: folded to the Latin text that was tested
    verify_receipt(signer.sign(statement), signer.public_keys(), text=homoglyph_text)


@pytest.mark.parametrize("line_break", ["\r\n", "\r"])
def test_line_break_conventions_do_not_void_a_receipt(signer, line_break):
    """A browser's text field hands the server LF where the file had CR or CRLF."""
    key, spec = WatermarkKey.generate(), WatermarkSpec(vocab_size=100)
    result = Detector(spec, [key]).detect_tokens(list(range(100)))
    tested = [(key.key_id, spec)]
    text = "First line.\nSecond line.\n"
    receipt = signer.sign(detection_receipt(result, text_sha256=text_sha256(text), tenant="acme", keys_tested=tested))
    verify_receipt(receipt, signer.public_keys(), text=text.replace("\n", line_break))
    with pytest.raises(ReceiptError, match="text differs"):
        verify_receipt(receipt, signer.public_keys(), text=text.replace("\n", " "))


@pytest.mark.parametrize("form", ["json", "dsse"])
def test_another_key_fails(signer, statement, form):
    other = ReceiptSigner.generate()
    receipt = signer.sign(statement) if form == "json" else signer.sign_dsse(statement)
    with pytest.raises(ReceiptError, match="not among the public keys given"):
        verify_receipt(receipt, other.public_keys())


def test_a_signature_by_another_key_under_the_same_kid_fails(signer, statement):
    forged = ReceiptSigner.generate().sign({**statement, "signing_key_id": signer.kid})
    forged["signing_key_id"] = signer.kid
    with pytest.raises(ReceiptError, match="signature does not match"):
        verify_receipt(forged, signer.public_keys())


def test_a_changed_dsse_payload_fails(signer, statement):
    envelope = signer.sign_dsse(statement)
    payload = json.loads(base64.b64decode(envelope["payload"]))
    payload["decision"] = "watermarked"
    changed = {**envelope, "payload": base64.b64encode(json.dumps(payload).encode()).decode()}
    with pytest.raises(ReceiptError, match="signature does not match"):
        verify_receipt(changed, signer.public_keys())
    with pytest.raises(ReceiptError, match="payloadType"):
        verify_receipt({**envelope, "payloadType": "application/json"}, signer.public_keys())


def test_public_keys_load_from_jwks_jwk_and_pem(signer):
    public_key = signer.public_keys()[signer.kid]
    jwks = json.dumps(jwks_of([public_key])).encode()
    assert list(load_public_keys(jwks)) == [signer.kid]
    assert list(load_public_keys(json.dumps(jwks_of([public_key])["keys"][0]).encode())) == [signer.kid]
    assert list(load_public_keys(pem_of(public_key).encode())) == [signer.kid]


def test_a_jwks_pairing_a_kid_with_another_key_is_refused(signer):
    (jwk,) = jwks_of([ReceiptSigner.generate().public_keys().popitem()[1]])["keys"]
    with pytest.raises(ReceiptError, match="not the RFC 7638 thumbprint"):
        load_public_keys(json.dumps({"keys": [{**jwk, "kid": signer.kid}]}).encode())


@pytest.mark.parametrize("data", [b"not a key", b"{}", b'{"keys": []}', b"-----BEGIN PUBLIC KEY-----\nAAAA\n"])
def test_unreadable_public_key_files_are_refused(data):
    with pytest.raises(ReceiptError):
        load_public_keys(data)
