"""Receipt-signing keys on SQLite and PostgreSQL: made on first use, sealed at rest, rotated, old ones published."""

import threading

import pytest
from sqlalchemy import create_engine, text

from greenmark.store import KeyIntegrityError, KeyStore


def test_the_signing_key_is_made_on_first_use_and_kept(database_url, home):
    with KeyStore.open(url=database_url, home=home) as store:
        assert store.receipt_public_keys() == []
        kid = store.receipt_signer().kid
    with KeyStore.open(url=database_url, home=home) as store:
        assert store.receipt_signer().kid == kid
        assert [(key.kid, key.active) for key in store.receipt_public_keys()] == [(kid, True)]


def test_the_private_key_is_not_stored_in_clear(store, database_url):
    private = store.receipt_signer().private_bytes()
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            stored = connection.execute(text("SELECT secret_ciphertext, public_key FROM receipt_signing_keys")).one()
    finally:
        engine.dispose()
    assert private not in bytes(stored.secret_ciphertext) and len(stored.public_key) == 32


def test_rotation_retires_the_old_key_but_keeps_it_published(store):
    old = store.receipt_signer().kid
    new = store.rotate_receipt_key()
    assert new.kid != old and store.receipt_signer().kid == new.kid
    keys = store.receipt_public_keys()
    assert [(key.kid, key.active, key.retired_at is not None) for key in keys] == [
        (old, False, True),
        (new.kid, True, False),
    ]


def test_a_moved_or_altered_private_key_fails_authentication(store, database_url):
    first = store.receipt_signer().kid
    store.rotate_receipt_key()
    engine = create_engine(database_url)
    try:
        with engine.begin() as connection:  # give the active row the retired key's sealed secret
            old = connection.execute(
                text("SELECT secret_nonce, secret_ciphertext FROM receipt_signing_keys WHERE kid = :kid"),
                {"kid": first},
            ).one()
            connection.execute(
                text("UPDATE receipt_signing_keys SET secret_nonce = :n, secret_ciphertext = :c WHERE active"),
                {"n": old.secret_nonce, "c": old.secret_ciphertext},
            )
    finally:
        engine.dispose()
    with pytest.raises(KeyIntegrityError, match="receipt signing key"):
        store.receipt_signer()


def test_concurrent_first_uses_make_one_key(database_url, home):
    with KeyStore.open(url=database_url, home=home):
        pass
    stores = [KeyStore.open(url=database_url, home=home) for _ in range(4)]
    barrier = threading.Barrier(len(stores))
    kids = []

    def first_use(store):
        barrier.wait()
        kids.append(store.receipt_signer().kid)

    threads = [threading.Thread(target=first_use, args=(store,)) for store in stores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        assert len(kids) == 4 and len(set(kids)) == 1
        assert len(stores[0].receipt_public_keys()) == 1
    finally:
        for store in stores:
            store.close()
