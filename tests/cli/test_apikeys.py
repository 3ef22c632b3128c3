"""`greenmark apikeys`: the key is printed once, listed by id only, and revocable."""

import json

import pytest

from greenmark.store import AuthenticationError, KeyStore
from tests.cli.conftest import assert_one_line_error


def test_create_prints_tenant_and_api_key_once(greenmark):
    created = json.loads(greenmark("apikeys", "create", "--tenant", "acme", "--json").stdout)
    assert created["tenant"] == "acme" and created["api_key"].startswith(created["api_key_id"])
    with KeyStore.open() as store:
        assert store.authenticate(created["api_key"]).tenant == "acme"
    listing = greenmark("apikeys", "list", "--json").stdout
    assert created["api_key_id"] in listing and created["api_key"] not in listing


def test_plain_create_prints_only_the_key_on_stdout(greenmark):
    result = greenmark("apikeys", "create", "--tenant", "acme", "--scope", "detect")
    assert result.stdout.count("\n") == 1 and result.stdout.startswith("gmak_")
    assert "shown only this once" in result.stderr


def test_revoked_keys_stop_authenticating(greenmark):
    created = json.loads(greenmark("apikeys", "create", "--json").stdout)
    assert greenmark("apikeys", "revoke", created["api_key_id"]).exit_code == 0
    assert "revoked" in greenmark("apikeys", "list").stdout
    with KeyStore.open() as store, pytest.raises(AuthenticationError):
        store.authenticate(created["api_key"])
    assert_one_line_error(greenmark("apikeys", "revoke", "gmak_000000000000"), "no API key")
