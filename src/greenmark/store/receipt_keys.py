"""Receipt-signing keys in the key store: made on first use, sealed under the master key, rotatable.

At most one key is active (it signs); rotating retires it and makes a new one. Retired keys
never sign again but their public keys stay published, so old receipts keep verifying.
The private key is sealed with AES-GCM like watermark secrets, its associated data naming the
key's ``kid``, so a ciphertext moved to another row fails to open.

>>> receipt_key_associated_data("abc")
b'["greenmark-store/receipt-signing-key/v1","abc"]'
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from greenmark.receipts import ReceiptSigner
from greenmark.store.crypto import SecretBox
from greenmark.store.errors import KeyIntegrityError
from greenmark.store.models import ReceiptSigningKeyRecord, utc_now


@dataclass(frozen=True)
class ReceiptPublicKey:
    """A receipt-signing key's public half and its state."""

    kid: str
    public_key: Ed25519PublicKey
    active: bool
    created_at: datetime
    retired_at: datetime | None


def receipt_key_associated_data(kid: str) -> bytes:
    """The associated data sealing the private key ``kid`` to its row."""
    return json.dumps(["greenmark-store/receipt-signing-key/v1", kid], separators=(",", ":")).encode()


def active_record(session: Session, *, for_update: bool = False) -> ReceiptSigningKeyRecord | None:
    """The active signing key's row, if there is one."""
    statement = select(ReceiptSigningKeyRecord).where(ReceiptSigningKeyRecord.active.is_(True))
    return session.scalars(statement.with_for_update() if for_update else statement).one_or_none()


def add_signing_key(session: Session, box: SecretBox) -> ReceiptSigningKeyRecord:
    """Generate a new active signing key (the caller has retired the previous one)."""
    signer = ReceiptSigner.generate()
    nonce, ciphertext = box.seal(signer.private_bytes(), receipt_key_associated_data(signer.kid))
    record = ReceiptSigningKeyRecord(
        kid=signer.kid,
        public_key=signer.public_keys()[signer.kid].public_bytes_raw(),
        secret_nonce=nonce,
        secret_ciphertext=ciphertext,
        active=True,
        created_at=utc_now(),
    )
    session.add(record)
    session.flush()
    return record


def open_signer(record: ReceiptSigningKeyRecord, box: SecretBox) -> ReceiptSigner:
    """Decrypt the row's private key; ``KeyIntegrityError`` if the row was altered."""
    try:
        signer = ReceiptSigner.from_private_bytes(
            box.open(record.secret_nonce, record.secret_ciphertext, receipt_key_associated_data(record.kid))
        )
    except InvalidTag:
        signer = None
    if signer is None or signer.kid != record.kid:
        raise KeyIntegrityError(f"the receipt signing key {record.kid} fails authentication: its row was altered")
    return signer


def public_keys(session: Session) -> list[ReceiptPublicKey]:
    """Every signing key's public half, oldest first."""
    statement = select(ReceiptSigningKeyRecord).order_by(ReceiptSigningKeyRecord.id)
    return [
        ReceiptPublicKey(
            record.kid,
            Ed25519PublicKey.from_public_bytes(record.public_key),
            record.active,
            record.created_at,
            record.retired_at,
        )
        for record in session.scalars(statement)
    ]
