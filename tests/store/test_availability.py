"""Unreachable, unopenable or locked databases give StoreUnavailableError, not a driver traceback."""

import sqlite3

import pytest

from greenmark.store import InvalidArgumentError, KeyStore, StoreUnavailableError


def test_locked_sqlite_database_is_unavailable(home, monkeypatch, spec):
    monkeypatch.setenv("GREENMARK_DB_TIMEOUT", "0.2")
    with KeyStore.open(home=home) as store:
        store.create_key("news", spec=spec)
        holder = sqlite3.connect(home / "greenmark.db", isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        try:
            with pytest.raises(StoreUnavailableError, match="database is locked"):
                store.rotate("news")
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        assert store.get_active("news").version == 1


def test_opening_and_reading_are_not_blocked_by_a_writer(home, monkeypatch, spec):
    monkeypatch.setenv("GREENMARK_DB_TIMEOUT", "0.2")
    with KeyStore.open(home=home) as store:
        key_id = store.create_key("news", spec=spec).key_id
    holder = sqlite3.connect(home / "greenmark.db", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        with KeyStore.open(home=home) as store:
            assert store.load_key(key_id).key_id == key_id
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_unreachable_postgres_is_unavailable(home, monkeypatch):
    monkeypatch.setenv("GREENMARK_DB_TIMEOUT", "1")
    with pytest.raises(StoreUnavailableError, match="unavailable") as raised:
        KeyStore.open(url="postgresql+psycopg://someone:hunter2@127.0.0.1:1/greenmark", home=home)
    assert "hunter2" not in str(raised.value)


def test_unopenable_sqlite_path_is_unavailable(tmp_path, home):
    with pytest.raises(StoreUnavailableError, match="unable to open database file"):
        KeyStore.open(url=f"sqlite:///{tmp_path}", home=home)


def test_file_that_is_not_a_database_is_unavailable(tmp_path, home):
    (tmp_path / "notes.db").write_bytes(b"these are not the tables you are looking for" * 100)
    with pytest.raises(StoreUnavailableError, match="not a database"):
        KeyStore.open(url=f"sqlite:///{tmp_path / 'notes.db'}", home=home)


def test_unsupported_database_backend_is_refused(home):
    with pytest.raises(InvalidArgumentError, match="supports sqlite and postgresql"):
        KeyStore.open(url="mysql://localhost/greenmark", home=home)
