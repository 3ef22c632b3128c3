"""`greenmark keys`: create, list, rotate, retire, spec; the secret never leaves the store."""

import json

from greenmark.watermark import WatermarkSpec, default_tokenizer
from tests.cli.conftest import assert_one_line_error, load_key


def test_create_prints_the_key_id_and_a_spec_for_the_default_model(create_key):
    created = create_key("news", "--tenant", "acme", "--gamma", "0.5", "--scheme", "selfhash")
    assert created["key_id"].startswith("gm1k_")
    assert (created["tenant"], created["name"], created["version"], created["status"]) == ("acme", "news", 1, "active")
    spec = WatermarkSpec.from_json(json.dumps(created["spec"]))
    assert spec == WatermarkSpec.for_tokenizer(default_tokenizer(), gamma=0.5, scheme="selfhash")


def test_rotate_and_retire_show_in_the_list(greenmark, create_key):
    first = create_key("news")
    assert greenmark("keys", "rotate", "news").exit_code == 0
    assert greenmark("keys", "retire", first["key_id"]).exit_code == 0
    listed = json.loads(greenmark("keys", "list", "--json").stdout)
    assert [(k["version"], k["status"]) for k in listed] == [(1, "retired"), (2, "active")]
    table = greenmark("keys", "list").stdout
    assert first["key_id"] in table and "retired" in table and "active" in table


def test_spec_prints_the_public_spec_and_no_secret(greenmark, create_key):
    created = create_key("news", "--delta", "3")
    result = greenmark("keys", "spec", "news")
    assert result.exit_code == 0
    assert WatermarkSpec.from_json(result.stdout).delta == 3.0
    key, _ = load_key(created["key_id"])
    assert key.to_hex() not in result.stdout


def test_creating_a_key_twice_is_a_one_line_error(greenmark, create_key):
    create_key("news")
    assert_one_line_error(greenmark("keys", "create", "news"), "already has a key named 'news'")


def test_unknown_keys_are_one_line_errors(greenmark):
    assert_one_line_error(greenmark("keys", "rotate", "missing"), "no key named 'missing'")
    assert_one_line_error(greenmark("keys", "retire", "gm1k_0000000000000000"), "no key")
    assert_one_line_error(greenmark("keys", "spec", "missing"), "no key named 'missing'")


def test_invalid_names_and_parameters_exit_2(greenmark):
    assert_one_line_error(greenmark("keys", "create", "bad name!"), "invalid key name")
    assert greenmark("keys", "create", "news", "--gamma", "1.5").exit_code == 2


def test_the_database_never_holds_the_secret_key_bytes(create_key, home):
    created = create_key("news")
    key, _ = load_key(created["key_id"])
    stored = b"".join(path.read_bytes() for path in home.glob("greenmark.db*"))
    assert created["key_id"].encode() in stored
    assert key.secret_bytes() not in stored and key.to_hex().encode() not in stored
