"""Schema versions: a new store is at head, the migrations match the models, newer schemas are refused."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, text

from greenmark.store import KeyStore, SchemaVersionError
from greenmark.store.migrations import head_revision
from greenmark.store.models import Base


def test_new_store_is_at_the_head_revision(store):
    assert store.schema_revision == head_revision()


def test_migrated_schema_matches_the_models(store, database_url):
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    finally:
        engine.dispose()
    assert differences == []


def test_reopening_keeps_the_data(database_url, home, spec):
    with KeyStore.open(url=database_url, home=home) as store:
        key_id = store.create_key("news", spec=spec).key_id
    with KeyStore.open(url=database_url, home=home) as store:
        assert store.get_key(key_id).name == "news"
        assert store.schema_revision == head_revision()


def test_schema_from_a_newer_greenmark_is_refused(store, database_url, home):
    engine = create_engine(database_url)
    try:
        with engine.begin() as connection:
            connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    finally:
        engine.dispose()
    with pytest.raises(SchemaVersionError, match="'9999', newer than this greenmark knows"):
        KeyStore.open(url=database_url, home=home)
