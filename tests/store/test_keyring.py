"""``KeyStore.keyring``: a tenant's keys of several schemes, tested together with one correction."""

import pytest

from greenmark.store import UnknownKeyError
from greenmark.watermark import WatermarkSpec, default_tokenizer
from greenmark.watermark.schemes import registry
from tests.cli.green_text import green_words_text
from tests.watermark.test_schemes import Tilted

HUMAN = (
    "Call me Ishmael. Some years ago, never mind how long precisely, having little or no money in my purse, "
    "and nothing particular to interest me on shore, I thought I would sail about a little and see the watery part "
    "of the world."
)


@pytest.fixture
def mixed_tenant(store, monkeypatch):
    """Tenant acme: news v1 (lefthash) rotated to v2 (selfhash), and essays (a Gamma-null test scheme)."""
    monkeypatch.setitem(registry._SCHEMES, Tilted.name, {Tilted.version: Tilted})
    tokenizer = default_tokenizer()
    first = store.create_key("news", spec=WatermarkSpec.for_tokenizer(tokenizer), tenant="acme")
    second = store.rotate("news", "acme", spec=WatermarkSpec.for_tokenizer(tokenizer, scheme="selfhash"))
    essays = store.create_key(
        "essays", spec=WatermarkSpec.for_tokenizer(tokenizer, scheme="tilted-test"), tenant="acme"
    )
    return first, second, essays


def test_a_tenants_keys_of_every_scheme_are_tested_with_one_correction(store, mixed_tenant):
    _, selfhash, _ = mixed_tenant
    keyring = store.keyring("acme")
    text = green_words_text(store.load_key(selfhash.key_id), selfhash.spec, length=120)
    result = keyring.detect(text)
    assert (result.decision, result.key_id, result.scheme) == ("watermarked", selfhash.key_id, "selfhash@gm1")
    assert result.num_hypotheses == 3
    assert result.p_value == pytest.approx(result.raw_p_value * 3)


def test_human_text_matches_no_key_and_names_no_scheme(store, mixed_tenant):
    result = store.keyring("acme").detect(HUMAN)
    assert (result.decision, result.key_id, result.scheme, result.num_hypotheses) == ("not_watermarked", None, None, 3)


def test_keys_for_another_tokenizer_are_left_out_of_the_test_and_its_count(store, mixed_tenant):
    foreign = store.create_key(
        "foreign", spec=WatermarkSpec(vocab_size=50_000, tokenizer_fingerprint="sha256:0"), tenant="acme"
    )
    keyring = store.keyring("acme")
    assert [stored.key_id for stored in keyring.skipped_keys] == [foreign.key_id]
    assert keyring.detect(HUMAN).num_hypotheses == 3


def test_retired_keys_are_not_tested(store, mixed_tenant):
    first, _, _ = mixed_tenant
    store.retire(first.key_id, "acme")
    assert first.key_id not in store.keyring("acme").key_ids
    assert store.keyring("acme").detect(HUMAN).num_hypotheses == 2


def test_the_key_shown_is_the_matched_one_else_the_newest_active(store, mixed_tenant):
    first, selfhash, essays = mixed_tenant
    keyring = store.keyring("acme")
    watermarked = keyring.detect(green_words_text(store.load_key(first.key_id), first.spec, length=120))
    assert keyring.key_to_show(watermarked).key_id == first.key_id  # verify-only, but it matched
    assert keyring.key_to_show(keyring.detect(HUMAN)).key_id == essays.key_id  # created last, active
    assert keyring.key_to_show(key_id=selfhash.key_id).key_id == selfhash.key_id
    with pytest.raises(UnknownKeyError):
        keyring.key_to_show(key_id="gm1k_0000000000000000")


def test_an_unknown_tenant_has_an_empty_keyring(store):
    keyring = store.keyring("nobody")
    assert keyring.key_ids == [] and keyring.stored == {}
    with pytest.raises(UnknownKeyError):
        keyring.key_to_show()
