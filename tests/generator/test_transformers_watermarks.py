"""transformers' own watermarks on the embedded model, found by greenmark: right key, wrong key, a mixed tenant.

The text comes from transformers' ``generate(watermarking_config=...)`` (its own
``WatermarkLogitsProcessor`` / ``SynthIDTextWatermarkLogitsProcessor``) over the embedded
model, sampled with fixed torch seeds, so every case is deterministic. Statistical rates:
under a wrong key the text is independent of that key's green lists or g-values, so a
detection (p < 1e-6) would happen with probability at most 1e-6 per text; the watermarked
texts (90 new tokens each) reached p below 1e-12 when this was written, far from the 1e-6
threshold.
"""

import numpy as np
import pytest
import torch
from transformers import SynthIDTextWatermarkingConfig, WatermarkingConfig

from greenmark.generator import WatermarkedGenerator, load_default_model
from greenmark.store import KeyStore
from greenmark.watermark import Detector, ImportedKey, WatermarkSpec, default_tokenizer

PROMPTS = [
    "The old captain looked at the sea and said",
    "In the morning the village was quiet, and",
    "She opened the letter slowly, because",
]
NEW_TOKENS = 90
SYNTHID_KEYS = [7, 901, 33, 12, 560, 89, 4, 250, 777, 61, 302, 18, 999, 45, 640, 11, 73, 820, 5, 134]

# name -> (the engine's config, greenmark scheme, its --param values, the secret as `keys import` takes it)
CONFIGS = {
    "kgw-lefthash": (
        WatermarkingConfig(bias=2.0, hashing_key=987654321, seeding_scheme="lefthash"),
        "transformers-kgw",
        {},
        "987654321",
    ),
    "kgw-default-key": (WatermarkingConfig(bias=2.0), "transformers-kgw", {}, "15485863"),
    "kgw-selfhash": (
        WatermarkingConfig(bias=2.5, hashing_key=123456789, seeding_scheme="selfhash", context_width=4),
        "transformers-kgw",
        {"context_width": 4, "delta": 2.5, "parameters": {"seeding_scheme": "selfhash"}},
        "123456789",
    ),
    "synthid": (
        SynthIDTextWatermarkingConfig(keys=SYNTHID_KEYS, ngram_len=5),
        "transformers-synthid",
        {"parameters": {"depth": len(SYNTHID_KEYS)}},
        ",".join(map(str, SYNTHID_KEYS)),
    ),
}


@pytest.fixture(scope="module")
def embedded():
    return load_default_model(device="cpu")


def spec_for(name: str) -> WatermarkSpec:
    _, scheme, fields, _ = CONFIGS[name]
    return WatermarkSpec.for_tokenizer(default_tokenizer(), scheme=scheme, **fields)


@pytest.fixture(scope="module")
def generations(embedded):
    """name -> (ids [prompts, length], prompt length, continuation texts), one transformers generation each."""
    model, tokenizer = embedded
    encoded = tokenizer(PROMPTS, return_tensors="pt", padding=True)
    made = {}
    for seed, (name, (config, *_)) in enumerate(CONFIGS.items()):
        torch.manual_seed(seed)
        with torch.no_grad():
            output = model.generate(
                **encoded,
                watermarking_config=config,
                do_sample=True,
                max_new_tokens=NEW_TOKENS,
                min_new_tokens=NEW_TOKENS,
            )
        prompt_length = encoded["input_ids"].shape[1]
        texts = tokenizer.batch_decode(output[:, prompt_length:], skip_special_tokens=True)
        made[name] = (output.numpy(), prompt_length, texts)
    return made


def imported(name: str) -> ImportedKey:
    return ImportedKey.create(spec_for(name).watermark_scheme.canonical_secret(CONFIGS[name][3]))


@pytest.mark.slow
@pytest.mark.parametrize("name", list(CONFIGS))
def test_transformers_watermarked_ids_are_detected_with_the_imported_key(generations, name):
    ids, prompt_length, _ = generations[name]
    detector = Detector(spec_for(name), [imported(name)], tokenizer=default_tokenizer())
    results = detector.detect_tokens_many(list(ids), [prompt_length] * len(ids))
    assert all(result.p_value < 1e-6 and result.decision == "watermarked" for result in results)


@pytest.mark.slow
@pytest.mark.parametrize("name", list(CONFIGS))
def test_transformers_watermarked_text_is_not_detected_under_a_wrong_key(generations, name):
    texts = generations[name][2]
    secret = CONFIGS[name][3]
    wrong = ",".join(str(int(part) + 1) for part in secret.split(","))  # every key off by one
    scheme = spec_for(name).watermark_scheme
    detector = Detector(spec_for(name), [ImportedKey.create(scheme.canonical_secret(wrong))], default_tokenizer())
    assert all(result.p_value >= 1e-6 for result in detector.detect_many(texts))


@pytest.mark.slow
def test_only_results_matching_transformers_default_key_say_it_is_public(generations):
    detector = Detector(spec_for("kgw-default-key"), [imported("kgw-default-key")], default_tokenizer())
    matched = detector.detect_many(generations["kgw-default-key"][2])
    assert all(result.is_watermarked and "15485863" in result.key_warning for result in matched)
    assert "anyone can forge" in matched[0].key_warning
    private = Detector(spec_for("kgw-lefthash"), [imported("kgw-lefthash")], default_tokenizer())
    assert all(result.key_warning is None for result in private.detect_many(generations["kgw-lefthash"][2]))


@pytest.mark.slow
def test_a_tenant_with_native_and_imported_keys_attributes_each_generation_to_its_key(tmp_path, generations):
    tokenizer = default_tokenizer()
    with KeyStore.open(home=tmp_path) as store:
        native = store.create_key("own", spec=WatermarkSpec.for_tokenizer(tokenizer), tenant="acme")
        expected = {}
        for name in ("kgw-lefthash", "kgw-selfhash", "synthid"):
            stored = store.import_key(name, spec=spec_for(name), secret=CONFIGS[name][3], tenant="acme")
            expected[name] = stored.key_id
        generator = WatermarkedGenerator.from_default(key=store.load_key(native.key_id), spec=native.spec)
        own_texts = [output.text for output in generator.generate(PROMPTS, max_new_tokens=NEW_TOKENS, seed=5)]
        keyring = store.keyring("acme")
    assert len(keyring.key_ids) == 4
    texts = own_texts + [text for name in expected for text in generations[name][2]]
    owners = [native.key_id] * len(own_texts) + [expected[name] for name in expected for _ in PROMPTS]
    results = keyring.detect_many(texts)
    assert [result.key_id for result in results] == owners
    assert all(result.num_hypotheses == 4 and result.p_value < 1e-6 for result in results)
    schemes = {result.key_id: result.scheme for result in results}
    assert schemes[expected["synthid"]] == "transformers-synthid@tf1"
    assert np.unique([result.scheme for result in results]).tolist() == [
        "lefthash@gm1",
        "transformers-kgw@tf1",
        "transformers-synthid@tf1",
    ]
