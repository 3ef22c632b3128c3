"""Settings: GREENMARK_HOME, GREENMARK_DB_URL and GREENMARK_MASTER_KEY, with platform defaults."""

import platformdirs

from greenmark.store import KeyStore, StoreSettings


def test_home_defaults_to_the_user_data_directory(monkeypatch):
    monkeypatch.delenv("GREENMARK_HOME")
    assert StoreSettings().home == platformdirs.user_data_path("greenmark")


def test_embedded_database_lives_in_greenmark_home(home):
    assert StoreSettings().database_url == f"sqlite:///{home / 'greenmark.db'}"
    KeyStore.open().close()
    assert (home / "greenmark.db").is_file()


def test_db_url_variable_replaces_the_embedded_database(monkeypatch, tmp_path, home):
    monkeypatch.setenv("GREENMARK_DB_URL", f"sqlite:///{tmp_path / 'elsewhere.db'}")
    with KeyStore.open() as store:
        assert store.url.endswith("elsewhere.db")
    assert not (home / "greenmark.db").exists()


def test_empty_variables_count_as_unset(monkeypatch, home):
    monkeypatch.setenv("GREENMARK_DB_URL", "")
    monkeypatch.setenv("GREENMARK_MASTER_KEY", "")
    settings = StoreSettings()
    assert settings.db_url is None and settings.master_key is None


def test_master_key_is_not_shown_in_the_settings_repr(monkeypatch):
    monkeypatch.setenv("GREENMARK_MASTER_KEY", "ab" * 32)
    assert "ab" * 32 not in repr(StoreSettings())


def test_new_database_file_is_private(home):
    KeyStore.open().close()
    assert (home / "greenmark.db").stat().st_mode & 0o077 == 0
