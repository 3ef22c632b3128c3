"""Watermark keys: create, list, rotate, retire, load, detect — on SQLite and PostgreSQL."""

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import IntegrityError

from greenmark.store import DuplicateKeyError, InvalidArgumentError, KeyStatus, KeyStore, UnknownKeyError
from greenmark.watermark.key import WatermarkKey
from greenmark.watermark.spec import WatermarkSpec


def test_create_key_makes_active_version_one(store, spec):
    stored = store.create_key("news", spec=spec)
    assert (stored.tenant, stored.name, stored.version, stored.status) == ("default", "news", 1, KeyStatus.ACTIVE)
    assert stored.spec == spec
    assert stored.key_id.startswith("gm1k_")
    assert stored.created_at.tzinfo is not None


def test_create_key_twice_with_same_name_is_a_duplicate(store, spec):
    store.create_key("news", spec=spec)
    with pytest.raises(DuplicateKeyError, match="already has a key named 'news'"):
        store.create_key("news", spec=spec)


def test_same_name_in_two_tenants_are_two_keys(store, spec):
    first = store.create_key("news", spec=spec, tenant="acme")
    second = store.create_key("news", spec=spec, tenant="globex")
    assert first.key_id != second.key_id
    assert store.list_tenants() == ["acme", "globex"]


def test_invalid_names_are_refused(store, spec):
    with pytest.raises(InvalidArgumentError):
        store.create_key("bad name!", spec=spec)
    with pytest.raises(InvalidArgumentError):
        store.create_key("news", spec=spec, tenant="")


def test_list_keys_is_ordered_and_filters_by_tenant(store, spec):
    store.create_key("sports", spec=spec, tenant="b")
    store.create_key("news", spec=spec, tenant="b")
    store.create_key("news", spec=spec, tenant="a")
    assert [(key.tenant, key.name) for key in store.list_keys()] == [("a", "news"), ("b", "news"), ("b", "sports")]
    assert [key.name for key in store.list_keys("b")] == ["news", "sports"]
    assert store.list_keys("nobody") == []


def test_rotate_makes_new_active_version_and_old_verify_only(store, spec):
    first = store.create_key("news", spec=spec)
    second = store.rotate("news")
    assert (second.version, second.status, second.spec) == (2, KeyStatus.ACTIVE, spec)
    assert second.key_id != first.key_id
    assert store.get_key(first.key_id).status is KeyStatus.VERIFY_ONLY
    assert store.get_active("news") == second


def test_rotate_with_a_new_spec_uses_it(store, spec):
    store.create_key("news", spec=spec)
    new_spec = WatermarkSpec(vocab_size=2000, gamma=0.5, scheme="selfhash")
    assert store.rotate("news", spec=new_spec).spec == new_spec


def test_rotate_unknown_key_fails(store, spec):
    store.create_key("news", spec=spec, tenant="acme")
    with pytest.raises(UnknownKeyError, match="tenant 'default' has no key named 'news'"):
        store.rotate("news")


def test_retire_by_key_id_stops_detection_of_that_version(store, spec):
    first = store.create_key("news", spec=spec)
    second = store.rotate("news")
    retired = store.retire(first.key_id)
    assert retired.status is KeyStatus.RETIRED
    assert [metadata.key_id for _, _, metadata in store.keys_for_detection()] == [second.key_id]


def test_retire_is_idempotent(store, spec):
    key = store.create_key("news", spec=spec)
    store.retire(key.key_id)
    assert store.retire(key.key_id).status is KeyStatus.RETIRED


def test_retire_in_another_tenant_is_unknown(store, spec):
    key = store.create_key("news", spec=spec, tenant="acme")
    with pytest.raises(UnknownKeyError):
        store.retire(key.key_id, tenant="globex")
    assert store.get_key(key.key_id).status is KeyStatus.ACTIVE


def test_retiring_the_active_version_leaves_no_active_until_rotation(store, spec):
    key = store.create_key("news", spec=spec)
    store.retire(key.key_id)
    with pytest.raises(UnknownKeyError, match="no active version"):
        store.get_active("news")
    assert store.rotate("news").version == 2
    assert store.get_active("news").version == 2


def test_get_active_of_unknown_name_fails(store):
    with pytest.raises(UnknownKeyError, match="has no key named 'news'"):
        store.get_active("news")


def test_load_key_returns_the_secret_matching_the_key_id(store, spec):
    stored = store.create_key("news", spec=spec)
    key = store.load_key(stored.key_id)
    assert isinstance(key, WatermarkKey)
    assert key.key_id == stored.key_id


def test_load_key_of_unknown_id_fails(store):
    with pytest.raises(UnknownKeyError, match="no key 'gm1k_missing'"):
        store.load_key("gm1k_missing")


def test_keys_for_detection_returns_every_non_retired_version_of_the_tenant_only(store, spec):
    store.create_key("news", spec=spec, tenant="acme")
    store.rotate("news", tenant="acme")
    store.rotate("news", tenant="acme")
    store.create_key("news", spec=spec, tenant="globex")
    detection_keys = store.keys_for_detection("acme")
    assert [metadata.version for _, _, metadata in detection_keys] == [1, 2, 3]
    assert {metadata.tenant for _, _, metadata in detection_keys} == {"acme"}
    for key, key_spec, metadata in detection_keys:
        assert key.key_id == metadata.key_id
        assert key_spec == spec


def test_keys_for_detection_of_unknown_tenant_is_empty(store):
    assert store.keys_for_detection("nobody") == []


def test_database_refuses_a_second_active_version(store, database_url, spec):
    store.create_key("news", spec=spec)
    store.rotate("news")
    engine = create_engine(database_url)
    try:
        with pytest.raises(IntegrityError), engine.begin() as connection:
            connection.execute(text("UPDATE watermark_keys SET status = 'active'"))
    finally:
        engine.dispose()


def test_keys_persist_across_reopening(database_url, home, spec):
    with KeyStore.open(url=database_url, home=home) as store:
        created = store.create_key("news", spec=spec)
    with KeyStore.open(url=database_url, home=home) as store:
        assert store.load_key(created.key_id).key_id == created.key_id


def test_stored_key_to_dict_is_public_metadata(store, spec):
    stored = store.create_key("news", spec=spec)
    as_dict = stored.to_dict()
    assert as_dict["key_id"] == stored.key_id
    assert as_dict["spec"]["vocab_size"] == 1000
    assert store.load_key(stored.key_id).to_hex() not in repr(as_dict)
