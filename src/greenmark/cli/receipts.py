"""``greenmark receipts``: publish, rotate and verify the keys and signatures of detection receipts.

``verify`` needs only a public key file (the JWKS from ``public-key`` or ``/v1/receipts/keys``,
or a PEM), never the key store: anyone holding a receipt can check it.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from greenmark.cli.common import Document, InputError, echo_json, json_option
from greenmark.receipts import ReceiptError, jwks_of, load_public_keys, verify_receipt
from greenmark.receipts.public_keys import pem_of
from greenmark.store import KeyStore

VERIFY_EXIT_STATUS = """\b
Exit status:
  0  the receipt is genuine (and, with --text, covers that text)
  1  it is not: the reason is one line on stderr
  2  usage error or an unreadable file
"""


@click.group()
def receipts() -> None:
    """Signed detection receipts: public keys, rotation, verification."""


@receipts.command(name="public-key")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["jwks", "pem"]),
    default="jwks",
    help="jwks: every signing key ever used (verifies old receipts too); pem: the active key only.",
)
def public_key(output_format) -> None:
    """Print the receipt-signing public keys (the key is made on first use)."""
    with KeyStore.open() as store:
        active = store.receipt_signer()
        keys = store.receipt_public_keys()
    if output_format == "pem":
        click.echo(pem_of(active.public_keys()[active.kid]), nl=False)
    else:
        echo_json(jwks_of(key.public_key for key in keys))


@receipts.command()
@json_option
def rotate(as_json) -> None:
    """Retire the active signing key (it stays published) and make a new one."""
    with KeyStore.open() as store:
        new = store.rotate_receipt_key()
    if as_json:
        echo_json({"kid": new.kid, "created_at": new.created_at.isoformat()})
    else:
        click.echo(f"New receipt signing key {new.kid}; older keys stay published for verification.")


@receipts.command(epilog=VERIFY_EXIT_STATUS)
@click.argument("receipt_path", metavar="RECEIPT.json", type=click.Path(path_type=Path))
@click.option(
    "--public-key",
    "public_key_path",
    required=True,
    type=click.Path(path_type=Path),
    help="The signer's public keys: a JWKS (greenmark receipts public-key, /v1/receipts/keys) or a PEM file.",
)
@click.option(
    "--text", "text_path", type=click.Path(path_type=Path), help="Also check that the receipt covers this text."
)
@json_option
def verify(receipt_path, public_key_path, text_path, as_json) -> None:
    """Check a receipt's signature (JSON or DSSE form) and, with --text, that it covers the text."""
    receipt = _read_json(receipt_path)
    try:
        public_keys = load_public_keys(_read_bytes(public_key_path))
    except ReceiptError as error:
        raise InputError(f"{public_key_path}: {error}") from None
    text = Document.from_path(text_path).text if text_path is not None else None
    try:
        statement = verify_receipt(receipt, public_keys, text=text)
    except ReceiptError as error:
        click.echo(f"{receipt_path}: INVALID: {error}", err=True)
        click.get_current_context().exit(1)
    if as_json:
        echo_json({"valid": True, "text_checked": text is not None, "receipt": statement})
        return
    key = statement.get("key_id") or "no key matched"
    covers = "; the text matches" if text is not None else ""
    click.echo(
        f"{receipt_path}: valid receipt {statement.get('receipt_id')} ({statement.get('decision')}, "
        f"p = {statement.get('p_value'):.3g}, {key}) issued {statement.get('issued_at')}{covers}"
    )


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise InputError(f"cannot read {path}: {error.strerror or error}") from None


def _read_json(path: Path):
    try:
        return json.loads(_read_bytes(path))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise InputError(f"{path} is not JSON") from None
