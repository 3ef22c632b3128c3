"""The master key: environment variable, explicit value, or a 0600 key file created on first use."""

import base64
import stat
from concurrent.futures import ThreadPoolExecutor

import pytest

from greenmark.store import KeyStore, MasterKeyError
from greenmark.store.master_key import parse_master_key, read_or_create_key_file


def test_key_file_is_created_with_mode_0600_on_first_open(home):
    KeyStore.open(home=home).close()
    key_file = home / "master.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert len(bytes.fromhex(key_file.read_text().strip())) == 32


def test_key_file_is_reused_on_later_opens(home, spec):
    with KeyStore.open(home=home) as store:
        key_id = store.create_key("news", spec=spec).key_id
    first_contents = (home / "master.key").read_text()
    with KeyStore.open(home=home) as store:
        assert store.load_key(key_id).key_id == key_id
    assert (home / "master.key").read_text() == first_contents


def test_no_temporary_files_are_left_behind(home):
    read_or_create_key_file(home / "master.key")
    assert [path.name for path in home.iterdir()] == ["master.key"]


def test_environment_master_key_replaces_the_key_file(home, monkeypatch, spec):
    monkeypatch.setenv("GREENMARK_MASTER_KEY", "ab" * 32)
    with KeyStore.open(home=home) as store:
        store.create_key("news", spec=spec)
    assert not (home / "master.key").exists()
    monkeypatch.setenv("GREENMARK_MASTER_KEY", "cd" * 32)
    with pytest.raises(MasterKeyError):
        KeyStore.open(home=home)


def test_hex_and_base64_forms_are_the_same_key():
    raw = bytes(range(32))
    assert parse_master_key(raw.hex()) == raw
    assert parse_master_key(raw.hex().upper()) == raw
    assert parse_master_key(base64.b64encode(raw).decode()) == raw
    assert parse_master_key(base64.urlsafe_b64encode(raw).decode()) == raw


@pytest.mark.parametrize("text", ["", "abc", "zz" * 32, base64.b64encode(bytes(16)).decode()])
def test_malformed_master_key_is_a_master_key_error(text):
    with pytest.raises(MasterKeyError, match="hex digits or the base64"):
        parse_master_key(text)


def test_missing_key_file_of_an_existing_store_is_not_silently_replaced(home, spec):
    with KeyStore.open(home=home) as store:
        store.create_key("news", spec=spec)
    (home / "master.key").unlink()
    with pytest.raises(MasterKeyError, match="no master key for this key store"):
        KeyStore.open(home=home)
    assert not (home / "master.key").exists()


def test_malformed_key_file_is_a_master_key_error(home):
    home.mkdir(parents=True)
    (home / "master.key").write_text("not a key\n")
    with pytest.raises(MasterKeyError, match="malformed"):
        KeyStore.open(home=home)


def test_racing_first_uses_agree_on_one_key_file(home):
    with ThreadPoolExecutor(8) as pool:
        keys = set(pool.map(lambda _: read_or_create_key_file(home / "master.key"), range(8)))
    assert len(keys) == 1
    assert [path.name for path in home.iterdir()] == ["master.key"]
