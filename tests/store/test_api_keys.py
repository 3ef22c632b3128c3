"""API keys: shown once, stored hashed, scoped, listed, revoked, authenticated."""

import pytest
from sqlalchemy import create_engine, text

from greenmark.store import (
    DEFAULT_SCOPES,
    AuthenticationError,
    InvalidArgumentError,
    KeyStore,
    UnknownApiKeyError,
)


def test_create_returns_the_token_and_its_public_facts(store):
    created = store.create_api_key("acme")
    assert created.api_key.startswith(created.info.api_key_id + "_")
    assert created.info.tenant == "acme"
    assert created.info.scopes == DEFAULT_SCOPES == ("detect", "generate")
    assert not created.info.revoked
    assert created.api_key not in repr(created)


def test_token_is_never_stored_only_its_hash(store, database_url):
    created = store.create_api_key("acme")
    secret_part = created.api_key.split("_", 2)[2]  # gmak_<id>_<secret>; the secret may hold "_"
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            rows = [tuple(row) for row in connection.execute(text("SELECT * FROM api_keys"))]
    finally:
        engine.dispose()
    stored = repr(rows).encode() + b"".join(value for row in rows for value in row if isinstance(value, bytes))
    assert created.info.api_key_id.encode() in stored
    assert secret_part.encode() not in stored
    assert created.api_key.encode() not in stored


def test_sqlite_file_never_contains_the_token(home):
    with KeyStore.open(home=home) as store:
        token = store.create_api_key("acme").api_key
    contents = b"".join(path.read_bytes() for path in home.glob("greenmark.db*"))
    assert token.split("_", 2)[2].encode() not in contents


def test_list_shows_public_facts_never_the_token(store):
    first = store.create_api_key("acme")
    second = store.create_api_key("globex", scopes=["detect", "green-marks"])
    listed = store.list_api_keys()
    assert [info.api_key_id for info in listed] == [first.info.api_key_id, second.info.api_key_id]
    assert first.api_key not in repr(listed)
    assert [info.api_key_id for info in store.list_api_keys("globex")] == [second.info.api_key_id]
    assert store.list_api_keys("globex")[0].has_scope("green-marks")


def test_authenticate_returns_tenant_and_scopes(store):
    created = store.create_api_key("acme", scopes=["detect"])
    info = store.authenticate(created.api_key)
    assert (info.tenant, info.scopes) == ("acme", ("detect",))


@pytest.mark.parametrize("mangle", [lambda token: token[:-1] + ("A" if token[-1] != "A" else "B"), lambda token: ""])
def test_authenticate_refuses_a_wrong_token(store, mangle):
    created = store.create_api_key("acme")
    with pytest.raises(AuthenticationError, match="invalid or revoked API key"):
        store.authenticate(mangle(created.api_key))


def test_authenticate_refuses_garbage(store):
    for token in ["", "Bearer x", "gmak_zz", None, "gmak_000000000000_" + "a" * 43]:
        with pytest.raises(AuthenticationError):
            store.authenticate(token)


def test_revoked_key_fails_authentication(store):
    created = store.create_api_key("acme")
    revoked = store.revoke_api_key(created.info.api_key_id)
    assert revoked.revoked and revoked.revoked_at is not None
    with pytest.raises(AuthenticationError):
        store.authenticate(created.api_key)
    assert store.list_api_keys(include_revoked=False) == []


def test_revoke_accepts_the_full_token(store):
    created = store.create_api_key("acme")
    assert store.revoke_api_key(created.api_key).api_key_id == created.info.api_key_id


def test_revoking_twice_keeps_the_first_revocation_time(store):
    created = store.create_api_key("acme")
    first = store.revoke_api_key(created.info.api_key_id)
    assert store.revoke_api_key(created.info.api_key_id).revoked_at == first.revoked_at


def test_revoke_in_another_tenant_is_unknown(store):
    created = store.create_api_key("acme")
    with pytest.raises(UnknownApiKeyError):
        store.revoke_api_key(created.info.api_key_id, tenant="globex")
    with pytest.raises(UnknownApiKeyError):
        store.revoke_api_key("gmak_000000000000")
    assert store.authenticate(created.api_key).tenant == "acme"


@pytest.mark.parametrize("scopes", [["admin"], [], "detect"])
def test_invalid_scopes_are_refused(store, scopes):
    with pytest.raises(InvalidArgumentError):
        store.create_api_key("acme", scopes=scopes)
