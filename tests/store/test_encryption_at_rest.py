"""Secrets at rest: encrypted under the master key, bound to their row, never in the database in clear."""

import pytest
from sqlalchemy import create_engine, text

from greenmark.store import KeyIntegrityError, KeyStore, MasterKeyError


def raw_database_bytes(home) -> bytes:
    """Every byte SQLite wrote: the database file and its write-ahead log."""
    return b"".join(path.read_bytes() for path in sorted(home.glob("greenmark.db*")))


def test_sqlite_file_never_contains_the_secret(home, spec):
    with KeyStore.open(home=home) as store:
        created = [store.create_key(f"key{index}", spec=spec) for index in range(3)]
        created.append(store.rotate("key0"))
        secrets = [store.load_key(stored.key_id) for stored in created]
    contents = raw_database_bytes(home)
    assert created[0].key_id.encode() in contents  # the check below searches the right bytes
    for secret in secrets:
        assert secret.secret_bytes() not in contents
        assert secret.to_hex().encode() not in contents
        assert secret.to_hex().upper().encode() not in contents


def test_no_column_holds_the_secret(store, database_url, spec):
    secret = store.load_key(store.create_key("news", spec=spec).key_id)
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            values = [value for row in connection.execute(text("SELECT * FROM watermark_keys")) for value in row]
    finally:
        engine.dispose()
    for value in values:
        as_bytes = value if isinstance(value, bytes) else str(value).encode()
        assert secret.secret_bytes() not in as_bytes
        assert secret.to_hex().encode() not in as_bytes


def test_wrong_master_key_raises_master_key_error(database_url, home, spec):
    with KeyStore.open(url=database_url, home=home, master_key="11" * 32) as store:
        store.create_key("news", spec=spec)
    with pytest.raises(MasterKeyError, match="the master key does not decrypt this key store"):
        KeyStore.open(url=database_url, home=home, master_key="22" * 32)


def test_wrong_master_key_is_recognised_before_any_key_exists(database_url, home):
    KeyStore.open(url=database_url, home=home, master_key="11" * 32).close()
    with pytest.raises(MasterKeyError):
        KeyStore.open(url=database_url, home=home, master_key="22" * 32)


def test_ciphertext_swapped_between_rows_fails_to_decrypt(store, database_url, spec):
    first = store.create_key("news", spec=spec)
    second = store.create_key("sports", spec=spec)
    engine = create_engine(database_url)
    try:
        with engine.begin() as connection:
            rows = {
                key_id: (nonce, ciphertext)
                for key_id, nonce, ciphertext in connection.execute(
                    text("SELECT key_id, secret_nonce, secret_ciphertext FROM watermark_keys")
                )
            }
            for target, source in ((first.key_id, second.key_id), (second.key_id, first.key_id)):
                connection.execute(
                    text("UPDATE watermark_keys SET secret_nonce = :n, secret_ciphertext = :c WHERE key_id = :k"),
                    {"n": rows[source][0], "c": rows[source][1], "k": target},
                )
    finally:
        engine.dispose()
    with pytest.raises(KeyIntegrityError, match=first.key_id):
        store.load_key(first.key_id)
    with pytest.raises(KeyIntegrityError):
        store.keys_for_detection()


def test_ciphertext_moved_to_another_version_of_the_same_key_fails(store, database_url, spec):
    first = store.create_key("news", spec=spec)
    store.rotate("news")
    engine = create_engine(database_url)
    try:
        with engine.begin() as connection:
            connection.execute(
                text(
                    "UPDATE watermark_keys SET version = 7 WHERE key_id = :k",
                ),
                {"k": first.key_id},
            )
    finally:
        engine.dispose()
    with pytest.raises(KeyIntegrityError):
        store.load_key(first.key_id)
