"""Imported (foreign) keys in the store: encrypted like native keys, read back as ``ImportedKey``, never generated."""

import pytest
from sqlalchemy import create_engine, text

from greenmark.store import InvalidArgumentError, KeyIntegrityError, KeyStore
from greenmark.watermark import ImportedKey, InvalidKeyError, WatermarkSpec

KGW = WatermarkSpec(vocab_size=1000, scheme="transformers-kgw")
SYNTHID = WatermarkSpec(vocab_size=1000, scheme="transformers-synthid", parameters={"depth": 3})


def test_an_imported_secret_reads_back_as_its_canonical_form(store):
    stored = store.import_key("engine", spec=SYNTHID, secret="[ 654, 400 ,836 ]", tenant="acme")
    key = store.load_key(stored.key_id)
    assert isinstance(key, ImportedKey) and key.imported_secret == "654,400,836"
    assert stored.key_id.startswith("gm1x_") and stored.spec == SYNTHID


def test_the_same_secret_imported_twice_gets_unrelated_key_ids(store):
    first = store.import_key("one", spec=KGW, secret="42")
    second = store.import_key("two", spec=KGW, secret="42")
    assert first.key_id != second.key_id  # a key id reveals nothing, even about a small secret


def test_no_column_holds_an_imported_secret(store, database_url):
    secret = "918273645546372819"
    store.import_key("engine", spec=KGW, secret=secret)
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT * FROM watermark_keys")).all()
    finally:
        engine.dispose()
    for value in (value for row in rows for value in row):
        as_bytes = value if isinstance(value, bytes) else str(value).encode()
        assert secret.encode() not in as_bytes


def test_an_imported_secret_moved_to_another_row_fails_authentication(store, database_url):
    victim = store.import_key("victim", spec=KGW, secret="1111")
    other = store.import_key("other", spec=KGW, secret="2222")
    engine = create_engine(database_url)
    try:
        with engine.begin() as connection:
            query = text("SELECT secret_nonce, secret_ciphertext FROM watermark_keys WHERE key_id = :k")
            moved = connection.execute(query, {"k": other.key_id}).one()
            connection.execute(
                text("UPDATE watermark_keys SET secret_nonce = :n, secret_ciphertext = :c WHERE key_id = :k"),
                {"n": moved[0], "c": moved[1], "k": victim.key_id},
            )
    finally:
        engine.dispose()
    with pytest.raises(KeyIntegrityError):
        store.load_key(victim.key_id)


def test_imported_keys_are_detected_next_to_native_ones(store):
    store.create_key("own", spec=WatermarkSpec(vocab_size=1000), tenant="acme")
    store.import_key("engine", spec=KGW, secret="42", tenant="acme")
    assert [stored.spec.scheme for stored in store.list_keys("acme")] == ["transformers-kgw", "lefthash"]
    assert sorted(type(k.key).__name__ for k in store.keys_for_detection("acme")) == ["ImportedKey", "WatermarkKey"]


@pytest.mark.parametrize(("spec", "secret"), [(KGW, "forty-two"), (KGW, "-1"), (KGW, str(2**63)), (SYNTHID, "1,2")])
def test_a_malformed_secret_is_refused_and_nothing_is_stored(home, spec, secret):
    with KeyStore.open(home=home) as store:
        with pytest.raises(InvalidKeyError):
            store.import_key("engine", spec=spec, secret=secret)
        assert store.list_keys() == []


def test_foreign_keys_are_never_generated_and_native_ones_never_imported(home):
    with KeyStore.open(home=home) as store:
        with pytest.raises(InvalidArgumentError, match="keys import"):
            store.create_key("engine", spec=KGW)
        with pytest.raises(InvalidArgumentError, match="keys create"):
            store.import_key("own", spec=WatermarkSpec(vocab_size=1000), secret="42")
        store.import_key("engine", spec=KGW, secret="42")
        with pytest.raises(InvalidArgumentError, match="new secret"):
            store.rotate("engine")
